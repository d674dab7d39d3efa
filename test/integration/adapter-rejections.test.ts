/**
 * Requests the Node server answers itself, before the engine sees them: a body or a head over the
 * limit, a client too slow to send its request, bytes that are not HTTP. Each is answered with a
 * valid HTTP/1.1 response in the client API's error shape and logged as one `request` line in the
 * engine's shape, as every other answered request is. Raw sockets, so what goes on the wire is
 * exactly what is tested.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../functions/engine/engine.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { createGatewayServer, DEFAULT_SERVER_LIMITS, listen, type ServerLimits } from '../../functions/http/node-server.js';
import { MAX_LOGGED_PATH_CHARS } from '../../functions/http/adapter-log.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { serve, stop, tutorialAgainst, type Served } from '../support/cli.js';
import { compileYaml, singleProviderYaml } from '../support/harness.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ faults: () => undefined });
});
afterAll(async () => sim?.close());
beforeEach(() => {
  sim.calls.length = 0;
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const manifests = (port: number) => singleProviderYaml('anthropic: { model: claude-sonnet-4-6 }', port, '{ auth: { key: sk-test-0123456789 } }');

interface TestGateway {
  port: number;
  logger: MemoryLogger;
  /** The `request` lines logged so far. */
  requests(): Array<Record<string, unknown>>;
  /** Resolves when every connection the server accepted so far has closed. */
  connectionsClosed(): Promise<void>;
}

async function gateway(limits: Partial<ServerLimits> = {}): Promise<TestGateway> {
  const logger = new MemoryLogger();
  const engine = new Engine({ config: compileYaml(manifests(sim.port)), logger });
  const server = createGatewayServer((req) => engine.handle(req), { ...DEFAULT_SERVER_LIMITS, ...limits }, { logger });
  const closing: Array<Promise<void>> = [];
  server.on('connection', (socket: net.Socket) => closing.push(new Promise((resolve) => socket.once('close', () => resolve()))));
  const { port } = await listen(server, 0, '127.0.0.1');
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    port,
    logger,
    requests: () => logger.entries.filter((e) => e.event === 'request').map((e) => ({ ...e.fields, message: e.message })),
    connectionsClosed: async () => void (await Promise.all(closing)),
  };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses one HTTP/1.1 response with a content-length, as a strict client would. */
function parseResponse(raw: string): RawResponse {
  const cut = raw.indexOf('\r\n\r\n');
  expect(cut, `no complete head in ${JSON.stringify(raw.slice(0, 200))}`).toBeGreaterThan(0);
  const [statusLine, ...lines] = raw.slice(0, cut).split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]+$/.exec(statusLine!);
  expect(m, `status line ${statusLine}`).not.toBeNull();
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.slice(cut + 4);
  expect(Buffer.byteLength(body)).toBe(Number(headers['content-length']));
  return { status: Number(m![1]), headers, body };
}

/**
 * Connects, writes `chunks` (then nothing more: the socket stays open unless `end`), and collects
 * everything the server sends until it closes the connection.
 */
function exchange(port: number, chunks: Array<string | Buffer>, options: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    closers.push(async () => void socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    // A reset after the answer arrived still counts: what matters is what the client received.
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (options.end) socket.end();
    });
  });
}

/** A request with a body over the limit, through node:http (the server answers before reading it all). */
function postTooLarge(port: number, path: string, size: number): Promise<RawResponse> {
  const body = Buffer.alloc(size, 'x');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The fields of a `request` line only the engine can know: null in the adapter's lines. */
const ENGINE_ONLY = { route: null, backend: null, provider: null, model: null, attempts: null, inputTokens: null, outputTokens: null, streamEnd: null };

async function expectStillServing(g: TestGateway): Promise<void> {
  const before = g.requests().length;
  const res = await fetch(`http://127.0.0.1:${g.port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  expect(g.requests().slice(before)).toEqual([expect.objectContaining({ status: 200, path: '/v1/chat/completions', provider: 'llm' })]);
}

describe('requests the Node server refuses itself', () => {
  it('a 7 MB body: 413 in the API shape, and one request line', async () => {
    const g = await gateway();
    const res = await postTooLarge(g.port, '/v1/chat/completions', 7 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', code: 'request_too_large' }) });
    expect(g.requests()).toEqual([
      expect.objectContaining({ ...ENGINE_ONLY, method: 'POST', path: '/v1/chat/completions', status: 413, requestId: expect.any(String), latencyMs: expect.any(Number) }),
    ]);
    expect(g.requests()[0]!.message).toMatch(/^POST \/v1\/chat\/completions 413 \d+ms/);
    // Anthropic's clients get Anthropic's shape.
    const messages = await postTooLarge(g.port, '/v1/messages', 7 * 1024 * 1024);
    expect(messages.status).toBe(413);
    expect(JSON.parse(messages.body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    expect(g.requests()).toHaveLength(2);
    expect(sim.calls).toHaveLength(0);
    await expectStillServing(g);
  });

  it('reads a refused body to its end before closing, but cuts a client that sends more than twice the limit', async () => {
    const g = await gateway({ maxBodyBytes: 1024 });
    // Declares 100 MB and sends 64 KB: answered at once, then cut once 2 KB have arrived (without
    // the cut, the server would wait for the rest until the request timeout).
    const raw = await exchange(g.port, [
      `POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${100 * 1024 * 1024}\r\n\r\n`,
      Buffer.alloc(64 * 1024, 'x'),
    ]);
    const res = parseResponse(raw);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    expect(g.requests()).toEqual([expect.objectContaining({ status: 413, method: 'POST', path: '/v1/messages' })]);
  });

  it('cuts a long path to a bounded length in the log line', async () => {
    const g = await gateway({ maxBodyBytes: 16 });
    const path = `/v1/${'a'.repeat(4000)}`;
    const res = await postTooLarge(g.port, path, 17);
    expect(res.status).toBe(413);
    const [line] = g.requests();
    expect(line!.path).toMatch(/^\/v1\/a+…\(\+\d+ chars\)$/);
    expect((line!.path as string).length).toBeLessThan(MAX_LOGGED_PATH_CHARS + 32);
    expect((line!.message as string).length).toBeLessThan(MAX_LOGGED_PATH_CHARS + 128);
  });

  it('a 100 KB header: 431 in the API shape, connection closed, and one request line', async () => {
    const g = await gateway();
    const raw = await exchange(g.port, [`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-padding: ${'p'.repeat(100 * 1024)}\r\n\r\n`]);
    const res = parseResponse(raw);
    expect(res.status).toBe(431);
    expect(res.headers.connection).toBe('close');
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      error: expect.objectContaining({ type: 'invalid_request_error', code: 'request_header_fields_too_large', message: expect.stringContaining(`${64 * 1024} bytes`) }),
    });
    await g.connectionsClosed();
    // The request line was never parsed: method and path are unknown, not guessed.
    expect(g.requests()).toEqual([expect.objectContaining({ ...ENGINE_ONLY, method: null, path: null, status: 431, requestId: expect.any(String) })]);
    expect(sim.calls).toHaveLength(0);
    await expectStillServing(g);
  });

  it('a client that sends half a request head and stalls: 408, and one request line', async () => {
    const g = await gateway({ requestTimeoutMs: 400 });
    const started = Date.now();
    const raw = await exchange(g.port, ['POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-'], {});
    const res = parseResponse(raw);
    expect(res.status).toBe(408);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', code: 'request_timeout' }) });
    // Not before the timeout (the upper bound is the test's own timeout: no tight timing).
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const [line] = g.requests();
    expect(g.requests()).toHaveLength(1);
    expect(line).toMatchObject({ ...ENGINE_ONLY, method: null, path: null, status: 408 });
    expect(line!.latencyMs).toBeGreaterThanOrEqual(400);
    await expectStillServing(g);
  });

  it('a client that stalls in the middle of its body: 408 with its method and path logged, in its API shape', async () => {
    const g = await gateway({ requestTimeoutMs: 400 });
    const raw = await exchange(g.port, ['POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":']);
    const res = parseResponse(raw);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.stringContaining('400 ms') } });
    await g.connectionsClosed();
    expect(g.requests()).toEqual([expect.objectContaining({ ...ENGINE_ONLY, method: 'POST', path: '/v1/messages', status: 408 })]);
    expect(sim.calls).toHaveLength(0);
  });

  it('bytes that are not HTTP: 400, and one request line', async () => {
    const g = await gateway();
    const raw = await exchange(g.port, [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]), 'garbage\r\n\r\n']);
    const res = parseResponse(raw);
    expect(res.status).toBe(400);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', code: 'bad_request' }) });
    await g.connectionsClosed();
    expect(g.requests()).toEqual([expect.objectContaining({ ...ENGINE_ONLY, method: null, path: null, status: 400 })]);
    await expectStillServing(g);
  });

  it('a header line that is not HTTP after a valid request line: 400', async () => {
    const g = await gateway();
    const res = parseResponse(await exchange(g.port, ['POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nthis is not a header\r\n\r\n']));
    expect(res.status).toBe(400);
    await g.connectionsClosed();
    expect(g.requests()).toEqual([expect.objectContaining({ status: 400 })]);
  });

  it('a client that resets its connection is not a request: nothing answered, nothing logged', async () => {
    const g = await gateway();
    await new Promise<void>((resolve) => {
      const socket = net.connect(g.port, '127.0.0.1', () => {
        socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n');
        // Let the server read the half head first, so the reset reaches a connection mid-request.
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 100);
      });
      socket.on('error', () => {});
    });
    await g.connectionsClosed();
    expect(g.requests()).toEqual([]);
    await expectStillServing(g);
  });
});

describe('`modelgate serve` logs what its server refuses', () => {
  let served: Served | undefined;
  afterAll(async () => stop(served));

  it('answers a 413 to a client still uploading, and logs a request line for a 413, a 431 and a 400, as JSON', async () => {
    served = await serve(['-f', '-', '--port', '0', '--log-format', 'json'], tutorialAgainst(sim.port));
    const port = Number(new URL(served.url).port);
    // Several uploads: a client still sending its body used to be reset, and see EPIPE instead of
    // the 413, more often than not.
    for (let i = 0; i < 5; i++) expect((await postTooLarge(port, '/v1/chat/completions', 7 * 1024 * 1024)).status).toBe(413);
    expect(parseResponse(await exchange(port, [`GET /v1/models HTTP/1.1\r\nhost: x\r\nx-padding: ${'p'.repeat(100 * 1024)}\r\n\r\n`])).status).toBe(431);
    expect(parseResponse(await exchange(port, ['\u0000\u0001 not http\r\n\r\n'])).status).toBe(400);
    const lines = () =>
      served!.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.event === 'request')
        .map((l) => l.status);
    // Log lines are written in batches: wait for them (the test's timeout bounds the wait).
    while (lines().length < 7) await new Promise((r) => setTimeout(r, 50));
    expect(lines()).toEqual([413, 413, 413, 413, 413, 431, 400]);
    const first = served.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'request');
    expect(first).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 413,
      route: null,
      provider: null,
      model: null,
      attempts: null,
      inputTokens: null,
      outputTokens: null,
      streamEnd: null,
    });
  });
});
