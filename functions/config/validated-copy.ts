/**
 * A config item's validated copy: what validation made of its object (defaults filled in) and the
 * warnings it had, written beside the object by whoever validated it (the components, at
 * `pulumi up`), with a digest over both, the object's text and the build of the handler that
 * may take the copy as it is.
 *
 * Why: building the validation schemas (zod) was ~40 ms of a Lambda cold start's ~55 ms beyond the
 * AWS SDK, and every config item a component writes was validated at preview by the same build.
 * The handler takes a copy whose digest is right for its own build (MODELGATE_CONFIG_BUILD, the
 * bundle's sha256, set by the component) and loads the validator only for the rest: an item
 * written by hand or by another tool, an edited object or copy (its digest no longer matches), a
 * table written for another build of the handler (a deploy in progress, a rollback).
 *
 * The digest is not a signature: whoever can write the table can write a copy the handler takes.
 * Such a writer can already route every request anywhere, so nothing is given away; what the
 * digest keeps out is an item changed by mistake, which is validated and refused as before.
 *
 * No zod here (the handler imports this at cold start); validation itself is in validated-item.ts.
 */
import { createHash } from 'node:crypto';
import type { ManifestObject } from '../model/validate.js';
import { configSortKey } from '../state/table-layout.js';

/** The item attribute holding the validated copy, as JSON text. */
export const VALIDATED_ATTRIBUTE = 'validated';

/** What the attribute holds. */
export interface ValidatedCopy {
  /** The handler build the copy is for: the sha256 of the bundle the component deploys. */
  build: string;
  /** sha256 over the build, the object's text and the copy's object and warnings. */
  digest: string;
  object: ManifestObject;
  warnings: string[];
}

/** The digest of a copy of `objectText` (an item's object attribute, as written) for `build`. */
export function copyDigest(build: string, objectText: string, object: unknown, warnings: readonly string[]): string {
  return createHash('sha256')
    .update(`modelgate validated copy v1\n${build}\n`)
    .update(objectText)
    .update('\n')
    .update(JSON.stringify(object))
    .update('\n')
    .update(JSON.stringify(warnings))
    .digest('hex');
}

/**
 * The item's copy when it may be taken as it is: made for `build`, of the object the item's key
 * names, and its digest right for the item's object text. Undefined otherwise (no build known, no
 * copy, another build's, another object's, or changed), and the object is then validated.
 */
export function trustedCopy(
  sortKey: string,
  objectText: string,
  copyText: string | undefined,
  build: string | undefined,
): { object: ManifestObject; warnings: string[] } | undefined {
  if (!build || !copyText) return undefined;
  let copy: Partial<ValidatedCopy>;
  try {
    copy = JSON.parse(copyText) as Partial<ValidatedCopy>;
  } catch {
    return undefined;
  }
  if (copy === null || typeof copy !== 'object' || copy.build !== build || typeof copy.digest !== 'string') return undefined;
  const { object, warnings } = copy;
  if (object === null || typeof object !== 'object' || !Array.isArray(warnings) || !warnings.every((w) => typeof w === 'string')) return undefined;
  const metadata = (object as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
  if (typeof object.kind !== 'string' || typeof metadata?.name !== 'string' || (metadata.namespace !== undefined && typeof metadata.namespace !== 'string')) return undefined;
  if (configSortKey(object.kind, metadata.namespace ?? 'default', metadata.name) !== sortKey) return undefined;
  if (copyDigest(build, objectText, object, warnings) !== copy.digest) return undefined;
  return { object, warnings };
}
