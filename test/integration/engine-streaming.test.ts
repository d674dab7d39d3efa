/**
 * Streaming failover: the engine holds the client's bytes until the first content event, so
 * anything that goes wrong before it (an error status, an error event inside a 200, a broken or
 * silent connection) is a failed attempt that fails over; after it, the client's stream ends
 * with an explicit error event and never with `data: [DONE]`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../functions/simulator/faults.js';
import {
  BACKEND,
  closedPort,
  faultsByModel,
  HELLO,
  NAMESPACE,
  servedBy,
  sseData,
  startGateway,
  streamedText,
  type Gateway,
  type GatewayOptions,
  type GatewaySpec,
  type ProviderSpec,
} from '../support/harness.js';
import { answerText } from '../../functions/simulator/answer.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}

const STREAM = { ...HELLO, stream: true };
const status = (code: number, headers?: Record<string, string>): Fault => ({ kind: 'status', status: code, ...(headers && { headers }) });
const two = (kind: ProviderSpec['kind'], extra: Partial<GatewaySpec> = {}): GatewaySpec => ({ groups: [[{ name: 'a', kind }], [{ name: 'b', kind }]], ...extra });
const evictedUntil = (g: Gateway, name: string) => {
  const key = `${NAMESPACE}/${BACKEND}/${name}`;
  return g.store.readNow([key], g.clock.t).get(key)?.evictedUntil ?? 0;
};

/** A raw streamed request: status, headers and every byte. */
async function stream(g: Gateway, body: unknown = STREAM) {
  const from = g.sim.calls.length;
  const res = await g.chat(body);
  const text = await res.text();
  return { res, text, served: servedBy(res.headers), called: g.modelsCalled(from), data: sseData(text) };
}

/** The full answer the simulator streams for HELLO as `model`. */
const fullAnswer = (model: string) => answerText(model, HELLO.messages[0]!.content);

describe('a healthy stream', () => {
  it.each(['anthropic', 'openai'] as const)('%s: relayed with the served-by headers and a final [DONE]', async (kind) => {
    const g = await start({ config: two(kind) });
    const { res, text, served, data } = await stream(g);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(served).toEqual({ provider: 'a', model: 'model-a', attempts: 'a:200' });
    expect(streamedText(text)).toBe(fullAnswer('model-a'));
    expect(data.at(-1)).toBe('[DONE]');
    expect(text).not.toContain('"error"');
  });

  it('through the OpenAI SDK', async () => {
    const g = await start({ config: two('anthropic') });
    const { data: chunks, response } = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello there' }], stream: true }).withResponse();
    expect(servedBy(response.headers)).toEqual({ provider: 'a', model: 'model-a', attempts: 'a:200' });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of chunks) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(fullAnswer('model-a'));
    expect(finish).toBe('stop');
  });
});

describe('the request log line', () => {
  it.each(['anthropic', 'openai'] as const)('%s: one line when the stream is over, with its tokens and how it ended', async (kind) => {
    const g = await start({ config: two(kind), faults: faultsByModel({ 'model-a': status(500) }) });
    // OpenAI upstreams report usage only when asked: ask, as a client wanting token counts does.
    const { text } = await stream(g, { ...STREAM, stream_options: { include_usage: true } });
    expect(text).toContain('[DONE]');
    await new Promise((r) => setImmediate(r));
    const lines = g.logger.entries.filter((e) => e.event === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ status: 200, provider: 'b', model: 'model-b', attempts: 'a:500,b:200', streamEnd: 'done', backend: `${NAMESPACE}/${BACKEND}` });
    expect(lines[0]!.fields.inputTokens).toBeGreaterThan(0);
    expect(lines[0]!.fields.outputTokens).toBeGreaterThan(0);
    expect(lines[0]!.message).toMatch(/tokens=\d+\/\d+ \(streamed, done\)$/);
  });

  it('a stream that breaks after it started is logged as broken', async () => {
    const g = await start({ config: two('anthropic'), faults: faultsByModel({ 'model-a': { kind: 'stream-break', afterEvents: 4 } }) });
    await stream(g);
    await new Promise((r) => setTimeout(r, 20));
    const line = g.logger.entries.find((e) => e.event === 'request');
    expect(line?.fields.streamEnd).toBe('broken');
    expect(line?.level).toBe('warn');
  });
});

describe('failures before the first content event fail over, and the client sees only the answer', () => {
  const cases: Array<[string, ProviderSpec['kind'], Fault, string]> = [
    ['429', 'anthropic', status(429), '429'],
    ['500', 'anthropic', status(500), '500'],
    ['503', 'openai', status(503), '503'],
    ['529', 'anthropic', status(529), '529'],
    ['Anthropic overloaded_error inside a 200', 'anthropic', { kind: 'stream-error-before-content' }, '529'],
    ['Anthropic rate_limit_error inside a 200', 'anthropic', { kind: 'stream-error-before-content', errorType: 'rate_limit_error' }, '429'],
    ['an OpenAI error object inside a 200', 'openai', { kind: 'stream-error-before-content' }, '500'],
    ['Anthropic error event after message_start, before content', 'anthropic', { kind: 'stream-error-after-content', afterEvents: 3 }, '529'],
    ['OpenAI error object after the role chunk, before content', 'openai', { kind: 'stream-error-after-content', afterEvents: 1 }, '500'],
    ['Anthropic malformed SSE', 'anthropic', { kind: 'malformed-sse' }, 'reset'],
    ['OpenAI malformed SSE', 'openai', { kind: 'malformed-sse' }, 'reset'],
    ['a connection broken before content (Anthropic)', 'anthropic', { kind: 'stream-break', afterEvents: 2 }, 'reset'],
    ['a connection broken before content (OpenAI)', 'openai', { kind: 'stream-break', afterEvents: 1 }, 'reset'],
    ['a reset before the headers', 'anthropic', { kind: 'reset' }, 'reset'],
    ['a hang past the attempt timeout', 'anthropic', { kind: 'hang' }, 'timeout'],
    ['a stall before content past the attempt timeout', 'anthropic', { kind: 'stream-stall', afterEvents: 3 }, 'timeout'],
  ];
  it.each(cases)('%s', async (_label, kind, fault, trail) => {
    const g = await start({ config: two(kind, { routeTimeouts: { backendRequest: '300ms' } }), faults: faultsByModel({ 'model-a': fault }) });
    const { res, text, served, called, data } = await stream(g);
    expect(res.status).toBe(200);
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: `a:${trail},b:200` });
    expect(called).toEqual(['model-a', 'model-b']);
    // Nothing of the failed attempt reached the client: exactly b's answer, complete.
    expect(streamedText(text)).toBe(fullAnswer('model-b'));
    expect(text).not.toContain('model-a');
    expect(text).not.toContain('error');
    expect(data.at(-1)).toBe('[DONE]');
  });

  it('connection refused', async () => {
    const port = await closedPort();
    const g = await start({ config: { groups: [[{ name: 'a', port }], [{ name: 'b' }]] } });
    const { served, text } = await stream(g);
    expect(served.attempts).toBe('a:connect,b:200');
    expect(streamedText(text)).toBe(fullAnswer('model-b'));
  });

  it('404 made unhealthy by the tutorial condition fails over and evicts', async () => {
    const g = await start({
      config: two('anthropic', {
        backendPolicy: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429', eviction: { duration: '10s', consecutiveFailures: 1 } } },
      }),
      faults: faultsByModel({ 'model-a': status(404) }),
    });
    const t0 = g.clock.t;
    expect((await stream(g)).served.attempts).toBe('a:404,b:200');
    expect(evictedUntil(g, 'a')).toBe(t0 + 10_000);
    expect((await stream(g)).called).toEqual(['model-b']);
  });

  it('an in-stream overloaded_error is judged as a 529: unhealthy by default, so it evicts', async () => {
    const g = await start({
      config: two('anthropic', { backendPolicy: { health: { eviction: { duration: '3s' } } } }),
      faults: faultsByModel({ 'model-a': { kind: 'stream-error-before-content' } }),
    });
    const t0 = g.clock.t;
    expect((await stream(g)).served.attempts).toBe('a:529,b:200');
    expect(evictedUntil(g, 'a')).toBe(t0 + 3_000);
  });

  it('under the tutorial condition an in-stream 529 is retryable but healthy: fails over, no eviction', async () => {
    const g = await start({
      config: two('anthropic', { backendPolicy: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429', eviction: { duration: '10s' } } } }),
      faults: faultsByModel({ 'model-a': { kind: 'stream-error-before-content' } }),
    });
    expect((await stream(g)).served.attempts).toBe('a:529,b:200');
    expect(evictedUntil(g, 'a')).toBe(0);
  });

  it('a 400 before the stream is not retried and comes back as JSON', async () => {
    const g = await start({ config: two('anthropic'), faults: faultsByModel({ 'model-a': status(400) }) });
    const { res, text, served, called } = await stream(g);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(text)).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error' }) });
    expect(served.attempts).toBe('a:400');
    expect(called).toEqual(['model-a']);
  });

  it('every provider fails before content: a JSON error with the last status and the trail; the SDK throws it', async () => {
    const g = await start({
      config: two('anthropic'),
      faults: faultsByModel({ 'model-a': { kind: 'stream-error-before-content' }, 'model-b': status(503, { 'retry-after': '4' }) }),
    });
    const { res, text, served } = await stream(g);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('retry-after')).toBe('4');
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['error']);
    expect(served).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:529,b:503' });

    const error = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-modelgate-attempts')).toBe('a:529,b:503');
  });

  it('only in-stream errors: the client gets the error in JSON with the status it stands for', async () => {
    const g = await start({ config: two('anthropic'), faults: () => ({ kind: 'stream-error-before-content' }) });
    const { res, text, served } = await stream(g);
    expect(res.status).toBe(529);
    expect(JSON.parse(text)).toEqual({ error: expect.objectContaining({ message: 'Overloaded' }) });
    expect(served.attempts).toBe('a:529,b:529');
  });
});

describe('after the first content event there is no failover: the stream ends with an error event, never [DONE]', () => {
  const cases: Array<[string, ProviderSpec['kind'], Fault]> = [
    ['Anthropic error event after content', 'anthropic', { kind: 'stream-error-after-content', afterEvents: 5 }],
    ['OpenAI error object after content', 'openai', { kind: 'stream-error-after-content', afterEvents: 3 }],
    ['Anthropic connection broken after content', 'anthropic', { kind: 'stream-break', afterEvents: 5 }],
    ['OpenAI connection broken after content', 'openai', { kind: 'stream-break', afterEvents: 3 }],
    ['Anthropic stall after content', 'anthropic', { kind: 'stream-stall', afterEvents: 5 }],
    ['OpenAI stall after content', 'openai', { kind: 'stream-stall', afterEvents: 3 }],
  ];

  it.each(cases)('%s (raw bytes)', async (_label, kind, fault) => {
    const g = await start({ config: two(kind), faults: faultsByModel({ 'model-a': fault }), limits: { streamIdleMs: 250 } });
    const started = Date.now();
    const { res, served, called, data } = await stream(g);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(200);
    expect(served).toEqual({ provider: 'a', model: 'model-a', attempts: 'a:200' });
    expect(called).toEqual(['model-a']);
    // Some content went out first...
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).not.toBe('');
    // ...then one error event in the OpenAI shape, and nothing after it: no [DONE].
    const last = JSON.parse(data.at(-1)!) as { error?: { message: string; type: string; code: string } };
    expect(last.error).toEqual({ message: expect.any(String), type: expect.any(String), code: expect.any(String) });
    expect(data).not.toContain('[DONE]');
    expect(g.logger.entries.some((e) => e.event === 'stream_broken')).toBe(true);
  });

  it.each(cases)('%s (the OpenAI SDK throws)', async (_label, kind, fault) => {
    const g = await start({ config: two(kind), faults: faultsByModel({ 'model-a': fault }), limits: { streamIdleMs: 250 } });
    const { data: chunks, response } = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello there' }], stream: true }).withResponse();
    expect(servedBy(response.headers).attempts).toBe('a:200');
    let text = '';
    const consume = async () => {
      for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(text).not.toBe('');
    expect(text).not.toBe(fullAnswer('model-a'));
  });

  it('the stream error does not evict or count against the provider', async () => {
    const g = await start({
      config: two('anthropic', { backendPolicy: { health: { eviction: { duration: '5s' } } } }),
      faults: faultsByModel({ 'model-a': { kind: 'stream-break', afterEvents: 5 } }),
    });
    await stream(g);
    expect(evictedUntil(g, 'a')).toBe(0);
  });
});

describe('streams from a scripted upstream', () => {
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const START = event('message_start', { message: { id: 'msg_1', model: 'claude-x-20260101', usage: { input_tokens: 1, output_tokens: 1 } } });
  const delta = (text: string) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  const STOP = event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }) + event('message_stop', {});
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** One Anthropic-speaking upstream whose every answer is `script`. */
  async function scripted(script: (res: http.ServerResponse) => Promise<void>, extra: Partial<GatewaySpec> = {}) {
    const upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => void script(res).catch(() => res.destroy()));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const g = await start({ config: { groups: [[{ name: 'a', model: 'claude-x', port: (upstream.address() as AddressInfo).port }]], ...extra } });
    const close = g.close;
    g.close = async () => {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
      await close();
    };
    return g;
  }
  const head = (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

  it('x-modelgate-model is the model the upstream reported in message_start', async () => {
    const g = await scripted(async (res) => {
      head(res);
      res.end(START + delta('Hi') + STOP);
    });
    const { served, data } = await stream(g);
    expect(served).toEqual({ provider: 'a', model: 'claude-x-20260101', attempts: 'a:200' });
    expect(data.at(-1)).toBe('[DONE]');
  });

  it.each([
    ['an unknown field', 'x-proxy-note: hello\n\n'],
    ['an unreadable retry value', 'retry: soon\n\n'],
    ['a line without a colon', 'keepalive\n\n'],
  ])('%s between events is ignored, as SSE requires, before and after content', async (_label, odd) => {
    const g = await scripted(async (res) => {
      head(res);
      res.write(START + odd + delta('Hel'));
      await pause(20);
      res.write(odd);
      await pause(20);
      res.end(delta('lo') + odd + STOP);
    });
    const { text, data } = await stream(g);
    expect(streamedText(text)).toBe('Hello');
    expect(text).not.toContain('error');
    expect(data.at(-1)).toBe('[DONE]');
  });

  it('a slow stream outlives the attempt timeout once content flows', async () => {
    const g = await scripted(
      async (res) => {
        head(res);
        res.write(START + delta('a'));
        for (let i = 0; i < 4; i++) {
          await pause(120);
          res.write(delta('b'));
        }
        res.end(STOP);
      },
      { routeTimeouts: { backendRequest: '250ms' } },
    );
    const { text, data } = await stream(g);
    expect(streamedText(text)).toBe('abbbb');
    expect(data.at(-1)).toBe('[DONE]');
  });

  it('an upstream that closes cleanly before message_stop ends the client stream with an error event, no [DONE]', async () => {
    const g = await scripted(async (res) => {
      head(res);
      res.write(START + delta('partial'));
      await pause(20);
      res.end();
    });
    const { data } = await stream(g);
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toEqual({ error: expect.objectContaining({ code: 'upstream_stream_broken' }) });
  });

  it('the route request timeout cuts a flowing stream with an error event, no [DONE]', async () => {
    const g = await scripted(
      async (res) => {
        head(res);
        res.write(START + delta('a'));
        await pause(2_000);
        res.end(STOP);
      },
      { routeTimeouts: { request: '300ms' } },
    );
    const started = Date.now();
    const { data } = await stream(g);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toEqual({ error: expect.objectContaining({ code: 'upstream_stream_broken' }) });
  });
});

describe('a client that goes away mid-stream', () => {
  it('closes the upstream connection and finishes the engine’s stream (before the idle limit)', async () => {
    // A minimal Anthropic upstream: some content, then silence; it notes when its socket closes.
    let upstreamClosed = false;
    const upstream = http.createServer((req, res) => {
      req.resume();
      res.socket!.once('close', () => (upstreamClosed = true));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1,"output_tokens":1}}}\n\n');
      res.write('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const g = await start({ config: { groups: [[{ name: 'a', port: (upstream.address() as AddressInfo).port }]] }, limits: { streamIdleMs: 30_000 } });
      const controller = new AbortController();
      const res = await g.chat(STREAM, { signal: controller.signal });
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('Hello');
      expect(upstreamClosed).toBe(false);
      controller.abort();
      await reader.read().catch(() => undefined);
      await expect.poll(() => upstreamClosed, { timeout: 2_000 }).toBe(true);
      // ...and the engine's stream is finished (its end is recorded), not left suspended.
      await expect.poll(() => g.logger.entries.some((e) => e.event === 'stream_broken'), { timeout: 2_000 }).toBe(true);
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
