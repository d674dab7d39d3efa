/**
 * Upstreams that try to exhaust the gateway, through `modelgate serve`: a stream that pings
 * forever before any content, sixteen gigabyte answers at once, an error body without end, a 200
 * stream with nothing in it. Memory is measured on the gateway's process (RSS from /proc) and
 * upstream bytes on the hostile server, each against a bound far from both the healthy value and
 * the value before the fix — never a tight timing.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, stop, type Served } from '../support/cli.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, MESSAGES_BODY, post, rssOf } from '../support/adversarial.js';
import { openAIAnswer, startHostile, type Hostile, type HostileCall } from '../support/hostile-upstream.js';

const MB = 1024 * 1024;

/** Writes `chunk` again and again, with back-pressure, until the gateway hangs up. */
function endless(res: ServerResponse, chunk: string, first = ''): void {
  if (first) res.write(first);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('error', () => {});
  pump();
}

/** Behaviour by the key each provider sends: one hostile server plays every provider. */
function behave(call: HostileCall, res: ServerResponse): void {
  switch (call.key) {
    case 'key-pinger': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const start = {
        type: 'message_start',
        message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } },
      };
      endless(res, 'event: ping\ndata: {"type": "ping"}\n\n'.repeat(64), `event: message_start\ndata: ${JSON.stringify(start)}\n\n`);
      return;
    }
    case 'key-huge':
      res.writeHead(200, { 'content-type': 'application/json' });
      endless(res, 'a'.repeat(64 * 1024), '{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"');
      return;
    case 'key-huge-error':
      res.writeHead(500, { 'content-type': 'application/json' });
      endless(res, 'e'.repeat(64 * 1024), '{"error":{"message":"');
      return;
    case 'key-done-only':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: [DONE]\n\n');
      return;
    case 'key-anthropic-empty':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
      return;
    default:
      openAIAnswer(call, res, 'a real answer');
      return;
  }
}

let hostile: Hostile;
let served: Served;

beforeAll(async () => {
  hostile = await startHostile(behave);
  const p = hostile.port;
  const healthy = loopbackProvider('healthy', 'openai', p, 'key-healthy', { model: 'gpt-ok' });
  const text = adversarialManifests([
    { name: 'pings', groups: [[loopbackProvider('pinger', 'anthropic', p, 'key-pinger', { model: 'claude-x' })], [healthy]] },
    { name: 'huge', groups: [[loopbackProvider('huge', 'openai', p, 'key-huge', { model: 'gpt-huge' })]] },
    { name: 'hugeerror', groups: [[loopbackProvider('huge-error', 'openai', p, 'key-huge-error', { model: 'gpt-err' })]] },
    { name: 'empty', groups: [[loopbackProvider('done-only', 'openai', p, 'key-done-only', { model: 'gpt-empty' })], [healthy]] },
    { name: 'anthropicempty', groups: [[loopbackProvider('stop-only', 'anthropic', p, 'key-anthropic-empty', { model: 'claude-empty' })], [healthy]] },
  ]);
  served = await serve(['-f', manifestFile(text), '--port', '0']);
});

afterAll(async () => {
  await stop(served);
  await hostile?.close();
});

describe('hostile upstreams', () => {
  it('a stream of pings before any content is a failed attempt within 1 MB, and fails over; memory stays flat', async () => {
    const before = rssOf(served.child.pid!);
    const written = hostile.bytesWritten();
    for (const [path, body] of [
      ['/pings/v1/chat/completions', CHAT_BODY],
      ['/pings/v1/messages', MESSAGES_BODY],
    ] as const) {
      const res = await post(served.url + path, { ...body, stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-modelgate-attempts')).toBe('pinger:malformed,healthy:200');
      expect(res.text).toContain('a real answer');
    }
    // Before: +1 GB in 6 s from one request. The hold is 1 MB; loopback socket buffers add a few.
    expect(rssOf(served.child.pid!) - before).toBeLessThan(64 * MB);
    expect(hostile.bytesWritten() - written).toBeLessThan(2 * 16 * MB);
  });

  it('sixteen concurrent gigabyte answers: each cut at 32 MB, a process-wide budget past which the gateway says 503, and memory is reused', async () => {
    const pid = served.child.pid!;
    const before = rssOf(pid);
    const storm = async () => {
      let peak = rssOf(pid);
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
      const answers = await Promise.all(Array.from({ length: 16 }, () => post(`${served.url}/huge/v1/chat/completions`, CHAT_BODY)));
      clearInterval(sampler);
      return { answers, peak: Math.max(peak, rssOf(pid)) };
    };
    const first = await storm();
    const statuses = first.answers.map((a) => a.status);
    // Every answer was refused: cut at the per-request limit (502), or not read past the budget (503).
    expect(statuses.every((s) => s === 502 || s === 503)).toBe(true);
    expect(statuses).toContain(503);
    const overloaded = first.answers.find((a) => a.status === 503)!;
    expect(JSON.parse(overloaded.text)).toMatchObject({ error: { code: 'gateway_overloaded', type: 'server_error' } });
    // Before: 193 -> 653 MB (16 x 32 MB held at once). Now at most the 128 MB budget is held at
    // once; what is above it is garbage not yet collected.
    expect(first.peak - before).toBeLessThan(320 * MB);
    // Memory comes back to the process: a second storm is served from it, not from more.
    const second = await storm();
    expect(second.answers.every((a) => a.status === 502 || a.status === 503)).toBe(true);
    expect(second.peak - first.peak).toBeLessThan(64 * MB);
    // And the gateway still answers.
    const after = await post(`${served.url}/empty/v1/chat/completions`, CHAT_BODY);
    expect(after.status).toBe(200);
  });

  it('an error body without end is read to 64 KB, not 32 MB, and the status still goes back', async () => {
    const written = hostile.bytesWritten();
    const res = await post(`${served.url}/hugeerror/v1/chat/completions`, CHAT_BODY);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toHaveProperty('error');
    // Loopback socket buffers let a few MB through before the gateway hangs up; before, it read 32 MB.
    expect(hostile.bytesWritten() - written).toBeLessThan(16 * MB);
  });

  it('a 200 stream that is only [DONE] is a failed attempt, and the next provider answers', async () => {
    for (const stream of [true]) {
      const res = await post(`${served.url}/empty/v1/chat/completions`, { ...CHAT_BODY, stream });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-modelgate-attempts')).toBe('done-only:malformed,healthy:200');
      expect(res.text).toContain('a real answer');
    }
    const messages = await post(`${served.url}/empty/v1/messages`, { ...MESSAGES_BODY, stream: true });
    expect(messages.headers.get('x-modelgate-attempts')).toBe('done-only:malformed,healthy:200');
    expect(messages.text).toContain('a real answer');
  });

  it('an Anthropic stream that stops before any message is a failed attempt too', async () => {
    const res = await post(`${served.url}/anthropicempty/v1/chat/completions`, { ...CHAT_BODY, stream: true });
    expect(res.headers.get('x-modelgate-attempts')).toBe('stop-only:malformed,healthy:200');
    expect(res.text).toContain('a real answer');
  });
});
