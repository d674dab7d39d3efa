/**
 * Hostile client input through `modelgate serve` (text logs, as an operator reads them): paths
 * that route one way raw and another way normalised, model names that forge log lines or are a
 * megabyte long, an upstream that names its model with a newline, bodies nested without end.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, stop, type Served } from '../support/cli.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, MESSAGES_BODY, post, rawRequest } from '../support/adversarial.js';
import { startHostile, type Hostile, type HostileCall } from '../support/hostile-upstream.js';

/** Answers with the provider's name (its key) as content; `key-evil` names its model with a newline. */
function behave(call: HostileCall, res: ServerResponse): void {
  const model = call.key === 'key-evil' ? 'evil\nFORGED ERROR admin logged in' : 'm';
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: `answer from ${call.key?.replace('key-', 'provider ')}` }, finish_reason: 'stop' }],
    }),
  );
}

let hostile: Hostile;
let served: Served;

beforeAll(async () => {
  hostile = await startHostile(behave);
  const p = hostile.port;
  const text = adversarialManifests([
    { name: 'v1', groups: [[loopbackProvider('main', 'openai', p, 'key-main', { model: 'gpt-main' })]], matches: [{ path: { type: 'PathPrefix', value: '/v1' } }] },
    { name: 'fake', groups: [[loopbackProvider('fake', 'openai', p, 'key-fake', { model: 'gpt-fake' })]] },
    { name: 'evil', groups: [[loopbackProvider('evil', 'openai', p, 'key-evil', { model: 'gpt-evil' })]] },
    { name: 'claude', groups: [[loopbackProvider('claude', 'anthropic', p, 'key-claude', { model: 'claude-x' })]] },
  ]);
  served = await serve(['-f', manifestFile(text), '--port', '0']);
});

afterAll(async () => {
  await stop(served);
  await hostile?.close();
});

const logLines = async () => {
  await new Promise((r) => setTimeout(r, 100)); // the server's log is written in batches
  return served.logs;
};

describe('paths are normalised before routing', () => {
  const cases: Array<[target: string, provider: string]> = [
    ['/fake/../v1/chat/completions', 'main'],
    ['/v1/%2e%2e/fake/v1/chat/completions', 'fake'],
    ['/v1/%2E%2E/fake/v1/chat/completions', 'fake'],
    ['/v1/./chat/completions', 'main'],
    ['//v1///chat/completions', 'main'],
    ['/v1/chat/%63ompletions', 'main'],
    ['/fake/v1/../../v1/chat/completions', 'main'],
  ];
  for (const [target, provider] of cases) {
    it(`${target} is served by ${provider}`, async () => {
      const res = await rawRequest(served.url, target, CHAT_BODY);
      expect(res.status).toBe(200);
      expect(res.headers['x-modelgate-provider']).toBe(provider);
      expect(JSON.parse(res.text).choices[0].message.content).toBe(`answer from provider ${provider}`);
    });
  }

  for (const target of ['/v1%2Fchat/completions', '/v1/chat%2fcompletions', '/v1/%5Cchat/completions', '/v1\\chat\\completions', '/v1/chat/completions%zz']) {
    it(`${target} is a 400 in the client's error shape, with no upstream call`, async () => {
      const calls = hostile.calls.length;
      const res = await rawRequest(served.url, target, CHAT_BODY);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'invalid_path', type: 'invalid_request_error' } });
      expect(hostile.calls.length).toBe(calls);
    });
  }

  it("an encoded slash on the Messages endpoint is a 400 in Anthropic's shape", async () => {
    const res = await rawRequest(served.url, '/v1/%2F/messages', MESSAGES_BODY);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('model names and log lines', () => {
  it('a model with CR/LF is a 400 naming `model`, and forges no log line', async () => {
    const calls = hostile.calls.length;
    const res = await post(`${served.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'gpt\r\n12:00:00.000 ERROR forged line' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: { param: 'model' } });
    const messages = await post(`${served.url}/v1/messages`, { ...MESSAGES_BODY, model: 'claude\nforged' });
    expect(messages.status).toBe(400);
    expect(JSON.parse(messages.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(hostile.calls.length).toBe(calls);
    expect((await logLines()).some((l) => l.includes('forged line') && !l.includes('INFO') && !l.includes('WARN'))).toBe(false);
  });

  it('a 1 MB model is a 400 that reflects none of it, and the log line stays short', async () => {
    const model = 'm'.repeat(1024 * 1024);
    const res = await post(`${served.url}/v1/chat/completions`, { ...CHAT_BODY, model });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(1024);
    expect(res.headers.get('x-modelgate-model')).toBeNull();
    expect(Math.max(...(await logLines()).map((l) => l.length))).toBeLessThan(8 * 1024);
  });

  it('an upstream model name with a newline is percent-encoded in the header and escaped in the log', async () => {
    const res = await post(`${served.url}/evil/v1/chat/completions`, CHAT_BODY);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-modelgate-model')).toBe('evil%0AFORGED ERROR admin logged in');
    const lines = await logLines();
    expect(lines.some((l) => l.startsWith('FORGED'))).toBe(false);
    expect(lines.some((l) => l.includes('(evil\\nFORGED ERROR admin logged in)'))).toBe(true);
  });

  it('a body nested 100,000 deep is a 400, not a stack overflow', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await post(`${served.url}/v1/chat/completions`, `{"model":"x","messages":[{"role":"user","content":"hi"}],"tools":${deep}}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toMatch(/deeper than 128 levels/);
  });

  it('tool-call arguments nested 20,000 deep inside their JSON string are a 400, not a 500, on a translating provider', async () => {
    const args = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const calls = hostile.calls.length;
    const res = await post(`${served.url}/claude/v1/chat/completions`, {
      ...CHAT_BODY,
      messages: [
        { role: 'user', content: 'call it' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'done' },
      ],
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toMatch(/arguments nests arrays and objects deeper than 128 levels/);
    expect(hostile.calls.length).toBe(calls);
  });
});
