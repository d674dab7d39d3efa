/**
 * Client mistakes are answered at the edge: a 4xx in the OpenAI error shape, and no upstream call.
 */
import http from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import type { GatewayResponse } from '../../functions/engine/types.js';
import { startGateway, type Gateway } from '../support/harness.js';

let g: Gateway;
beforeAll(async () => {
  g = await startGateway({ config: { groups: [[{ name: 'a' }], [{ name: 'o', kind: 'openai' }]] } });
});
afterAll(async () => g.close());
beforeEach(() => {
  g.sim.calls.length = 0;
});

interface ErrorShape {
  error: { message: string; type: string; code: string | null; param?: string };
}

async function expectClientError(res: Response, status: number, code?: string): Promise<ErrorShape> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as ErrorShape;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ message: expect.any(String), type: 'invalid_request_error' });
  expect('code' in body.error).toBe(true);
  if (code !== undefined) expect(body.error.code).toBe(code);
  expect(g.sim.calls).toHaveLength(0);
  return body;
}

const user = [{ role: 'user', content: 'hi' }];

describe('bad chat bodies: 400, no upstream call', () => {
  it.each([
    ['malformed JSON', '{"messages": [', 'invalid_json', undefined],
    ['an empty body', '', 'invalid_json', undefined],
    ['a JSON array', '[]', 'invalid_json', undefined],
    ['a JSON string', '"hello"', 'invalid_json', undefined],
    ['JSON null', 'null', 'invalid_json', undefined],
    ['missing messages', JSON.stringify({ model: 'm' }), 'missing_required_parameter', 'messages'],
    ['messages: null', JSON.stringify({ messages: null }), 'invalid_type', 'messages'],
    ['messages not an array', JSON.stringify({ messages: 'hi' }), 'invalid_type', 'messages'],
    ['empty messages', JSON.stringify({ messages: [] }), 'empty_array', 'messages'],
    ['a message that is not an object', JSON.stringify({ messages: ['hi'] }), 'invalid_type', 'messages[0]'],
    ['an unknown role', JSON.stringify({ messages: [{ role: 'wizard', content: 'hi' }] }), 'invalid_value', 'messages[0].role'],
    ['content of the wrong type', JSON.stringify({ messages: [{ role: 'user', content: 42 }] }), 'invalid_type', 'messages[0].content'],
    ['a user message without content', JSON.stringify({ messages: [{ role: 'user' }] }), 'invalid_type', 'messages[0].content'],
    ['a tool message without tool_call_id', JSON.stringify({ messages: [{ role: 'tool', content: 'x' }] }), 'missing_required_parameter', 'messages[0].tool_call_id'],
    ['model of the wrong type', JSON.stringify({ model: 7, messages: user }), 'invalid_type', 'model'],
    ['stream of the wrong type', JSON.stringify({ stream: 'yes', messages: user }), 'invalid_type', 'stream'],
    ['temperature of the wrong type', JSON.stringify({ temperature: 'hot', messages: user }), 'invalid_type', 'temperature'],
    ['max_tokens not a positive integer', JSON.stringify({ max_tokens: -1, messages: user }), 'invalid_value', 'max_tokens'],
    ['stop of the wrong type', JSON.stringify({ stop: 5, messages: user }), 'invalid_type', 'stop'],
    ['tools not an array', JSON.stringify({ tools: {}, messages: user }), 'invalid_type', 'tools'],
    ['a tool without a function name', JSON.stringify({ tools: [{ type: 'function', function: {} }], messages: user }), 'invalid_value', 'tools[0]'],
  ])('%s', async (_label, body, code, param) => {
    const res = await g.chat(body);
    const error = await expectClientError(res, 400, code);
    if (param !== undefined) expect(error.error.param).toBe(param);
  });

  it('the OpenAI SDK raises BadRequestError for an empty message list', async () => {
    const error = await g.openai.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect(g.sim.calls).toHaveLength(0);
  });

  it('the same checks apply to streaming requests', async () => {
    await expectClientError(await g.chat({ stream: true, messages: [] }), 400, 'empty_array');
  });
});

describe('size, paths and methods', () => {
  it('a body over 6 MB: 413', async () => {
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(6 * 1024 * 1024) }] });
    // Raw node:http: the server answers before reading everything, and fetch would report the
    // early close rather than the answer.
    const { status, headers, body } = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        `${g.url}/v1/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(big);
    });
    expect(status).toBe(413);
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(body)).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', code: 'request_too_large' }) });
    expect(g.sim.calls).toHaveLength(0);
  });

  it('a body over 6 MB without a content-length (chunked): 413', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      const write = (n: number) => {
        if (n === 0) return req.end();
        if (!req.write(chunk)) req.once('drain', () => write(n - 1));
        else setImmediate(() => write(n - 1));
      };
      write(7);
    });
    expect(status).toBe(413);
    expect(g.sim.calls).toHaveLength(0);
  });

  it('an unknown endpoint under the route: 404', async () => {
    await expectClientError(await fetch(`${g.url}/v1/rerank`, { method: 'POST', body: '{}' }), 404, 'unknown_endpoint');
  });

  it('a path no route matches: 404', async () => {
    await expectClientError(await fetch(`${g.url}/other/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: user }) }), 404, 'route_not_found');
    await expectClientError(await fetch(`${g.url}/v10/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: user }) }), 404, 'route_not_found');
  });

  it.each([
    ['GET', '/v1/chat/completions', 'POST'],
    ['PUT', '/v1/chat/completions', 'POST'],
    ['DELETE', '/v1/chat/completions', 'POST'],
    ['POST', '/v1/models', 'GET'],
  ])('%s %s: 405 with allow: %s', async (method, path, allow) => {
    const res = await fetch(`${g.url}${path}`, { method, ...(method !== 'GET' && { body: JSON.stringify({ messages: user }) }) });
    expect(res.headers.get('allow')).toBe(allow);
    await expectClientError(res, 405, 'method_not_allowed');
  });

  it('a query string does not change the endpoint', async () => {
    const res = await fetch(`${g.url}/v1/models?limit=5`);
    expect(res.status).toBe(200);
  });
});

describe('the Node adapter never leaves a client hanging', () => {
  async function serveWith(handler: () => Promise<GatewayResponse>) {
    const server = createGatewayServer(handler);
    const { port } = await listen(server, 0, '127.0.0.1');
    return {
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      close: () => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it.each<[string, () => Promise<GatewayResponse>]>([
    ['a header value Node refuses', async () => ({ status: 200, headers: { 'x-bad': 'line\nbreak' }, body: '{}' })],
    ['a handler that throws', async () => Promise.reject(new Error('boom'))],
  ])('%s: a 500 in the OpenAI shape', async (_label, handler) => {
    const s = await serveWith(handler);
    try {
      const res = await fetch(s.url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'server_error', code: 'internal_error' } });
    } finally {
      await s.close();
    }
  });

  it('a stream that throws after its first bytes: the connection is cut, not left open', async () => {
    const s = await serveWith(async () => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield 'data: {"partial":true}\n\n';
        throw new Error('boom');
      })(),
    }));
    try {
      const res = await fetch(s.url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      // Not a clean end a client could take for a complete answer: the body read fails.
      await expect(res.text()).rejects.toThrow(/terminated/);
    } finally {
      await s.close();
    }
  });
});
