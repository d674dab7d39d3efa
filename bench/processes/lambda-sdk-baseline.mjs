// The bench's baseline for the Lambda bundle's cold import: a bundle of only the AWS SDK clients
// the handler needs (DynamoDB for config and state, Secrets Manager for provider keys), with the
// commands it sends, built with the handler's own esbuild settings (scripts/lambda-bundle-options.mjs).
// Its cold import is what any Lambda that talks to those two services pays; the handler's is
// reported against it (the goal: ≤ 1.2×). Built into the given folder, never into dist/.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { LAMBDA_BUNDLE_OPTIONS } from '../../scripts/lambda-bundle-options.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The clients and commands functions/ sends with, re-exported so nothing is tree-shaken away. */
const ENTRY = `
export { DynamoDBClient, GetItemCommand, UpdateItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
export { SecretsManagerClient, GetSecretValueCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
`;

/** Writes `<dir>/sdk-clients.mjs`; returns its path and size in bytes. */
export async function buildSdkBaseline(dir) {
  const outfile = `${dir}/sdk-clients.mjs`;
  const result = await build({ ...LAMBDA_BUNDLE_OPTIONS, absWorkingDir: ROOT, stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js' }, outfile, metafile: true });
  return { file: outfile, bytes: Object.values(result.metafile.outputs)[0].bytes };
}
