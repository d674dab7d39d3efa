/**
 * The real Lambda bundle (dist/handler.mjs) given events a function URL would not send, or would
 * send in a way modelgate used to misread: cookies moved out of `headers` (payload format 2.0),
 * a null or non-object event, fields of the wrong type, a body that claims base64 but is not.
 * Each is answered (400, or 413 for a body over the limit) in the client API's error shape and
 * logged, never thrown out of the handler; the handler keeps serving afterwards.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { MAX_REQUEST_BODY } from '../../functions/engine/engine.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem, SECRET_ARN_ANNOTATION } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { functionUrlEvent, installAwsLambdaGlobal, invoke, lambdaContext, type StreamingHandler } from '../support/lambda-runtime.js';

const TABLE = 'modelgate-bad-events';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cookie-keys-AbCdEf';
const TEAM_KEY = 'mg-cookie-key-0123456789abcdefghij';
const PROVIDER_KEY = 'sk-ant-api03-provider-key-for-bad-events';

/** One backend on the simulator, behind client keys read from a cookie named `mg-key`. */
function manifests(simPort: number): string {
  return `apiVersion: v1
kind: Secret
metadata: { name: client-keys, namespace: ev, annotations: { "${SECRET_ARN_ANNOTATION}": "${ARN}" } }
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: llm, namespace: ev }
spec:
  ai:
    provider: { anthropic: { model: claude-sonnet-4-6 }, host: 127.0.0.1, port: ${simPort} }
  policies: { auth: { key: ${PROVIDER_KEY} } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: v1, namespace: ev }
spec:
  rules: [{ matches: [{ path: { type: PathPrefix, value: /v1 } }], backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }] }]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: client-keys, namespace: ev }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: v1 }]
  traffic:
    apiKeyAuthentication:
      location: { cookie: { name: mg-key } }
      secretRef: { name: client-keys }`;
}

const CHAT = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
const MESSAGES = { model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };

let db: Dynalite;
let sm: FakeSecretsManager;
let sim: Simulator;
let handler: StreamingHandler;
const logs: string[] = [];
const writeStderr = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  sim = await startSimulator({ faults: () => undefined });
  db = await startDynalite([TABLE]);
  sm = await startFakeSecretsManager({ [ARN]: JSON.stringify({ team: TEAM_KEY }) });
  Object.assign(process.env, {
    MODELGATE_TABLE: TABLE,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
  });
  const client = db.client();
  for (const o of parseManifests([{ name: 'events.yaml', text: manifests(sim.port) }]).objects) {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o) }));
  }
  installAwsLambdaGlobal();
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return (writeStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  const href = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
  handler = ((await import(`${href}?bad-events`)) as { handler: StreamingHandler }).handler;
});

afterAll(async () => {
  process.stderr.write = writeStderr;
  await sim?.close();
  await sm?.close();
  await db?.close();
});

beforeEach(() => {
  sim.calls.length = 0;
});

const jsonLogs = () =>
  logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const requestLine = (id: string) => jsonLogs().filter((l) => l.event === 'request' && l.requestId === id);

/** A function URL POST with the client key in `cookies`, where payload format 2.0 puts it. */
function withCookies(event: ReturnType<typeof functionUrlEvent>, cookies: unknown): Record<string, unknown> {
  return { ...event, cookies };
}

describe('cookies of a function URL event', () => {
  it('a client key in a cookie is accepted; a wrong or missing one gets a 401', async () => {
    const ok = await invoke(handler, withCookies(functionUrlEvent('POST', '/v1/chat/completions', CHAT), ['theme=dark', `mg-key=${TEAM_KEY}`, 'session=abc']));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body).choices[0].message.content).toContain('claude-sonnet-4-6');
    // The client's cookie goes nowhere: the provider got the provider key.
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.headers['x-api-key']).toBe(PROVIDER_KEY);
    expect(sim.calls[0]!.headers.cookie).toBeUndefined();

    const wrong = await invoke(handler, withCookies(functionUrlEvent('POST', '/v1/chat/completions', CHAT), ['mg-key=not-the-key']));
    expect(wrong.statusCode).toBe(401);
    expect(JSON.parse(wrong.body).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    const missing = await invoke(handler, withCookies(functionUrlEvent('POST', '/v1/chat/completions', CHAT), ['theme=dark']));
    expect(missing.statusCode).toBe(401);
    // A cookie that arrived in `headers` anyway (another event source) still counts, with `cookies` added to it.
    const both = await invoke(handler, withCookies(functionUrlEvent('POST', '/v1/messages', MESSAGES, { headers: { cookie: 'theme=dark' } }), [`mg-key=${TEAM_KEY}`]));
    expect(both.statusCode).toBe(200);
    expect(sim.calls).toHaveLength(2);
    expect(JSON.stringify(jsonLogs())).not.toContain(TEAM_KEY);
  });
});

describe('events the handler cannot take', () => {
  const openAi400 = (body: string) =>
    expect(JSON.parse(body)).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', code: 'invalid_event', message: expect.any(String) }) });

  it.each([
    ['a null event', null],
    ['a string event', 'string'],
    ['a number event', 42],
    ['an array event', [functionUrlEvent('POST', '/v1/chat/completions', CHAT)]],
  ])('%s: 400, logged, not thrown', async (_label, event) => {
    const id = `bad-${Math.random().toString(36).slice(2)}`;
    const res = await invoke(handler, event, lambdaContext(id));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    openAi400(res.body);
    expect(requestLine(id)).toEqual([
      expect.objectContaining({
        level: 'info',
        status: 400,
        method: null,
        path: '/',
        route: null,
        backend: null,
        provider: null,
        model: null,
        attempts: null,
        inputTokens: null,
        outputTokens: null,
        streamEnd: null,
      }),
    ]);
  });

  const chat = () => functionUrlEvent('POST', '/v1/chat/completions', CHAT);
  it.each([
    ['a number body', { ...chat(), body: 42 }, /body is not a string/],
    ['an object body', { ...chat(), body: { messages: [] } }, /body is not a string/],
    ['headers that are not an object', { ...chat(), headers: 'content-type: application/json' }, /headers is not an object/],
    ['a header value that is not a string', { ...chat(), headers: { 'content-type': 'application/json', 'x-count': 5 } }, /header "x-count" is not a string/],
    ['cookies that are not a list of strings', { ...chat(), cookies: 'mg-key=x' }, /cookies is not a list of strings/],
    ['a rawPath that is not a string', { ...chat(), rawPath: ['/v1/chat/completions'] }, /rawPath is not a string/],
    ['isBase64Encoded that is not a boolean', { ...chat(), isBase64Encoded: 'yes' }, /isBase64Encoded is not a boolean/],
    ['a body marked base64 that is not base64', { ...chat(), body: '{"messages": [{"role": "user", "content": "hi"}]}', isBase64Encoded: true }, /not valid base64/],
  ])('%s: 400 in the OpenAI shape, logged, no upstream call', async (_label, event, reason) => {
    const id = `bad-${Math.random().toString(36).slice(2)}`;
    const res = await invoke(handler, event, lambdaContext(id));
    expect(res.statusCode).toBe(400);
    openAi400(res.body);
    expect(JSON.parse(res.body).error.message).toMatch(reason);
    expect(requestLine(id)).toEqual([expect.objectContaining({ status: 400, method: 'POST', requestId: id, provider: null })]);
    expect(sim.calls).toHaveLength(0);
  });

  it('base64 a lenient decoder would still read (characters outside the alphabet) is refused, not guessed at', async () => {
    const good = Buffer.from(JSON.stringify(CHAT)).toString('base64');
    // Buffer.from(…, 'base64') skips the `*`s and decodes the request intact: strictness is the adapter's.
    const bad = `${good.slice(0, 8)}****${good.slice(8)}`;
    expect(Buffer.from(bad, 'base64').toString()).toBe(JSON.stringify(CHAT));
    const res = await invoke(handler, { ...withCookies(functionUrlEvent('POST', '/v1/chat/completions'), [`mg-key=${TEAM_KEY}`]), body: bad, isBase64Encoded: true });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.message).toMatch(/not valid base64/);
    expect(sim.calls).toHaveLength(0);
  });

  it("an event on /v1/messages is answered in Anthropic's shape", async () => {
    const res = await invoke(handler, { ...functionUrlEvent('POST', '/v1/messages', MESSAGES), body: 7 });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/body is not a string/) } });
  });

  it('a base64 body over the limit: 413, refused from its length before it is decoded', async () => {
    const id = `big-${Math.random().toString(36).slice(2)}`;
    const body = Buffer.alloc(MAX_REQUEST_BODY + 3, 'x').toString('base64');
    const res = await invoke(handler, { ...functionUrlEvent('POST', '/v1/chat/completions', undefined), body, isBase64Encoded: true }, lambdaContext(id));
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
    expect(requestLine(id)).toEqual([expect.objectContaining({ status: 413, method: 'POST', path: '/v1/chat/completions' })]);
    expect(sim.calls).toHaveLength(0);
  });

  it('keeps serving good requests afterwards', async () => {
    const res = await invoke(handler, withCookies(functionUrlEvent('POST', '/v1/chat/completions', CHAT, { base64: true }), [`mg-key=${TEAM_KEY}`]));
    expect(res.statusCode).toBe(200);
    expect(sim.calls).toHaveLength(1);
  });
});
