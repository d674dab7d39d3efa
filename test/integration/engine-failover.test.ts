/**
 * Buffered failover through the real Node server, the engine and the simulator: which upstream
 * failures fail over, which go back to the client as they are, which evict and for how long, and
 * the served-by headers on every answer. Eviction windows run on the engine's fake clock.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../functions/engine/engine.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { unknownFakeModels, type Fault } from '../../functions/simulator/faults.js';
import { startSimulator } from '../../functions/simulator/server.js';
import type { EvictionStore } from '../../functions/state/store.js';
import {
  BACKEND,
  closedPort,
  compileYaml,
  defaultKey,
  faultsByModel,
  gatewayYaml,
  HELLO,
  NAMESPACE,
  servedBy,
  startGateway,
  tutorialYaml,
  type Gateway,
  type GatewayOptions,
  type GatewaySpec,
} from '../support/harness.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}

const status = (code: number, headers?: Record<string, string>, message?: string): Fault => ({
  kind: 'status',
  status: code,
  ...(headers && { headers }),
  ...(message && { message }),
});
const always = (fault: Fault) => Array.from({ length: 50 }, () => fault);
const id = (name: string) => `${NAMESPACE}/${BACKEND}/${name}`;

/** Two groups of one Anthropic provider each: `a` first, `b` second. */
const TWO: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'b' }]] };
const withHealth = (health: Record<string, unknown>, spec: GatewaySpec = TWO): GatewaySpec => ({ ...spec, backendPolicy: { health } });

interface ErrorShape {
  error: { message: string; type: string; code: string | null };
}

/** The request, its answer and the simulator calls it caused. */
async function send(g: Gateway, body: unknown = HELLO) {
  const from = g.sim.calls.length;
  const res = await g.chat(body);
  const text = await res.text();
  return { res, text, json: JSON.parse(text) as Record<string, unknown>, served: servedBy(res.headers), called: g.modelsCalled(from) };
}

function expectOpenAIError(json: unknown): asserts json is ErrorShape {
  expect(Object.keys(json as object)).toEqual(['error']);
  const { error } = json as ErrorShape;
  expect(error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  expect('code' in error && (error.code === null || typeof error.code === 'string')).toBe(true);
}

const evictedUntil = (g: Gateway, name: string) => g.store.readNow([id(name)], g.clock.t).get(id(name))?.evictedUntil ?? 0;

describe('the tutorial: 404 on a wrong model name fails over and evicts', () => {
  it('answers from the second group, says so in the headers, and skips the first until the eviction ends', async () => {
    const g = await start({ config: tutorialYaml, faults: unknownFakeModels });
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'Write me a paragraph about Istio Ambient Mesh' }];

    const first = await client.chat.completions.create({ model: 'ignored', messages }).withResponse();
    expect(first.data.choices[0]!.message.content).toContain('claude-sonnet-4-6');
    expect(servedBy(first.response.headers)).toEqual({
      provider: 'anthropic-sonnet-46',
      model: 'claude-sonnet-4-6',
      attempts: 'anthropic-opus-46:404,anthropic-sonnet-46:200',
    });
    expect(g.modelsCalled()).toEqual(['claude-opus-4-6-FAKE', 'claude-sonnet-4-6']);
    // The Secret's key, with the Anthropic headers, on both calls.
    for (const call of g.sim.calls) {
      expect(call.headers['x-api-key']).toBe('sk-ant-replace-me');
      expect(call.headers['anthropic-version']).toBe('2023-06-01');
      expect(call.headers.authorization).toBeUndefined();
    }

    // Evicted for the policy's 10 s: the next requests go straight to the second group.
    g.clock.advance(9_999);
    const second = await client.chat.completions.create({ model: 'ignored', messages }).withResponse();
    expect(servedBy(second.response.headers).attempts).toBe('anthropic-sonnet-46:200');
    expect(g.modelsCalled(2)).toEqual(['claude-sonnet-4-6']);

    // The window is over: the first group is tried again, fails again, and is evicted twice as long.
    g.clock.advance(1);
    const third = await client.chat.completions.create({ model: 'ignored', messages }).withResponse();
    expect(servedBy(third.response.headers).attempts).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    const evictions = g.logger.entries.filter((e) => e.event === 'eviction').map((e) => e.fields.evictedForMs);
    expect(evictions).toEqual([10_000, 20_000]);
    g.clock.advance(19_999);
    const fourth = await client.chat.completions.create({ model: 'ignored', messages }).withResponse();
    expect(servedBy(fourth.response.headers).attempts).toBe('anthropic-sonnet-46:200');
  });
});

describe('client errors go back as they are', () => {
  it.each([400, 401, 403, 404, 413])('%i without a health condition: no failover, status kept, OpenAI shape', async (code) => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': status(code, undefined, `simulated ${code} from a`) }) });
    const { res, json, served, called } = await send(g);
    expect(res.status).toBe(code);
    expect(res.headers.get('content-type')).toBe('application/json');
    expectOpenAIError(json);
    expect(json.error.message).toBe(`simulated ${code} from a`);
    expect(served).toEqual({ provider: 'a', model: 'model-a', attempts: `a:${code}` });
    expect(called).toEqual(['model-a']);
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it('401 reaches the OpenAI SDK as an AuthenticationError with the served-by headers', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': status(401) }) });
    const error = await g.openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(401);
    expect(apiError.headers?.get('x-modelgate-attempts')).toBe('a:401');
    expect(apiError.headers?.get('x-modelgate-provider')).toBe('a');
    expect(g.sim.calls).toHaveLength(1);
  });

  it('404 made unhealthy by the condition fails over and evicts; without an eviction block it fails over only', async () => {
    const g = await start({ config: withHealth({ unhealthyCondition: 'response.code == 404' }), faults: faultsByModel({ 'model-a': always(status(404)) }) });
    const first = await send(g);
    expect(first.res.status).toBe(200);
    expect(first.served.attempts).toBe('a:404,b:200');
    // No eviction block and no Retry-After: nothing evicts, so `a` is tried first again.
    expect(evictedUntil(g, 'a')).toBe(0);
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
  });

  it('a condition that fails to evaluate counts as healthy', async () => {
    const g = await start({
      config: withHealth({ unhealthyCondition: 'response.headers["x-missing"] == "1"', eviction: { duration: '5s' } }),
      faults: faultsByModel({ 'model-a': status(404) }),
    });
    const { res, served, called } = await send(g);
    expect(res.status).toBe(404);
    expect(served.attempts).toBe('a:404');
    expect(called).toEqual(['model-a']);
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it('with a condition, the condition decides for answers: a 500 it does not name, outside the retry codes, goes back', async () => {
    const g = await start({
      config: { ...withHealth({ unhealthyCondition: 'response.code == 404', eviction: { duration: '5s' } }), traffic: { retry: { codes: [429] } } },
      faults: faultsByModel({ 'model-a': status(500) }),
    });
    const { res, served, called } = await send(g);
    expect(res.status).toBe(500);
    expect(served.attempts).toBe('a:500');
    expect(called).toEqual(['model-a']);
    expect(evictedUntil(g, 'a')).toBe(0);
  });
});

describe('429', () => {
  it('without Retry-After or health policy: fails over, evicts nothing', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': always(status(429)) }) });
    const first = await send(g);
    expect(first.res.status).toBe(200);
    expect(first.served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:429,b:200' });
    expect(evictedUntil(g, 'a')).toBe(0);
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
  });

  it('with Retry-After but no health policy: retryable, not unhealthy, so no eviction', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': always(status(429, { 'retry-after': '30' })) }) });
    expect((await send(g)).served.attempts).toBe('a:429,b:200');
    expect(evictedUntil(g, 'a')).toBe(0);
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
  });

  it('with an eviction block but no condition: still only retryable, so no eviction even with Retry-After', async () => {
    const g = await start({ config: withHealth({ eviction: { duration: '10s' } }), faults: faultsByModel({ 'model-a': always(status(429, { 'retry-after': '30' })) }) });
    expect((await send(g)).served.attempts).toBe('a:429,b:200');
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it('unhealthy by condition, no eviction block: evicted for exactly the Retry-After', async () => {
    const g = await start({
      config: withHealth({ unhealthyCondition: 'response.code == 429' }),
      faults: faultsByModel({ 'model-a': always(status(429, { 'retry-after': '30' })) }),
    });
    const t0 = g.clock.t;
    expect((await send(g)).served.attempts).toBe('a:429,b:200');
    expect(evictedUntil(g, 'a')).toBe(t0 + 30_000);
    g.clock.advance(29_999);
    expect((await send(g)).called).toEqual(['model-b']);
    g.clock.advance(1);
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
  });

  it('unhealthy by condition without Retry-After and no eviction block: fails over, no eviction', async () => {
    const g = await start({ config: withHealth({ unhealthyCondition: 'response.code == 429' }), faults: faultsByModel({ 'model-a': status(429) }) });
    expect((await send(g)).served.attempts).toBe('a:429,b:200');
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it.each([
    ['no Retry-After: the duration', {}, 10_000],
    ['a longer Retry-After wins', { 'retry-after': '30' }, 30_000],
    ['a shorter Retry-After loses', { 'retry-after': '2' }, 10_000],
    ['retry-after-ms', { 'retry-after-ms': '45000' }, 45_000],
  ])('with an eviction block, %s', async (_label, headers: Record<string, string>, ms) => {
    const g = await start({
      config: withHealth({ unhealthyCondition: 'response.code == 429', eviction: { duration: '10s' } }),
      faults: faultsByModel({ 'model-a': status(429, headers) }),
    });
    const t0 = g.clock.t;
    expect((await send(g)).served.attempts).toBe('a:429,b:200');
    expect(evictedUntil(g, 'a')).toBe(t0 + ms);
  });

  it('Retry-After as an HTTP date', async () => {
    const g = await start({ config: withHealth({ unhealthyCondition: 'response.code == 429' }), faults: faultsByModel({ 'model-a': [] }) });
    // Whole seconds, as HTTP dates are: 20 s ahead of the fake clock, rounded down to the second.
    const at = Math.floor(g.clock.t / 1000) * 1000 + 20_000;
    g.sim.setFaults(faultsByModel({ 'model-a': status(429, { 'retry-after': new Date(at).toUTCString() }) }));
    await send(g);
    expect(evictedUntil(g, 'a')).toBe(at);
  });

  it('when every provider answers 429, the client gets the last 429 and its Retry-After', async () => {
    const g = await start({ config: TWO, faults: () => status(429, { 'retry-after': '7' }, 'slow down') });
    const { res, json, served } = await send(g);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expectOpenAIError(json);
    expect(json.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'slow down' });
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:429,b:429' });
  });
});

describe('server errors and failures without an answer fail over', () => {
  it.each([500, 502, 503, 504, 529])('%i', async (code) => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': status(code) }) });
    const { res, json, served } = await send(g);
    expect(res.status).toBe(200);
    expect(json.object).toBe('chat.completion');
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: `a:${code},b:200` });
    // Unhealthy, but there is no eviction block and no Retry-After: nothing is evicted.
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it('503 with Retry-After and no health policy: evicted for the Retry-After', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': always(status(503, { 'retry-after': '5' })) }) });
    const t0 = g.clock.t;
    expect((await send(g)).served.attempts).toBe('a:503,b:200');
    expect(evictedUntil(g, 'a')).toBe(t0 + 5_000);
    expect((await send(g)).called).toEqual(['model-b']);
    g.clock.advance(5_000);
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
  });

  it('connection refused', async () => {
    const port = await closedPort();
    const g = await start({ config: { groups: [[{ name: 'a', port }], [{ name: 'b' }]], backendPolicy: { health: { eviction: { duration: '4s' } } } } });
    const t0 = g.clock.t;
    const { res, served, called } = await send(g);
    expect(res.status).toBe(200);
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:connect,b:200' });
    expect(called).toEqual(['model-b']);
    // No answer at all is unhealthy: with an eviction block, evicted.
    expect(evictedUntil(g, 'a')).toBe(t0 + 4_000);
  });

  it('connection refused is unhealthy even when the condition only names status codes', async () => {
    const port = await closedPort();
    const g = await start({
      config: { groups: [[{ name: 'a', port }], [{ name: 'b' }]], backendPolicy: { health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '4s' } } } },
    });
    expect((await send(g)).served.attempts).toBe('a:connect,b:200');
    expect(evictedUntil(g, 'a')).toBeGreaterThan(g.clock.t);
  });

  it('reset before any byte', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': { kind: 'reset' } }) });
    const { res, served } = await send(g);
    expect(res.status).toBe(200);
    expect(served.attempts).toBe('a:reset,b:200');
  });

  it('a hang past the provider’s http.requestTimeout', async () => {
    const g = await start({
      config: { groups: [[{ name: 'a', policies: { http: { requestTimeout: '300ms' } } }], [{ name: 'b' }]] },
      faults: faultsByModel({ 'model-a': { kind: 'hang' } }),
    });
    const started = Date.now();
    const { res, served } = await send(g);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(served.attempts).toBe('a:timeout,b:200');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('a hang past the backend policy’s http.requestTimeout', async () => {
    const g = await start({ config: { ...TWO, backendPolicy: { http: { requestTimeout: '300ms' } } }, faults: faultsByModel({ 'model-a': { kind: 'hang' } }) });
    const { res, served } = await send(g);
    expect(res.status).toBe(200);
    expect(served.attempts).toBe('a:timeout,b:200');
  });

  it('a hang past the route’s timeouts.backendRequest', async () => {
    const g = await start({ config: { ...TWO, routeTimeouts: { backendRequest: '300ms' } }, faults: faultsByModel({ 'model-a': { kind: 'hang' } }) });
    const { res, served } = await send(g);
    expect(res.status).toBe(200);
    expect(served.attempts).toBe('a:timeout,b:200');
  });

  it('a slow answer inside the timeout is an answer', async () => {
    const g = await start({ config: { ...TWO, routeTimeouts: { backendRequest: '2s' } }, faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 100 } }) });
    const { res, served } = await send(g);
    expect(res.status).toBe(200);
    expect(served.attempts).toBe('a:200');
  });

  it('only timeouts: 504 in the OpenAI shape with the trail', async () => {
    const g = await start({ config: { ...TWO, routeTimeouts: { backendRequest: '200ms' } }, faults: () => ({ kind: 'hang' }) });
    const { res, json, served } = await send(g);
    expect(res.status).toBe(504);
    expectOpenAIError(json);
    expect(json.error.type).toBe('timeout_error');
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:timeout,b:timeout' });
  });

  it('the route’s whole-request timeout ends the request with a 504', async () => {
    const g = await start({ config: { ...TWO, routeTimeouts: { request: '300ms', backendRequest: '200ms' } }, faults: () => ({ kind: 'hang' }) });
    const started = Date.now();
    const { res, json, served } = await send(g);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(504);
    expectOpenAIError(json);
    // b was cut by the request's own deadline: a timeout too, in the trail's words.
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:timeout,b:timeout' });
  });

  it('a 200 whose body is not JSON', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': { kind: 'malformed-json' } }) });
    const { res, json, served } = await send(g);
    expect(res.status).toBe(200);
    expect(json.object).toBe('chat.completion');
    expect(served.provider).toBe('b');
    expect(served.attempts).toMatch(/^a:[a-z0-9]+,b:200$/);
  });

  it('only malformed answers: 502 in the OpenAI shape', async () => {
    const g = await start({ config: TWO, faults: () => ({ kind: 'malformed-json' }) });
    const { res, json } = await send(g);
    expect(res.status).toBe(502);
    expectOpenAIError(json);
    expect(json.error.code).toBe('upstream_malformed_response');
  });

  it('every provider fails: the last answer, its status and Retry-After, in the OpenAI shape', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': status(500), 'model-b': status(503, { 'retry-after': '3' }) }) });
    const { res, json, served } = await send(g);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expectOpenAIError(json);
    expect(json.error.type).toBe('server_error');
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:500,b:503' });
  });

  it('connection refused everywhere: 502 upstream_unreachable', async () => {
    const port = await closedPort();
    const g = await start({ config: { groups: [[{ name: 'a', port }]] } });
    const { res, json, served } = await send(g);
    expect(res.status).toBe(502);
    expectOpenAIError(json);
    expect(json.error.code).toBe('upstream_unreachable');
    expect(served).toEqual({ provider: 'a', model: 'model-a', attempts: 'a:connect' });
  });
});

describe('retry policy', () => {
  it('codes replace the default list: a listed 404 fails over without evicting', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { codes: [404] } } }, faults: faultsByModel({ 'model-a': always(status(404)) }) });
    expect((await send(g)).served.attempts).toBe('a:404,b:200');
    expect(evictedUntil(g, 'a')).toBe(0);
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
  });

  it('codes replace the default list: an unlisted 429 goes back to the client', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { codes: [404] } } }, faults: faultsByModel({ 'model-a': status(429, { 'retry-after': '9' }) }) });
    const { res, served, called } = await send(g);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('9');
    expect(served.attempts).toBe('a:429');
    expect(called).toEqual(['model-a']);
  });

  it('codes do not stop an unhealthy answer from failing over (a 5xx with no condition)', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { codes: [404] } } }, faults: faultsByModel({ 'model-a': status(500) }) });
    expect((await send(g)).served.attempts).toBe('a:500,b:200');
  });

  it('codes do not stop connection failures from failing over', async () => {
    const port = await closedPort();
    const g = await start({ config: { groups: [[{ name: 'a', port }], [{ name: 'b' }]], traffic: { retry: { codes: [404] } } } });
    expect((await send(g)).served.attempts).toBe('a:connect,b:200');
  });

  it('attempts N allows N+1 attempts at most', async () => {
    const three: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'b' }], [{ name: 'c' }]], traffic: { retry: { attempts: 1 } } };
    const g = await start({ config: three, faults: () => status(500) });
    const { res, served, called } = await send(g);
    expect(res.status).toBe(500);
    expect(called).toEqual(['model-a', 'model-b']);
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:500,b:500' });
  });

  it('without a retry policy, every candidate is tried once', async () => {
    const g = await start({ config: { groups: [[{ name: 'a' }], [{ name: 'b' }], [{ name: 'c' }]] }, faults: () => status(500) });
    expect((await send(g)).called).toEqual(['model-a', 'model-b', 'model-c']);
  });

  it('more attempts than candidates: the candidates are tried again in order, never more than N+1 calls', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { attempts: 3 } } }, faults: () => status(500) });
    const { served, called } = await send(g);
    expect(called).toEqual(['model-a', 'model-b', 'model-a', 'model-b']);
    expect(served.attempts).toBe('a:500,b:500,a:500,b:500');
  });

  it('backoff waits between attempts', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { attempts: 1, backoff: '200ms' } } }, faults: faultsByModel({ 'model-a': status(500) }) });
    const started = Date.now();
    expect((await send(g)).served.attempts).toBe('a:500,b:200');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('the engine’s own bound caps a generous retry policy', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { attempts: 20 } } }, faults: () => status(500), limits: { maxAttempts: 3 } });
    expect((await send(g)).called).toEqual(['model-a', 'model-b', 'model-a']);
  });

  it('a 4xx outside the codes is not retried even with attempts left', async () => {
    const g = await start({ config: { ...TWO, traffic: { retry: { attempts: 5 } } }, faults: () => status(400) });
    expect((await send(g)).called).toEqual(['model-a']);
  });
});

describe('eviction through the engine', () => {
  it('consecutiveFailures: 2 evicts on the second failure in a row; a healthy answer resets the count', async () => {
    const g = await start({
      config: withHealth({ eviction: { duration: '5s', consecutiveFailures: 2 } }),
      faults: faultsByModel({ 'model-a': [status(500), undefined, status(500), status(500)] }),
    });
    expect((await send(g)).served.attempts).toBe('a:500,b:200');
    expect(evictedUntil(g, 'a')).toBe(0);
    expect((await send(g)).served.attempts).toBe('a:200'); // resets the count
    expect((await send(g)).served.attempts).toBe('a:500,b:200');
    expect(evictedUntil(g, 'a')).toBe(0); // one failure since the reset
    const t = g.clock.t;
    expect((await send(g)).served.attempts).toBe('a:500,b:200');
    expect(evictedUntil(g, 'a')).toBe(t + 5_000);
    expect((await send(g)).called).toEqual(['model-b']);
  });

  it('each eviction without a healthy answer in between lasts duration × (timesEvicted + 1)', async () => {
    const g = await start({ config: withHealth({ eviction: { duration: '1s' } }), faults: faultsByModel({ 'model-a': always(status(500)) }) });
    const windows: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = g.clock.t;
      expect((await send(g)).called).toEqual(['model-a', 'model-b']);
      windows.push(evictedUntil(g, 'a') - t);
      g.clock.advance(windows.at(-1)! - 1);
      expect((await send(g)).called).toEqual(['model-b']); // still evicted 1 ms before the end
      g.clock.advance(1);
    }
    expect(windows).toEqual([1_000, 2_000, 3_000]);
  });

  it('concurrent failures of one provider evict it once, for one window', async () => {
    const g = await start({ config: withHealth({ eviction: { duration: '5s' } }), faults: faultsByModel({ 'model-a': always(status(500)) }) });
    const t0 = g.clock.t;
    const results = await Promise.all(Array.from({ length: 8 }, () => send(g)));
    for (const r of results) expect(r.res.status).toBe(200);
    expect(g.logger.entries.filter((e) => e.event === 'eviction')).toHaveLength(1);
    expect(evictedUntil(g, 'a')).toBe(t0 + 5_000);
  });

  it('an empty eviction block evicts every unhealthy answer for the default 3 s', async () => {
    const g = await start({ config: withHealth({ eviction: {} }), faults: faultsByModel({ 'model-a': status(500) }) });
    await send(g);
    expect(evictedUntil(g, 'a')).toBe(g.clock.t + 3_000);
  });

  it('a healthy answer after an eviction resets the multiplier', async () => {
    const g = await start({ config: withHealth({ eviction: { duration: '1s' } }), faults: faultsByModel({ 'model-a': [status(500), status(500), undefined, status(500)] }) });
    await send(g);
    g.clock.advance(1_000);
    await send(g);
    expect(evictedUntil(g, 'a') - g.clock.t).toBe(2_000);
    g.clock.advance(2_000);
    expect((await send(g)).served.attempts).toBe('a:200');
    const t = g.clock.t;
    await send(g);
    expect(evictedUntil(g, 'a')).toBe(t + 1_000);
  });

  it('healthThreshold: evicts once this instance’s EWMA health is below it; restoreHealth resets it when the eviction ends', async () => {
    // Health before each failure: 1, 0.7, 0.49 -> the third failure evicts (0.49 < 0.5).
    const g = await start({
      config: withHealth({ eviction: { duration: '1s', healthThreshold: 50, restoreHealth: 100 } }),
      faults: faultsByModel({ 'model-a': always(status(500)) }),
    });
    await send(g);
    await send(g);
    expect(evictedUntil(g, 'a')).toBe(0);
    await send(g);
    expect(evictedUntil(g, 'a')).toBe(g.clock.t + 1_000);
    g.clock.advance(1_000);
    // Back with its health restored to 1: one more failure does not evict.
    expect((await send(g)).called).toEqual(['model-a', 'model-b']);
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it('healthThreshold without restoreHealth: a provider back from eviction is evicted again by its next failure', async () => {
    const g = await start({
      config: withHealth({ eviction: { duration: '1s', healthThreshold: 50 } }),
      faults: faultsByModel({ 'model-a': always(status(500)) }),
    });
    for (let i = 0; i < 3; i++) await send(g);
    g.clock.advance(1_000);
    const t = g.clock.t;
    await send(g);
    expect(evictedUntil(g, 'a')).toBe(t + 2_000);
  });

  it('the first group with a live provider goes first; later groups follow in list order', async () => {
    const spec: GatewaySpec = withHealth({ eviction: { duration: '10s' } }, { groups: [[{ name: 'a' }], [{ name: 'b' }], [{ name: 'c' }]] });
    const g = await start({ config: spec, faults: faultsByModel({ 'model-a': always(status(500)), 'model-b': [status(500)] }) });
    expect((await send(g)).served.attempts).toBe('a:500,b:500,c:200');
    // a and b evicted: c first.
    expect((await send(g)).served.attempts).toBe('c:200');
  });

  it('every provider evicted: the one whose eviction ends first is tried first, whatever its group', async () => {
    const spec: GatewaySpec = {
      groups: [[{ name: 'a', policies: { health: { eviction: { duration: '10s' } } } }], [{ name: 'b', policies: { health: { eviction: { duration: '2s' } } } }]],
    };
    const g = await start({ config: spec, faults: faultsByModel({ 'model-a': always(status(500)), 'model-b': [status(500)] }) });
    const t0 = g.clock.t;
    const first = await send(g);
    expect(first.res.status).toBe(500);
    expect(first.served.attempts).toBe('a:500,b:500');
    expect(evictedUntil(g, 'a')).toBe(t0 + 10_000);
    expect(evictedUntil(g, 'b')).toBe(t0 + 2_000);

    g.clock.advance(1_000);
    const second = await send(g);
    expect(second.res.status).toBe(200);
    expect(second.served.attempts).toBe('b:200');
    // A healthy answer from an evicted provider does not end its eviction early.
    expect(evictedUntil(g, 'b')).toBe(t0 + 2_000);
  });

  it('failures while evicted do not extend the eviction', async () => {
    const spec: GatewaySpec = {
      groups: [[{ name: 'a', policies: { health: { eviction: { duration: '10s' } } } }], [{ name: 'b', policies: { health: { eviction: { duration: '2s' } } } }]],
    };
    const g = await start({ config: spec, faults: () => status(500) });
    const t0 = g.clock.t;
    await send(g);
    g.clock.advance(1_000);
    const again = await send(g);
    expect(again.served.attempts).toBe('b:500,a:500');
    expect(evictedUntil(g, 'a')).toBe(t0 + 10_000);
    expect(evictedUntil(g, 'b')).toBe(t0 + 2_000);
    expect(g.logger.entries.filter((e) => e.event === 'eviction')).toHaveLength(2);
  });

  it('an evicted provider is still tried, last, when the live ones fail', async () => {
    const g = await start({
      config: withHealth({ eviction: { duration: '10s' } }),
      faults: faultsByModel({ 'model-a': [status(500), undefined], 'model-b': [undefined, status(500)] }),
    });
    expect((await send(g)).served.attempts).toBe('a:500,b:200');
    expect((await send(g)).served.attempts).toBe('b:500,a:200');
  });

  it('inside a group first: the other provider of the failing one’s group, then the next group', async () => {
    const spec: GatewaySpec = { groups: [[{ name: 'a1' }, { name: 'a2' }], [{ name: 'b' }]] };
    const g = await start({ config: spec, random: () => 0, faults: () => status(500) });
    expect((await send(g)).served.attempts).toBe('a1:500,a2:500,b:500');
  });

  it('power of two choices inside the first group: the random picks decide between equals', async () => {
    const spec: GatewaySpec = { groups: [[{ name: 'a' }, { name: 'b' }], [{ name: 'c' }]] };
    let next = 0;
    const picks = [0, 0, 0.9, 0.9];
    const g = await start({ config: spec, random: () => picks[next++ % picks.length]! });
    expect((await send(g)).served.provider).toBe('a');
    expect((await send(g)).served.provider).toBe('b');
  });
});

describe('a failing eviction store', () => {
  it("never fails a request: answers and failover go on, evictions live in the instance's memory, and the error is logged once per interval", async () => {
    const sim = await startSimulator({ faults: faultsByModel({ 'model-a': always(status(500)) }) });
    const down = () => Promise.reject(new Error('store unreachable'));
    // recordSuccess throws synchronously: a healthy answer must not turn into a 500 because of it.
    const store: EvictionStore = {
      read: down,
      recordFailure: down,
      recordSuccess: () => {
        throw new Error('store unreachable');
      },
    };
    const logger = new MemoryLogger();
    const engine = new Engine({ config: compileYaml(gatewayYaml(withHealth({ eviction: { duration: '10s' } }), sim.port)), store, logger });
    const server = createGatewayServer((req) => engine.handle(req));
    const { port } = await listen(server, 0, '127.0.0.1');
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(HELLO), signal: AbortSignal.timeout(5_000) });
        expect(res.status).toBe(200);
        // The first request evicts a in this instance's memory; the next ones skip it.
        expect(servedBy(res.headers).attempts).toBe(i === 0 ? 'a:500,b:200' : 'b:200');
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(logger.entries.filter((e) => e.event === 'store_unavailable')).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
    }
  });
});

describe('headers, credentials and models', () => {
  it('Anthropic gets x-api-key and anthropic-version; OpenAI gets a bearer token; the client’s own key goes nowhere', async () => {
    const spec: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'o', kind: 'openai' }], [{ name: 'n', kind: 'openai', key: null }]] };
    const g = await start({ config: spec, faults: faultsByModel({ 'model-a': status(500), 'model-o': status(500) }) });
    const res = await g.chat(HELLO, { headers: { 'content-type': 'application/json', authorization: 'Bearer client-secret', 'x-api-key': 'client-key' } });
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('a:500,o:500,n:200');
    const [anthropic, openai, keyless] = g.sim.calls;
    expect(anthropic!.api).toBe('anthropic');
    expect(anthropic!.headers['x-api-key']).toBe(defaultKey('a'));
    expect(anthropic!.headers['anthropic-version']).toBe('2023-06-01');
    expect(anthropic!.headers.authorization).toBeUndefined();
    expect(openai!.api).toBe('openai');
    expect(openai!.headers.authorization).toBe(`Bearer ${defaultKey('o')}`);
    expect(openai!.headers['x-api-key']).toBeUndefined();
    expect(keyless!.headers.authorization).toBeUndefined();
    expect(keyless!.headers['x-api-key']).toBeUndefined();
  });

  it('a pinned model replaces the client’s; an unpinned provider sends the client’s', async () => {
    const spec: GatewaySpec = { groups: [[{ name: 'a', model: 'claude-pinned' }], [{ name: 'o', kind: 'openai', model: null }]] };
    const g = await start({ config: spec, faults: faultsByModel({ 'claude-pinned': [undefined, status(500)] }) });
    const pinned = await g.openai.chat.completions.create({ model: 'gpt-client', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(g.sim.calls[0]!.model).toBe('claude-pinned');
    expect(pinned.data.model).toBe('claude-pinned');
    expect(servedBy(pinned.response.headers)).toEqual({ provider: 'a', model: 'claude-pinned', attempts: 'a:200' });

    const unpinned = await g.openai.chat.completions.create({ model: 'gpt-client', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(g.modelsCalled(1)).toEqual(['claude-pinned', 'gpt-client']);
    expect(servedBy(unpinned.response.headers)).toEqual({ provider: 'o', model: 'gpt-client', attempts: 'a:500,o:200' });
  });

  it('x-modelgate-model is the model the upstream reported, not the one configured', async () => {
    // A minimal Anthropic upstream that answers with a dated model name.
    const upstream = http.createServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-x-20260101',
            content: [{ type: 'text', text: 'hi' }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: 1, output_tokens: 1 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const g = await start({ config: { groups: [[{ name: 'a', model: 'claude-x', port: (upstream.address() as AddressInfo).port }]] } });
      const { res, served } = await send(g);
      expect(res.status).toBe(200);
      expect(served).toEqual({ provider: 'a', model: 'claude-x-20260101', attempts: 'a:200' });
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });

  it('a model name no header can carry is percent-encoded in x-modelgate-model, and the server stays up', async () => {
    const port = await closedPort();
    const spec: GatewaySpec = { groups: [[{ name: 'down', kind: 'openai', model: null, port }], [{ name: 'o', kind: 'openai', model: null }]] };
    const g = await start({ config: spec, faults: faultsByModel({ 'gpt-模型-fail': status(500) }) });
    // Echoed by the upstream (o answers with the model it was sent).
    const ok = await send(g, { ...HELLO, model: 'gpt-模型' });
    expect(ok.res.status).toBe(200);
    expect(ok.served).toEqual({ provider: 'o', model: 'gpt-%E6%A8%A1%E5%9E%8B', attempts: 'down:connect,o:200' });
    expect(g.sim.calls.at(-1)!.model).toBe('gpt-模型');
    // Taken from the client's request when no upstream named one (every attempt failed).
    const failed = await send(g, { ...HELLO, model: 'gpt-模型-fail' });
    expect(failed.res.status).toBe(500);
    expect(failed.served.model).toBe('gpt-%E6%A8%A1%E5%9E%8B-fail');
    // No header injection (or forged log line) through the model name: a control character is a 400.
    const calls = g.sim.calls.length;
    const injected = await send(g, { ...HELLO, model: 'm\r\nx-injected: 1' });
    expect(injected.res.status).toBe(400);
    expect(injected.res.headers.get('x-injected')).toBeNull();
    expect(injected.json).toMatchObject({ error: { param: 'model', code: 'invalid_value' } });
    expect(g.sim.calls.length).toBe(calls);
    // Still serving.
    expect((await send(g)).res.status).toBe(200);
  });

  it('no model anywhere: 400 naming `model`, and no upstream call', async () => {
    const g = await start({ config: { groups: [[{ name: 'a', model: null }]] } });
    const { res, json } = await send(g, { messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    expectOpenAIError(json);
    expect(g.sim.calls).toHaveLength(0);
  });

  it('upstream error bodies keep their status, take the OpenAI shape, and never echo a key', async () => {
    const spec: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'o', kind: 'openai' }]] };
    const leaky = (name: string) => `Invalid API key: ${defaultKey(name)} (header x-api-key: ${defaultKey(name)}; authorization: Bearer ${defaultKey(name)})`;
    const g = await start({ config: spec, faults: faultsByModel({ 'model-a': [status(401, undefined, leaky('a'))], 'model-o': [status(403, undefined, leaky('o'))] }) });
    const anthropic = await send(g);
    expect(anthropic.res.status).toBe(401);
    expectOpenAIError(anthropic.json);
    expect(anthropic.json.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect(anthropic.text).not.toContain(defaultKey('a'));
    expect(anthropic.text).not.toContain('0123456789');

    // Now `a` answers; make the OpenAI provider the one that leaks.
    g.sim.setFaults(faultsByModel({ 'model-a': status(500), 'model-o': status(403, undefined, leaky('o')) }));
    const openai = await send(g);
    expect(openai.res.status).toBe(403);
    expect(openai.served.attempts).toBe('a:500,o:403');
    expectOpenAIError(openai.json);
    expect(openai.text).not.toContain(defaultKey('o'));
    expect(openai.text).not.toContain('0123456789');
  });

  it('GET /v1/models lists the pinned models of the route', async () => {
    const spec: GatewaySpec = {
      groups: [
        [
          { name: 'a', model: 'claude-one' },
          { name: 'b', model: 'claude-two' },
        ],
        [
          { name: 'o', kind: 'openai', model: 'gpt-three' },
          { name: 'n', kind: 'openai', model: null },
        ],
      ],
    };
    const g = await start({ config: spec });
    const list = await g.openai.models.list();
    expect(list.data.map((m) => [m.id, m.owned_by])).toEqual([
      ['claude-one', 'anthropic'],
      ['claude-two', 'anthropic'],
      ['gpt-three', 'openai'],
    ]);
    expect(g.sim.calls).toHaveLength(0);
  });
});
