/**
 * The real Lambda bundle (dist/handler.mjs) driven with function URL events through a stand-in of
 * the runtime's `awslambda` global: config items and eviction state in dynalite, the provider key
 * in a loopback Secrets Manager, the providers simulated.
 */
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { SECRET_ARN_ANNOTATION } from '../../functions/config/secrets-manager.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { tutorialAgainst, TUTORIAL_ENV } from '../support/manifests.js';
import { functionUrlEvent, installAwsLambdaGlobal, invoke, lambdaContext, type StreamingHandler } from '../support/lambda-runtime.js';

const TABLE = 'modelgate-lambda-test';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:modelgate/anthropic-AbCdEf';
const KEY = 'sk-ant-api03-lambda-test-key-0123456789';
const HANDLER = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;

const CHAT = {
  messages: [
    { role: 'system', content: 'You are a skilled cloud-native network engineer.' },
    { role: 'user', content: 'Write me a paragraph containing the best way to think about Istio Ambient Mesh' },
  ],
};

let db: Dynalite;
let sim: Simulator;
let sm: FakeSecretsManager;
const logs: string[] = [];
const stdout: string[] = [];
const writeStderr = process.stderr.write.bind(process.stderr);
const writeStdout = process.stdout.write.bind(process.stdout);

/** The tutorial's objects as the components write them: providers on the simulator, the key in Secrets Manager. */
function tutorialObjects(port: number): ManifestObject[] {
  // The Secret's ${ANTHROPIC_API_KEY} is expanded only to load the file; the Secret written holds no key.
  return parseManifests([{ name: 'tutorial.yaml', text: tutorialAgainst(port) }], TUTORIAL_ENV).objects.map((o) =>
    o.kind === 'Secret' ? { apiVersion: 'v1', kind: 'Secret', metadata: { ...o.metadata, annotations: { [SECRET_ARN_ANNOTATION]: SECRET_ARN } } } : o,
  );
}

async function putObjects(objects: readonly object[]) {
  const client = db.client();
  for (const o of objects) await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o as ManifestObject) }));
}

/** A separate import of the bundle is a separate Lambda instance: its own caches, the same table. */
async function coldStart(instance: string): Promise<StreamingHandler> {
  const mod = (await import(`${HANDLER}?instance=${instance}`)) as { handler: StreamingHandler };
  return mod.handler;
}

beforeAll(async () => {
  db = await startDynalite([TABLE]);
  sim = await startSimulator();
  sm = await startFakeSecretsManager({ [SECRET_ARN]: JSON.stringify({ Authorization: KEY }) });
  Object.assign(process.env, {
    MODELGATE_TABLE: TABLE,
    MODELGATE_CONFIG_REFRESH_MS: '300',
    MODELGATE_STATE_STALENESS_MS: '0',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
  });
  await putObjects(tutorialObjects(sim.port));
  installAwsLambdaGlobal();
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return (writeStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  // EMF metric documents go to stdout; keep them out of the test output.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (String(chunk).startsWith('{"_aws"')) {
      stdout.push(String(chunk));
      return true;
    }
    return (writeStdout as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
});

afterAll(async () => {
  process.stderr.write = writeStderr;
  process.stdout.write = writeStdout;
  await sim?.close();
  await sm?.close();
  await db?.close();
});

const jsonLogs = () =>
  logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the Lambda handler', () => {
  let handler: StreamingHandler;
  beforeAll(async () => {
    handler = await coldStart('a');
  });

  it('answers a buffered request with the failover, the served-by headers in the prelude, and the key from Secrets Manager', async () => {
    const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT), lambdaContext('lambda-req-1'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-modelgate-attempts']).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    expect(res.headers['x-modelgate-provider']).toBe('anthropic-sonnet-46');
    expect(res.headers['x-modelgate-model']).toBe('claude-sonnet-4-6');
    expect(JSON.parse(res.body).choices[0].message.content).toContain('Istio Ambient Mesh');
    expect(sim.calls.at(-1)!.headers['x-api-key']).toBe(KEY);
    // One JSON line per request, with the Lambda request id, and never the key.
    const line = jsonLogs().find((l) => l.event === 'request' && l.requestId === 'lambda-req-1');
    expect(line).toMatchObject({ status: 200, provider: 'anthropic-sonnet-46', attempts: 'anthropic-opus-46:404,anthropic-sonnet-46:200' });
    expect(logs.join('')).not.toContain(KEY);
    // Metrics as CloudWatch EMF lines: requests and failovers per backend, attempts and evictions
    // per provider, tokens per model.
    const docs = stdout
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs).toContainEqual(expect.objectContaining({ Backend: 'agentgateway-system/anthropic', Requests: 1, Failovers: 1 }));
    expect(docs).toContainEqual(expect.objectContaining({ Provider: 'anthropic-opus-46', Attempts: 1, Evictions: 1 }));
    expect(docs).toContainEqual(expect.objectContaining({ Model: 'claude-sonnet-4-6', InputTokens: expect.any(Number), OutputTokens: expect.any(Number) }));
    expect(stdout.join('')).not.toContain(KEY);
  });

  it('writes the eviction to the table, where another instance respects it', async () => {
    const items = await db
      .client()
      .send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'evict#agentgateway-system/anthropic' } } }));
    const opus = items.Items?.find((i) => i.sk?.S === 'anthropic-opus-46');
    expect(Number(opus?.evictedUntil?.N)).toBeGreaterThan(Date.now());
    expect(Number(opus?.ttl?.N)).toBeGreaterThan(Date.now() / 1000);
    const other = await coldStart('b');
    const res = await invoke(other, functionUrlEvent('POST', '/v1/chat/completions', CHAT));
    expect(res.headers['x-modelgate-attempts']).toBe('anthropic-sonnet-46:200');
  });

  it('streams SSE chunk by chunk, with the served-by headers', async () => {
    const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT, stream: true }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-modelgate-provider']).toBe('anthropic-sonnet-46');
    // Streamed, not buffered: the events up to the first content, then the rest (the simulator
    // writes its events at once, and the events of one upstream read travel as one chunk).
    expect(res.chunks.length).toBeGreaterThanOrEqual(2);
    expect(res.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const text = res.body
      .split('\n\n')
      .filter((f) => f.startsWith('data: {'))
      .map((f) => JSON.parse(f.slice(6)).choices[0]?.delta?.content ?? '')
      .join('');
    expect(text).toContain('playing claude-sonnet-4-6');
  });

  it('decodes base64 bodies, and answers bad input with a 400 in the OpenAI shape without calling a provider', async () => {
    const before = sim.calls.length;
    const ok = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT, { base64: true }));
    expect(ok.statusCode).toBe(200);
    const bad = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', '{"messages": "nope"}'));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    const missing = await invoke(handler, functionUrlEvent('GET', '/v2/nothing'));
    expect(missing.statusCode).toBe(404);
    expect(sim.calls.length).toBe(before + 1);
  });

  it('reads the key from Secrets Manager once per cold start', () => {
    // Instances a and b: one read each, however many requests they served.
    expect(sm.calls).toEqual([SECRET_ARN, SECRET_ARN]);
  });

  it('picks up a changed Policy without a redeploy, and keeps the last good version of a broken item', async () => {
    const objects = tutorialObjects(sim.port);
    const policy = objects.find((o) => o.kind === 'AgentgatewayPolicy')!;
    // Every provider answers 418. Under the tutorial's condition that goes straight back to the
    // client; once the Policy says 418 is unhealthy, the same request fails over.
    sim.setFaults(() => ({ kind: 'status', status: 418 }));
    const before = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT));
    expect(before.headers['x-modelgate-attempts']!.split(',')).toHaveLength(1);
    const changed = JSON.parse(JSON.stringify(policy)) as typeof policy & { spec: { backend: { health: { unhealthyCondition: string } } } };
    changed.spec.backend.health.unhealthyCondition = 'response.code == 418';
    await putObjects([changed]);
    await new Promise((r) => setTimeout(r, 350));
    await invoke(handler, functionUrlEvent('GET', '/v1/models')); // a request past the interval starts the refresh
    await new Promise((r) => setTimeout(r, 200));
    expect(jsonLogs().some((l) => l.event === 'config_reload')).toBe(true);
    const after = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT));
    expect(after.statusCode).toBe(418);
    expect(after.headers['x-modelgate-attempts']!.split(',')).toHaveLength(2);
    sim.setFaults(() => undefined);

    // Now a broken item: invalid duration. It is skipped with an error, the last good one stays.
    const broken = JSON.parse(JSON.stringify(changed)) as typeof changed & { spec: { backend: { health: { eviction: { duration: string } } } } };
    broken.spec.backend.health.eviction.duration = 'ten seconds';
    await putObjects([broken]);
    await new Promise((r) => setTimeout(r, 350));
    await invoke(handler, functionUrlEvent('GET', '/v1/models'));
    await new Promise((r) => setTimeout(r, 200));
    const error = jsonLogs().find((l) => l.event === 'config_error' && String(l.message).includes('eviction.duration'));
    expect(error?.message).toMatch(/AgentgatewayPolicy failover-health: spec\.backend\.health\.eviction\.duration: should match .*keeping its last good version/);
    const res = await invoke(handler, functionUrlEvent('GET', '/v1/models'));
    expect(res.statusCode).toBe(200);
  });

  it('cuts upstream calls before the invocation runs out', async () => {
    sim.setFaults(() => ({ kind: 'hang' }));
    try {
      const started = Date.now();
      const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT, model: 'x' }), lambdaContext('deadline-req', 2_500));
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(res.statusCode).toBe(504);
      expect(JSON.parse(res.body).error.type).toBe('timeout_error');
    } finally {
      sim.setFaults(() => undefined);
    }
  });
});
