/**
 * A buffered answer in the client's own API is sent on as the provider wrote it (no second
 * serialization), and still redacted; an answer that is translated, or that an adapter completes
 * (embeddings without usage), is rebuilt.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../functions/engine/engine.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { compileYaml, singleProviderYaml, closeServer } from '../support/harness.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// With a slash: JSON encoders that escape slashes write it as `\/`.
const KEY = 'sk-pass/through-secret-1234';

async function serveText(text: string): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => closeServer(server));
  return (server.address() as AddressInfo).port;
}

async function gateway(upstreamPort: number): Promise<string> {
  const engine = new Engine({ config: compileYaml(singleProviderYaml('openai: { model: m }', upstreamPort, `{ auth: { key: ${KEY} } }`)) });
  const server = createGatewayServer((req, afterAnswer) => engine.handle(req, afterAnswer));
  const { port } = await listen(server, 0, '127.0.0.1');
  closers.push(() => closeServer(server));
  return `http://127.0.0.1:${port}`;
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('buffered answers', () => {
  // Pretty-printed, keys in the provider's order, and the key quoted back: what a re-serialization would change.
  const completion = `{
  "id": "chatcmpl-1",
  "object": "chat.completion",
  "created": 1,
  "model": "m",
  "choices": [{ "index": 0, "message": { "role": "assistant", "content": "you sent ${KEY}" }, "finish_reason": "stop" }],
  "usage": { "prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7 }
}`;

  it('in the client API: the provider text as written, with the key redacted', async () => {
    const url = await gateway(await serveText(completion));
    const res = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(completion.replace(KEY, '[redacted]'));
  });

  it('in the client API, with the provider escaping slashes: the key is still redacted', async () => {
    const url = await gateway(await serveText(completion.replace(KEY, KEY.replaceAll('/', '\\/'))));
    const res = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] });
    const text = await res.text();
    expect(text).toContain('you sent [redacted]');
    expect(text).not.toContain('through-secret');
  });

  it('translated for another API: rebuilt', async () => {
    const url = await gateway(await serveText(completion));
    const res = await post(`${url}/v1/messages`, { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { type: string; content: Array<{ text: string }> };
    expect(body.type).toBe('message');
    expect(body.content[0]!.text).toBe('you sent [redacted]');
  });

  it('completed by the adapter (embeddings without usage): rebuilt with it', async () => {
    const url = await gateway(await serveText('{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5]}],"model":"m"}'));
    const res = await post(`${url}/v1/embeddings`, { input: 'hi' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: [{ embedding: [0.5] }], usage: { prompt_tokens: 0, total_tokens: 0 } });
  });
});
