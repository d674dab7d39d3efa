/**
 * How the Node server writes answers: events ready together leave in one chunk of the chunked
 * body (not one write per event), events larger than the response's buffer still flow without
 * waiting on a drain that never comes, and the request's log line, written after the answer,
 * is there for buffered answers, streams, and streams the client left.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../functions/core/log.js';
import { Engine } from '../../functions/engine/engine.js';
import { createGatewayServer, DEFAULT_SERVER_LIMITS, listen } from '../../functions/http/node-server.js';
import { compileYaml, singleProviderYaml, closeServer } from '../support/harness.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const event = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** An upstream that sends `events` in one write each time (all at once by default), then [DONE]. */
async function upstream(events: string[], options: { holdEndMs?: number } = {}): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events.join(''));
      if (options.holdEndMs === undefined) res.end('data: [DONE]\n\n');
      else setTimeout(() => res.end('data: [DONE]\n\n'), options.holdEndMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => closeServer(server));
  return (server.address() as AddressInfo).port;
}

async function gateway(upstreamPort: number, slowClientMs = DEFAULT_SERVER_LIMITS.slowClientMs): Promise<{ port: number; logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const engine = new Engine({ config: compileYaml(singleProviderYaml('openai: { model: m }', upstreamPort)), logger });
  // As `modelgate serve` wires it: the log line and metrics wait for the answer to be written.
  const server = createGatewayServer((req, afterAnswer) => engine.handle(req, afterAnswer), { ...DEFAULT_SERVER_LIMITS, slowClientMs });
  const { port } = await listen(server, 0, '127.0.0.1');
  closers.push(() => closeServer(server));
  return { port, logger };
}

/** A raw HTTP/1.1 exchange: the chunk sizes of the chunked body as they came, and the body. */
function rawStream(port: number, body: string): Promise<{ head: string; chunks: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = Buffer.alloc(0);
    socket.on('data', (d) => (raw = Buffer.concat([raw, d])));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = raw.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      let rest = text.slice(split + 4);
      const chunks: string[] = [];
      let out = '';
      for (;;) {
        const eol = rest.indexOf('\r\n');
        if (eol < 0) return reject(new Error(`cut chunked body: ${JSON.stringify(text.slice(0, 400))}`));
        const size = Number.parseInt(rest.slice(0, eol), 16);
        if (size === 0) break;
        const chunk = rest.slice(eol + 2, eol + 2 + size);
        chunks.push(Buffer.from(chunk, 'latin1').toString('utf8'));
        out += chunk;
        rest = rest.slice(eol + 2 + size + 2);
      }
      resolve({ head, chunks, body: Buffer.from(out, 'latin1').toString('utf8') });
    });
    const payload = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true, ...JSON.parse(body) });
    // Written, not ended: the server closes the connection after the answer (connection: close).
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
  });
}

const contents = (sse: string) =>
  sse
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)).choices[0].delta.content as string);

describe('stream writes', () => {
  it('sends the events of one upstream read in one chunk, in order, whole', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
    const { port } = await gateway(await upstream(words.map((w) => event(w))));
    const { head, chunks, body } = await rawStream(port, '{}');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(contents(body)).toEqual(words);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    // One write per event was 41 chunks here; the events of a read now share a chunk.
    expect(chunks.length).toBeLessThan(10);
    // The events up to the first content leave first, alone: the first token does not wait for the rest to be translated.
    expect(contents(chunks[0]!)).toEqual(['word0 ']);
  });

  it('hands on what was read at once: an event is never held back waiting for the next read', async () => {
    // The upstream sends two events, then waits until the client has both (or 5 s) before the rest.
    let release: (how: string) => void = () => {};
    const released = new Promise<string>((resolve) => (release = resolve));
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', async () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(event('one') + event('two'));
        const timer = setTimeout(() => release('timeout'), 5_000);
        await released;
        clearTimeout(timer);
        res.end(`${event('three')}data: [DONE]\n\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => closeServer(server));
    const { port } = await gateway((server.address() as AddressInfo).port);
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let got = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          got += d;
          if (contents(got).includes('two')) release('client');
        });
        res.on('end', () => resolve(got));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    expect(await released).toBe('client');
    expect(contents(text)).toEqual(['one', 'two', 'three']);
  });

  it('keeps flowing when the events of one read are larger than the response buffer (no wait for a drain that never comes)', async () => {
    // Three 40 KB events in one read: more than the 16 KiB a response buffers before write() says "full".
    const big = ['a', 'b', 'c'].map((c) => c.repeat(40_000));
    // A short slow-client limit: had the server waited for a drain that never fires, it would cut the stream after it.
    const { port } = await gateway(await upstream(big.map((b) => event(b))), 300);
    const { body } = await rawStream(port, '{}');
    expect(contents(body)).toEqual(big);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('a client that stops reading holds the upstream back (the server buffers a bounded amount), and the stream goes on when it reads again', async () => {
    // An endless answer, written as fast as the gateway takes it; the bytes it managed to write are counted.
    let written = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = event('x'.repeat(16 * 1024));
      const more = () => {
        while (!res.destroyed && res.write(piece)) written += piece.length;
        if (!res.destroyed) {
          written += piece.length;
          res.once('drain', more);
        }
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      server.closeAllConnections();
      await closeServer(server);
    });
    const { port } = await gateway((server.address() as AddressInfo).port, 10_000);
    const got = await new Promise<{ duringPause: number; afterPause: number }>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let received = 0;
        let paused = false;
        res.on('data', (d: Buffer) => {
          received += d.length;
          if (paused || received < 1024 * 1024) return;
          // A megabyte in, the client stops reading for a second.
          paused = true;
          res.pause();
          const before = written;
          setTimeout(() => {
            const duringPause = written - before;
            const at = received;
            res.resume();
            setTimeout(() => {
              req.destroy();
              resolve({ duringPause, afterPause: received - at });
            }, 300);
          }, 1_000);
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') || e.message.includes('aborted') ? undefined : reject(e)));
      req.end(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    // Unheld, loopback carries hundreds of megabytes a second; held, only what the sockets' own
    // buffers (the kernel's, a few megabytes each way) and the response's take.
    expect(got.duringPause).toBeLessThan(32 * 1024 * 1024);
    expect(got.afterPause).toBeGreaterThan(0);
  });

  it('a whole stream leaves its upstream connection open for the next request', async () => {
    let connections = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(event('one'));
        // The end comes in a read of its own, after the [DONE] the relay stops at.
        setTimeout(() => res.end(`${event('', 'stop')}data: [DONE]\n\n`), 20);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => closeServer(server));
    const { port } = await gateway((server.address() as AddressInfo).port);
    for (let i = 0; i < 3; i++) {
      const { body } = await rawStream(port, '{}');
      expect(contents(body)).toEqual(['one', '']);
      expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    }
    expect(connections).toBe(1);
  });

  it('logs a stream the writer let go of before reading any of it (a drain that answered first, a client gone before the first write)', async () => {
    const logger = new MemoryLogger();
    const engine = new Engine({ config: compileYaml(singleProviderYaml('openai: { model: m }', await upstream([event('one'), event('two')]))), logger });
    const res = await engine.handle({
      method: 'POST',
      path: '/v1/chat/completions',
      query: '',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true })),
      signal: new AbortController().signal,
      id: 'let-go',
    });
    expect(typeof res.body).not.toBe('string');
    await (res.body as AsyncIterable<string>)[Symbol.asyncIterator]().return?.(undefined);
    expect(logger.entries.filter((l) => l.event === 'request').map((l) => [l.fields.requestId, l.fields.status])).toEqual([['let-go', 200]]);
  });

  it('writes the request log line after the answer, for buffered answers and streams, and for a client that leaves mid-stream', async () => {
    const upstreamPort = await upstream([event('one'), event('two')], { holdEndMs: 60_000 });
    const { port, logger } = await gateway(upstreamPort);
    const requests = () => logger.entries.filter((l) => l.event === 'request');
    // A stream whose upstream holds its end: the client leaves after the first events.
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      req.end(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    await expect.poll(() => requests().length).toBe(1);
    expect(requests()[0]!.fields).toMatchObject({ status: 200, streamEnd: 'broken' });

    // A buffered answer and a whole stream: the line is there by the time the client has the answer.
    const whole = await upstream([event('one'), event('two')]);
    const second = await gateway(whole);
    const buffered = await fetch(`http://127.0.0.1:${second.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(buffered.status).toBe(502); // the upstream streams where a JSON answer was asked for: malformed
    await buffered.text();
    const streamed = await rawStream(second.port, '{}');
    expect(contents(streamed.body)).toEqual(['one', 'two']);
    expect(second.logger.entries.filter((l) => l.event === 'request').map((l) => [l.fields.status, l.fields.streamEnd])).toEqual([
      [502, null],
      [200, 'done'],
    ]);
  });
});
