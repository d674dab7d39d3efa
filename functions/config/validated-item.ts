/**
 * A config object as the item the components write, validated, with its validated copy beside it
 * for the handler build that will read it (validated-copy.ts says why). This module validates, so
 * it loads zod: the components and the tools use it, the Lambda handler never does.
 */
import { CONFIG_ATTRIBUTE, configItem } from '../state/table-layout.js';
import { ConfigError } from '../model/compile.js';
import { formatIssue, validateObject } from '../model/validate.js';
import { copyDigest, VALIDATED_ATTRIBUTE, type ValidatedCopy } from './validated-copy.js';

/**
 * Past this (the object's text and its copy), an item goes without a copy and the handler validates
 * it: a copy doubles the item, and DynamoDB refuses items over 400 KB.
 */
export const MAX_COPIED_BYTES = 300_000;

/** `{ pk, sk, object, validated }` in DynamoDB's typed form; throws ConfigError (every problem, each naming its field) for an object that does not validate. */
export function validatedConfigItem(object: { kind: string; metadata: { name: string; namespace?: string } }, build: string): Record<string, { S: string }> {
  const item = configItem(object);
  const objectText = item[CONFIG_ATTRIBUTE]!.S;
  // What the handler would validate: the object's text, read back.
  const result = validateObject(JSON.parse(objectText));
  if (!result.ok) throw new ConfigError(result.issues.map((issue) => formatIssue(result, issue)));
  const copy: ValidatedCopy = { build, digest: copyDigest(build, objectText, result.object, result.warnings), object: result.object, warnings: result.warnings };
  const copyText = JSON.stringify(copy);
  if (Buffer.byteLength(objectText) + Buffer.byteLength(copyText) > MAX_COPIED_BYTES) return item;
  return { ...item, [VALIDATED_ATTRIBUTE]: { S: copyText } };
}
