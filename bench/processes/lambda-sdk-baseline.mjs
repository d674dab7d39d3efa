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

/**
 * The same clients doing at import what the handler does at import (functions/handler.ts): construct
 * the DynamoDB client with the handler's settings (state/dynamodb-client.ts) and the Secrets Manager
 * client, and send the first config Query. What any Lambda that reads its table at init pays: the
 * handler against this is modelgate's own code alone. The table is MODELGATE_TABLE, as the handler's.
 */
const INIT_ENTRY = `${ENTRY}
import { QueryCommand as Query } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient as Secrets } from '@aws-sdk/client-secrets-manager';
import { createTableClient } from './functions/state/dynamodb-client.ts';
const table = createTableClient();
export const secrets = new Secrets({});
export const firstRead = table
  .send(new Query({ TableName: process.env.MODELGATE_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'config' } } }))
  .catch(() => undefined);
`;

async function buildEntry(contents, outfile) {
  const result = await build({ ...LAMBDA_BUNDLE_OPTIONS, absWorkingDir: ROOT, stdin: { contents, resolveDir: ROOT, loader: 'js' }, outfile, metafile: true });
  return { file: outfile, bytes: Object.values(result.metafile.outputs)[0].bytes };
}

/** Writes `<dir>/sdk-clients.mjs`; returns its path and size in bytes. */
export function buildSdkBaseline(dir) {
  return buildEntry(ENTRY, `${dir}/sdk-clients.mjs`);
}

/** Writes `<dir>/sdk-clients-init.mjs`: the clients constructed and the first Query sent at import, as the handler does. */
export function buildSdkInitBaseline(dir) {
  return buildEntry(INIT_ENTRY, `${dir}/sdk-clients-init.mjs`);
}
