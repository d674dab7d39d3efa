/**
 * Hedging end to end: a spawned `modelgate serve` whose eviction state is in a DynamoDB table
 * (dynalite), and the Lambda bundle (dist/handler.mjs) reading its config and state from one: a
 * slow first provider is raced by the next one, the served-by headers say so, the request's log
 * line carries the trail, and the cancelled provider's eviction item is never written.
 */
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseManifests } from '../../functions/config/manifests.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { faultsByModel } from '../support/harness.js';
import { configItem } from '../../functions/state/table-layout.js';
import { serve, stop, type Served } from '../support/cli.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { captureHandlerOutput, functionUrlEvent, installAwsLambdaGlobal, invoke, type StreamingHandler, useLambdaEnv } from '../support/lambda-runtime.js';
import { tempDir } from '../support/temp.js';

const SERVE_TABLE = 'modelgate-hedging-serve';
const LAMBDA_TABLE = 'modelgate-hedging-lambda';
const HANDLER = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
const NS = 'hedging';
const HELLO = { model: 'client-model', messages: [{ role: 'user', content: 'Hello there' }] };

/** One backend of two providers on the simulator, the first slow to start; hedged after 150 ms, every request (a budget of 100%). */
function manifests(port: number): string {
  const provider = (name: string) => ({ name, host: '127.0.0.1', port, anthropic: { model: `model-${name}` }, policies: { auth: { key: `sk-test-${name}-0123456789` } } });
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: NS },
      spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
    },
    {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: 'llm', namespace: NS, annotations: { 'modelgate.dev/hedge-after': '150ms', 'modelgate.dev/hedge-budget': '100%' } },
      spec: { ai: { groups: [{ providers: [provider('opus')] }, { providers: [provider('sonnet')] }] } },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'route', namespace: NS },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'llm' }] }] },
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

let db: Dynalite;
let sim: Simulator;

beforeAll(async () => {
  db = await startDynalite([SERVE_TABLE, LAMBDA_TABLE]);
  sim = await startSimulator({ faults: faultsByModel({ 'model-opus': { kind: 'delay', ms: 4000 } }) });
});

afterAll(async () => {
  await sim?.close();
  await db?.close();
});

const evictionItems = async (table: string) =>
  (await db.client().send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `evict#${NS}/llm` } } }))).Items ?? [];

describe('modelgate serve --state-table', () => {
  let served: Served | undefined;
  afterAll(() => stop(served));

  it('a hedge wins, seen with raw HTTP: headers, the hedge log lines, and no eviction item for the cancelled provider', async () => {
    const file = join(tempDir('modelgate-hedging-'), 'hedging.yaml');
    writeFileSync(file, manifests(sim.port));
    served = await serve(['-f', file, '--port', '0', '--state-table', SERVE_TABLE], undefined, {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    });
    for (const stream of [false, true]) {
      const res = await fetch(`${served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...HELLO, stream }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-modelgate-attempts')).toBe('opus:hedged,sonnet:200');
      expect(res.headers.get('x-modelgate-hedged')).toBe('1');
      expect(res.headers.get('x-modelgate-provider')).toBe('sonnet');
      expect(await res.text()).toContain('model-sonnet');
    }
    await new Promise((r) => setTimeout(r, 100));
    const lines = served.logs.join('\n');
    expect(lines).toContain('hedge llm: opus has no first content yet; starting sonnet as well (2 running)');
    expect(lines).toContain('hedge llm: sonnet answered first; cancelled opus');
    expect(lines).toMatch(/POST \/v1\/chat\/completions 200 via sonnet \(model-sonnet\) attempts=opus:hedged,sonnet:200/);
    // The one healthy answer from a fresh provider writes nothing; the cancelled one is never counted.
    expect((await evictionItems(SERVE_TABLE)).map((i) => i.sk?.S)).not.toContain('opus');
  });
});

describe('the Lambda handler', () => {
  let handler: StreamingHandler;
  const output = captureHandlerOutput();
  afterAll(() => output.restore());

  beforeAll(async () => {
    useLambdaEnv(LAMBDA_TABLE, { dynamodb: db.endpoint, secretsManager: 'http://127.0.0.1:9' }, { MODELGATE_CONFIG_REFRESH_MS: '60000' });
    const client = db.client();
    for (const o of parseManifests([{ name: 'hedging.yaml', text: manifests(sim.port) }], {}).objects) {
      await client.send(new PutItemCommand({ TableName: LAMBDA_TABLE, Item: configItem(o as ManifestObject) }));
    }
    installAwsLambdaGlobal();
    handler = ((await import(`${HANDLER}?instance=hedging`)) as { handler: StreamingHandler }).handler;
  });

  it.each([false, true])('stream %s: the hedge answers through the function URL', async (stream) => {
    const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', { ...HELLO, stream }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-modelgate-attempts']).toBe('opus:hedged,sonnet:200');
    expect(res.headers['x-modelgate-hedged']).toBe('1');
    expect(res.body).toContain('model-sonnet');
    expect((await evictionItems(LAMBDA_TABLE)).map((i) => i.sk?.S)).not.toContain('opus');
  });
});
