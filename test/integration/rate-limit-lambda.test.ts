/**
 * A rate limit through the real Lambda bundle (dist/handler.mjs), counted in the table: limit +
 * burst admitted, the rest refused with a 429 in the client API's shape and the `x-ratelimit-*`
 * headers, without calling the provider. (Two instances sharing one budget: rate-limits-dynamodb
 * and the `serve` end-to-end test.)
 */
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { captureHandlerOutput, functionUrlEvent, installAwsLambdaGlobal, invoke, useLambdaEnv, type StreamingHandler } from '../support/lambda-runtime.js';
import { rateLimitManifests } from '../support/rate-limits.js';

const TABLE = 'modelgate-rate-limit-lambda';
const HANDLER = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
const HOUR = 3_600_000;
const MESSAGE = { model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };
const CHAT = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
// Chat completions: a request limit; Messages: a token budget.
const LIMITS = `{ conditional: [{ condition: 'request.path == "/v1/messages"', policy: { local: [{ tokens: 20, unit: Hours }] } }, { policy: { local: [{ requests: 3, burst: 1, unit: Hours }] } }] }`;

let db: Dynalite;
let sim: Simulator;
let output: ReturnType<typeof captureHandlerOutput>;

beforeAll(async () => {
  db = await startDynalite([TABLE]);
  sim = await startSimulator();
  // No secret is read from Secrets Manager here (the provider key is inline): its endpoint is a closed port.
  useLambdaEnv(TABLE, { dynamodb: db.endpoint, secretsManager: 'http://127.0.0.1:9' });
  const client = db.client();
  for (const o of parseManifests([{ name: 'rl.yaml', text: rateLimitManifests(sim.port, LIMITS) }]).objects) {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o) }));
  }
  installAwsLambdaGlobal();
  output = captureHandlerOutput();
});

afterAll(async () => {
  output?.restore();
  await sim?.close();
  await db?.close();
});

describe('a rate limit through the Lambda handler', () => {
  it("refuses past limit + burst with a 429 in the API's shape and the x-ratelimit-* headers, counted in the table", async () => {
    const started = Date.now();
    const handler = ((await import(`${HANDLER}?instance=rate-limit`)) as { handler: StreamingHandler }).handler;
    const calls = sim.calls.length;
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT)));
    const admitted = responses.filter((r) => r.statusCode === 200);
    if (Math.floor(started / HOUR) === Math.floor(Date.now() / HOUR)) expect(admitted).toHaveLength(4);
    expect(admitted[0]!.headers['x-ratelimit-limit']).toBe('4');
    expect(admitted.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['3', '2', '1', '0'].slice(0, admitted.length));
    const refused = responses.find((r) => r.statusCode === 429)!;
    expect(JSON.parse(refused.body)).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(sim.calls.length - calls).toBe(admitted.length);
    // The counters are the table's (shared with every other instance), not this instance's memory.
    const { Items } = await db.client().send(new ScanCommand({ TableName: TABLE }));
    const item = Items!.find((i) => i.pk?.S?.startsWith('ratelimit#'))!;
    expect(Object.entries(item).find(([name]) => name.startsWith('n0_'))?.[1].N).toBe('4');
    expect(Number(item.ttl!.N) * 1000).toBeGreaterThan(Date.now());

    // A token budget spent by a streamed answer (charged before the stream ends), then refused in Anthropic's shape.
    const streamed = await invoke(handler, functionUrlEvent('POST', '/v1/messages', { ...MESSAGE, stream: true }));
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body).toContain('message_stop');
    const spent = await invoke(handler, functionUrlEvent('POST', '/v1/messages', MESSAGE));
    if (Math.floor(started / HOUR) !== Math.floor(Date.now() / HOUR)) return; // refilled meanwhile
    expect(spent.statusCode).toBe(429);
    expect(JSON.parse(spent.body)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(sim.calls.length - calls).toBe(admitted.length + 1);
  }, 30_000);
});
