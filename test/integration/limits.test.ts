/**
 * Limits that keep one client or one request from taking more than its share: the request head,
 * the upstream connection pool, and a client that stops reading a stream (it must not hold the
 * upstream connection forever). Body size and attempts per request are in engine-bad-input and
 * engine-failover.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../functions/engine/engine.js';
import { configurePool, DEFAULT_POOL } from '../../functions/engine/upstream.js';
import { createGatewayServer, DEFAULT_SERVER_LIMITS, listen, type ServerLimits } from '../../functions/http/node-server.js';
import { compileYaml, singleProviderYaml } from '../support/harness.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  configurePool(DEFAULT_POOL);
});

async function upstream(handler: http.RequestListener): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, server };
}

async function gateway(upstreamPort: number, limits: Partial<ServerLimits> = {}): Promise<number> {
  const engine = new Engine({ config: compileYaml(singleProviderYaml('openai: { model: m }', upstreamPort)) });
  const server = createGatewayServer((req) => engine.handle(req), { ...DEFAULT_SERVER_LIMITS, ...limits });
  const { port } = await listen(server, 0, '127.0.0.1');
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return port;
}

const chat = (stream = false) => JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...(stream && { stream: true }) });
const completion = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
});

describe('limits', () => {
  it('refuses a request head over the limit with 431, before any upstream call', async () => {
    let calls = 0;
    const up = await upstream((_req, res) => {
      calls++;
      res.end(completion);
    });
    const port = await gateway(up.port, { maxHeaderBytes: 16 * 1024 });
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-padding': 'x'.repeat(32 * 1024) },
      body: chat(),
    });
    expect(res.status).toBe(431);
    expect(calls).toBe(0);
  });

  it('bounds upstream connections per origin: requests beyond the pool wait their turn, and all are answered', async () => {
    configurePool({ maxSockets: 4, maxFreeSockets: 4 });
    let open = 0;
    let peak = 0;
    const up = await upstream((req, res) => {
      open++;
      peak = Math.max(peak, open);
      req.resume();
      setTimeout(() => {
        open--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(completion);
      }, 50);
    });
    const port = await gateway(up.port);
    const results = await Promise.all(
      Array.from({ length: 24 }, () =>
        fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat() }).then((r) => r.status),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });

  it('lets go of a client that stops reading a stream, and of the upstream connection with it', async () => {
    let upstreamClosed = false;
    const up = await upstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const delta = 'x'.repeat(8 * 1024);
      // An endless answer, written as fast as the gateway takes it.
      const pump = () => {
        while (
          !res.destroyed &&
          res.write(
            `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: delta }, finish_reason: null }] })}\n\n`,
          )
        );
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => (upstreamClosed = true));
      pump();
    });
    const port = await gateway(up.port, { slowClientMs: 300 });
    // A client that sends its request and never reads a byte of the answer.
    const client = net.connect(port, '127.0.0.1');
    closers.push(async () => void client.destroy());
    const body = chat(true);
    client.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    client.pause();
    const deadline = Date.now() + 10_000;
    while (!upstreamClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(upstreamClosed).toBe(true);
  });
});
