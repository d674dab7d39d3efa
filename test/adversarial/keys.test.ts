/**
 * Keys never leave, through `modelgate serve`: upstreams that quote the key they were sent —
 * in an error body, in an answer, in an error event inside a 200 stream, in a header — for keys
 * that look like nothing in particular (Azure's hex, Gemini's `AIza…`, a vLLM token with `/+=`,
 * an OpenAI-compatible key without `sk-`). Buffered and streaming, on both client APIs; and the
 * gateway's own log never holds a key either.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, stop, type Served } from '../support/cli.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, MESSAGES_BODY, post } from '../support/adversarial.js';
import { geminiAnswer, openAIAnswer, quoting, startHostile, type Hostile, type HostileCall } from '../support/hostile-upstream.js';

const KEYS = {
  azure: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  gemini: 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  custom: 'vllm/tok+en=abc123456',
  openai: 'proj_live_7f3a9c2e1b5d',
} as const;
type Kind = keyof typeof KEYS;

type Mode = 'error' | 'answer' | 'midstream';
let mode: Mode = 'error';

function behave(call: HostileCall, res: ServerResponse): void {
  const said = quoting(call.key);
  const gemini = call.path.includes(':');
  if (mode === 'error') {
    // The key in the body and in a header the gateway passes on (Retry-After).
    res.writeHead(401, { 'content-type': 'application/json', 'retry-after': call.key ?? '' });
    res.end(JSON.stringify({ error: { code: 401, message: said, status: 'UNAUTHENTICATED', type: 'invalid_request_error' } }));
    return;
  }
  if (gemini) {
    geminiAnswer(call, res, said);
    return;
  }
  if (mode === 'answer' || !call.stream) {
    openAIAnswer(call, res, said);
    return;
  }
  // Content goes out, then an error event quoting the key: the client's stream ends with an
  // error event, and the gateway logs the break.
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial answer' }, finish_reason: null }] })}\n\n`,
  );
  res.end(`data: ${JSON.stringify({ error: { message: said, type: 'server_error' } })}\n\n`);
}

let hostile: Hostile;
let served: Served;

beforeAll(async () => {
  hostile = await startHostile(behave);
  const p = hostile.port;
  const text = adversarialManifests([
    { name: 'azure', groups: [[loopbackProvider('az', 'azureopenai', p, KEYS.azure, { endpoint: 'x.openai.azure.com', deploymentName: 'dep' })]] },
    { name: 'gemini', groups: [[loopbackProvider('gm', 'gemini', p, KEYS.gemini, { model: 'gemini-x' })]] },
    { name: 'custom', groups: [[loopbackProvider('vl', 'custom', p, KEYS.custom, { model: 'llama', formats: [{ type: 'Completions' }] })]] },
    { name: 'openai', groups: [[loopbackProvider('oa', 'openai', p, KEYS.openai, { model: 'gpt-x' })]] },
  ]);
  served = await serve(['-f', manifestFile(text), '--port', '0']);
});

afterAll(async () => {
  await stop(served);
  await hostile?.close();
});

/** No key of any provider, in any form it travels in. */
function expectNoKey(text: string): void {
  for (const key of Object.values(KEYS)) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(encodeURIComponent(key));
  }
}

async function ask(kind: Kind, api: 'chat' | 'messages', stream: boolean) {
  const path = api === 'chat' ? `/${kind}/v1/chat/completions` : `/${kind}/v1/messages`;
  const body = { ...(api === 'chat' ? CHAT_BODY : MESSAGES_BODY), stream };
  return post(served.url + path, body);
}

describe('upstream bytes that quote the provider key', () => {
  for (const kind of Object.keys(KEYS) as Kind[]) {
    for (const api of ['chat', 'messages'] as const) {
      for (const stream of [false, true]) {
        it(`${kind}, ${api}, ${stream ? 'streaming' : 'buffered'}: an error body and header quoting the key come back redacted`, async () => {
          mode = 'error';
          const from = hostile.calls.length;
          const res = await ask(kind, api, stream);
          // The upstream did receive the key and quoted it: the test would fail without redaction.
          expect(hostile.calls.at(-1)!.key).toBe(KEYS[kind]);
          expect(hostile.calls.length).toBe(from + 1);
          expect(res.status).toBe(401);
          expect(res.text).toContain('[redacted]');
          expectNoKey(res.text);
          expectNoKey(res.headers.get('retry-after') ?? '');
        });

        it(`${kind}, ${api}, ${stream ? 'streaming' : 'buffered'}: an answer quoting the key comes back redacted`, async () => {
          mode = 'answer';
          const res = await ask(kind, api, stream);
          expect(res.status).toBe(200);
          expect(res.text).toContain('[redacted]');
          expectNoKey(res.text);
        });
      }
    }
  }

  for (const kind of ['azure', 'custom', 'openai'] as const) {
    for (const api of ['chat', 'messages'] as const) {
      it(`${kind}, ${api}: an error event quoting the key after content went out is redacted in the stream and the log`, async () => {
        mode = 'midstream';
        const res = await ask(kind, api, true);
        expect(res.status).toBe(200);
        expect(res.text).toContain('partial answer');
        expect(res.text).toContain('[redacted]');
        expectNoKey(res.text);
      });
    }
  }

  it('the log never holds a key, though upstream words reached it', async () => {
    // The log's batched writes land within a turn or two.
    await new Promise((r) => setTimeout(r, 200));
    const log = served.logs.join('\n');
    expect(log).toMatch(/stream from .* broke after the answer started: .*\[redacted\]/);
    expectNoKey(log);
  });
});
