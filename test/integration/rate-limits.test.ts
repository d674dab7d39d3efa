/**
 * `traffic.rateLimit` through the engine and the Node server, with the official SDKs (no retries):
 * a request limit with burst refuses with a 429 in each client API's shape, with `retry-after` and
 * `x-ratelimit-*`, and never calls the provider; a token budget is spent by a streamed answer;
 * limits count per verified client key; conditional limits pick the first policy whose condition
 * holds. The clock is the test's, so a refill happens only when the test says so.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { Engine } from '../../functions/engine/engine.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { compileConfig } from '../../functions/model/compile.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { FakeClock } from '../support/harness.js';
import { CLIENT_KEYS, rateLimitManifests } from '../support/rate-limits.js';

const CHAT = { model: 'x', messages: [{ role: 'user' as const, content: 'hi' }] };
const MESSAGE = { model: 'x', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hi' }] };
const HOUR = 3_600_000;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
});

/** A gateway serving `rateLimit` (and client keys when asked) on a clock set to the start of an hour. */
async function gateway(rateLimit: string, keys?: 'Strict' | 'Permissive', moreTraffic?: string) {
  const config = compileConfig(parseManifests([{ name: 'rl.yaml', text: rateLimitManifests(sim.port, rateLimit, keys, moreTraffic) }]).objects);
  const clock = new FakeClock(Math.floor(Date.now() / HOUR) * HOUR + 1_000);
  const logger = new MemoryLogger();
  const engine = new Engine({ config, logger, now: clock.now });
  const server: Server = createGatewayServer((req) => engine.handle(req));
  const url = `http://127.0.0.1:${(await listen(server, 0, '127.0.0.1')).port}`;
  return {
    url,
    clock,
    logger,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('a request limit with burst', () => {
  it("admits limit + burst, then refuses with a 429 in each API's shape, never calling the provider", async () => {
    const gw = await gateway('{ local: [{ requests: 2, burst: 1, unit: Hours }] }');
    try {
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { response } = await openai.chat.completions.create(CHAT).withResponse();
        expect(response.headers.get('x-ratelimit-limit')).toBe('3');
        expect(Number(response.headers.get('x-ratelimit-reset'))).toBe(3599);
        remaining.push(response.headers.get('x-ratelimit-remaining')!);
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const calls = sim.calls.length;

      // OpenAI's shape on chat completions.
      const refused = await openai.chat.completions.create(CHAT).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
      expect(error.status).toBe(429);
      expect(error.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.stringContaining('2 requests per hour (burst 1)') });
      expect(error.headers?.get('retry-after')).toBe('3599');
      expect(error.headers?.get('x-ratelimit-limit')).toBe('3');
      expect(error.headers?.get('x-ratelimit-remaining')).toBe('0');
      expect(error.headers?.get('x-ratelimit-reset')).toBe('3599');

      // Anthropic's shape on /v1/messages (the same route, so the same bucket).
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
      const refusedMessage = await anthropic.messages.create(MESSAGE).catch((e: unknown) => e);
      expect(refusedMessage).toBeInstanceOf(Anthropic.RateLimitError);
      expect((refusedMessage as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect((refusedMessage as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('3599');
      // A refused stream is refused before it starts.
      expect((await post(gw.url, '/v1/chat/completions', { ...CHAT, stream: true })).status).toBe(429);
      expect(sim.calls.length).toBe(calls);

      // The next refill brings back `requests` (not the burst): two more, then refused again.
      gw.clock.advance(HOUR);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(gw.url, '/v1/chat/completions', CHAT)).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await gw.close();
    }
  });

  it('counts every limit of the policy and reports the most constrained one', async () => {
    const gw = await gateway('{ local: [{ requests: 100, unit: Hours }, { requests: 2, unit: Minutes }] }');
    try {
      const first = await post(gw.url, '/v1/chat/completions', CHAT);
      expect([first.headers.get('x-ratelimit-limit'), first.headers.get('x-ratelimit-remaining')]).toEqual(['2', '1']);
      expect((await post(gw.url, '/v1/chat/completions', CHAT)).status).toBe(200);
      const refused = await post(gw.url, '/v1/chat/completions', CHAT);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('59');
      gw.clock.advance(60_000);
      const again = await post(gw.url, '/v1/chat/completions', CHAT);
      expect(again.status).toBe(200);
      expect(again.headers.get('x-ratelimit-remaining')).toBe('1');
    } finally {
      await gw.close();
    }
  });
});

describe('a token budget', () => {
  it('is spent by a streamed answer (input + output, charged when the stream ends), then refuses', async () => {
    const gw = await gateway('{ local: [{ tokens: 20, unit: Hours }] }');
    try {
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const stream = await openai.chat.completions.create({ ...CHAT, stream: true, stream_options: { include_usage: true } });
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      expect(usage!.total_tokens).toBeGreaterThan(20);
      const calls = sim.calls.length;
      const refused = await post(gw.url, '/v1/messages', MESSAGE);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('tokens are spent') } });
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(sim.calls.length).toBe(calls);
      // A refill of 20 tokens opens it again.
      gw.clock.advance(HOUR);
      const next = await post(gw.url, '/v1/chat/completions', CHAT);
      expect(next.status).toBe(200);
      expect(next.headers.get('x-ratelimit-remaining')).toBe('20');
    } finally {
      await gw.close();
    }
  });

  it('is charged a buffered answer too, and an answer smaller than the budget leaves the rest', async () => {
    const gw = await gateway('{ local: [{ tokens: 100000, unit: Hours }] }');
    try {
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const completion = await openai.chat.completions.create(CHAT);
      const used = completion.usage!.prompt_tokens + completion.usage!.completion_tokens;
      const next = await post(gw.url, '/v1/chat/completions', CHAT);
      expect(next.headers.get('x-ratelimit-remaining')).toBe(String(100_000 - used));
    } finally {
      await gw.close();
    }
  });
});

describe('whose bucket', () => {
  it('counts per verified client key; a key that is not one of them does not get its own bucket', async () => {
    const gw = await gateway('{ local: [{ requests: 1, unit: Hours }] }', 'Permissive');
    try {
      const as = (key: string) => post(gw.url, '/v1/chat/completions', CHAT, { authorization: `Bearer ${key}` });
      expect((await as(CLIENT_KEYS.alice)).status).toBe(200);
      expect((await as(CLIENT_KEYS.alice)).status).toBe(429);
      // Bob's budget is his own.
      expect((await as(CLIENT_KEYS.bob)).status).toBe(200);
      // Unverified keys (Permissive lets them in) share one bucket: making keys up buys nothing.
      expect((await as('made-up-1')).status).toBe(200);
      expect((await as('made-up-2')).status).toBe(429);
      expect((await post(gw.url, '/v1/chat/completions', CHAT)).status).toBe(429);
      expect(JSON.stringify(gw.logger.entries)).not.toContain(CLIENT_KEYS.alice);
    } finally {
      await gw.close();
    }
  });

  it('refuses an unauthenticated request with a 401 without spending the budget', async () => {
    const gw = await gateway('{ local: [{ requests: 1, unit: Hours }] }', 'Strict');
    try {
      expect((await post(gw.url, '/v1/chat/completions', CHAT, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await post(gw.url, '/v1/chat/completions', CHAT, { authorization: `Bearer ${CLIENT_KEYS.alice}` })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('per JWT subject', () => {
  it('counts each verified subject in its own bucket', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
    const token = (sub: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://issuer.test').setSubject(sub).setExpirationTime('1h').sign(privateKey);
    const gw = await gateway(
      '{ local: [{ requests: 1, unit: Hours }] }',
      undefined,
      `jwtAuthentication: { providers: [{ issuer: "https://issuer.test", jwks: { inline: '${jwks}' } }] }`,
    );
    try {
      const as = async (sub: string) => (await post(gw.url, '/v1/chat/completions', CHAT, { authorization: `Bearer ${await token(sub)}` })).status;
      expect(await as('alice')).toBe(200);
      expect(await as('alice')).toBe(429);
      expect(await as('bob')).toBe(200);
      expect(await as('bob')).toBe(429);
    } finally {
      await gw.close();
    }
  });
});

describe('conditional limits', () => {
  it('apply the first policy whose condition holds, else the fallback', async () => {
    const gw = await gateway(`
      conditional:
        - condition: 'request.headers["x-tier"] == "free"'
          policy: { local: [{ requests: 1, unit: Hours }] }
        - policy: { local: [{ requests: 3, unit: Hours }] }`);
    try {
      const free = { 'x-tier': 'free' };
      expect((await post(gw.url, '/v1/chat/completions', CHAT, free)).status).toBe(200);
      expect((await post(gw.url, '/v1/chat/completions', CHAT, free)).status).toBe(429);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(gw.url, '/v1/chat/completions', CHAT)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await gw.close();
    }
  });

  it('without a fallback, a request no condition matches is not limited', async () => {
    const gw = await gateway(`{ conditional: [{ condition: 'request.path == "/v1/messages"', policy: { local: [{ requests: 1, unit: Hours }] } }] }`);
    try {
      for (let i = 0; i < 3; i++) expect((await post(gw.url, '/v1/chat/completions', CHAT)).status).toBe(200);
      expect((await post(gw.url, '/v1/messages', MESSAGE)).status).toBe(200);
      expect((await post(gw.url, '/v1/messages', MESSAGE)).status).toBe(429);
    } finally {
      await gw.close();
    }
  });
});
