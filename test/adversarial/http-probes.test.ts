/**
 * The probes that already held when the gateway was attacked, kept holding: request smuggling
 * (Content-Length with Transfer-Encoding, two Content-Lengths), pipelining, a declared body over
 * the limit, and client keys — checked before any upstream call and never echoed. Raw TCP against
 * `modelgate serve`, so nothing between the probe and the server tidies the bytes up.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, stop, type Served } from '../support/cli.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, post, type Obj } from '../support/adversarial.js';
import { openAIAnswer, startHostile, type Hostile } from '../support/hostile-upstream.js';

const CLIENT_KEY = 'client-key-probe-0123456789';

let hostile: Hostile;
let served: Served;

beforeAll(async () => {
  hostile = await startHostile((call, res) => openAIAnswer(call, res, 'ok'));
  const keys: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client-keys', namespace: 'adv' }, stringData: { team: CLIENT_KEY } };
  const text = adversarialManifests(
    [
      { name: 'v1', groups: [[loopbackProvider('p', 'openai', hostile.port, 'key-p-0123', { model: 'gpt' })]], matches: [{ path: { type: 'PathPrefix', value: '/v1' } }] },
      {
        name: 'locked',
        groups: [[loopbackProvider('l', 'openai', hostile.port, 'key-l-0123', { model: 'gpt' })]],
        traffic: { apiKeyAuthentication: { mode: 'Strict', secretRef: { name: 'client-keys' } } },
      },
      {
        name: 'cookie',
        groups: [[loopbackProvider('c', 'openai', hostile.port, 'key-c-0123', { model: 'gpt' })]],
        traffic: { apiKeyAuthentication: { mode: 'Strict', secretRef: { name: 'client-keys' }, location: { cookie: { name: 'mg' } } } },
      },
    ],
    [keys],
  );
  served = await serve(['-f', manifestFile(text), '--port', '0']);
});

afterAll(async () => {
  await stop(served);
  await hostile?.close();
});

/** Writes raw bytes, collects everything the server sends until it closes or goes quiet. */
function exchange(raw: string, quietMs = 1_000): Promise<string> {
  const { port, hostname } = new URL(served.url);
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed client may have its pipelined answers dropped.
    const socket = net.connect(Number(port), hostname, () => socket.write(raw));
    let out = '';
    let timer = setTimeout(() => socket.destroy(), quietMs);
    socket.on('data', (c: Buffer) => {
      out += c.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', reject);
  });
}

const body = JSON.stringify(CHAT_BODY);
const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

describe('HTTP probes', () => {
  it('Content-Length with Transfer-Encoding: refused, and the smuggled request is never served', async () => {
    const smuggled = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const calls = hostile.calls.length;
    const out = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`);
    expect(statusLines(out)[0]).toBe('HTTP/1.1 400');
    expect(statusLines(out)).toHaveLength(1);
    expect(hostile.calls.length).toBe(calls);
  });

  it('two different Content-Lengths: refused', async () => {
    const calls = hostile.calls.length;
    const out = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    expect(statusLines(out)).toEqual(['HTTP/1.1 400']);
    expect(hostile.calls.length).toBe(calls);
  });

  it('pipelined requests are answered in order, each once', async () => {
    const one = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const calls = hostile.calls.length;
    const out = await exchange(`${one + one}GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusLines(out)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(hostile.calls.length).toBe(calls + 2);
  });

  it('a declared body over the limit is a 413 before the body is read', async () => {
    const out = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${7 * 1024 * 1024}\r\n\r\n{"model":`);
    expect(statusLines(out)).toEqual(['HTTP/1.1 413']);
    expect(out).toContain('request_too_large');
  });

  it('client keys: missing or wrong is a 401 before any upstream call, and a presented key is never echoed', async () => {
    const calls = hostile.calls.length;
    const missing = await post(`${served.url}/locked/v1/chat/completions`, CHAT_BODY);
    expect(missing.status).toBe(401);
    const wrong = await post(`${served.url}/locked/v1/chat/completions`, CHAT_BODY, { authorization: 'Bearer wrong-key-presented-987654' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('wrong-key-presented-987654');
    expect(hostile.calls.length).toBe(calls);
    const right = await post(`${served.url}/locked/v1/chat/completions`, CHAT_BODY, { authorization: `Bearer ${CLIENT_KEY}` });
    expect(right.status).toBe(200);
    // The client's key is not forwarded upstream either: the provider gets its own.
    expect(hostile.calls.at(-1)!.key).toBe('key-l-0123');
  });

  it('a client key in a cookie: right 200, wrong 401, undecodable 401 (not a 500)', async () => {
    const url = `${served.url}/cookie/v1/chat/completions`;
    expect((await post(url, CHAT_BODY, { cookie: `other=1; mg=${CLIENT_KEY}` })).status).toBe(200);
    expect((await post(url, CHAT_BODY, { cookie: 'mg=not-the-key' })).status).toBe(401);
    expect((await post(url, CHAT_BODY, { cookie: 'mg=%E0%A4%A' })).status).toBe(401);
  });
});
