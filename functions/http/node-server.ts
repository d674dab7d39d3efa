/**
 * The Node HTTP adapter: socket in, GatewayRequest to the engine, GatewayResponse back out.
 * Streams are written with back-pressure, and a client that disconnects aborts its upstream call.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MAX_REQUEST_BODY } from '../engine/engine.js';
import { errorBody } from '../engine/errors.js';
import { errorResponseForPath } from '../engine/client-api.js';
import type { GatewayRequest, GatewayResponse } from '../engine/types.js';

export type Handler = (req: GatewayRequest) => Promise<GatewayResponse>;

export interface ServerLimits {
  /** Largest request body; larger ones get a 413 without being read further. */
  maxBodyBytes: number;
  /** Largest request head (Node's `maxHeaderSize`). */
  maxHeaderBytes: number;
  /** How long a client may take to send its request (slowloris guard). */
  requestTimeoutMs: number;
  /**
   * How long a streamed answer may wait for a client that stops reading. Past it the client's
   * connection is closed, which aborts the upstream call: a slow client cannot hold an upstream
   * connection (and the provider's meter) forever.
   */
  slowClientMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxBodyBytes: MAX_REQUEST_BODY,
  maxHeaderBytes: 64 * 1024,
  requestTimeoutMs: 60_000,
  slowClientMs: 60_000,
};

export function createGatewayServer(handler: Handler, limits: ServerLimits = DEFAULT_SERVER_LIMITS): http.Server {
  const server = http.createServer(
    { maxHeaderSize: limits.maxHeaderBytes, requestTimeout: limits.requestTimeoutMs, keepAliveTimeout: 65_000 },
    (req, res) => {
      // Nothing a request does may become an unhandled rejection (which ends the process): a
      // throw while answering (e.g. writeHead refusing a header value) is a 500 if nothing was
      // sent yet, else the connection is cut so the client does not wait forever.
      serve(handler, req, res, limits).catch(() => failed(res));
    },
  );
  return server;
}

async function serve(handler: Handler, req: IncomingMessage, res: ServerResponse, limits: ServerLimits): Promise<void> {
  const aborter = new AbortController();
  // 'close' on the response fires when the exchange ends, normally or not; only a response that
  // did not finish means the client went away.
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort(new Error('client disconnected'));
  });

  const body = await readRequestBody(req, limits.maxBodyBytes);
  if (body === 'too-large') {
    res.setHeader('connection', 'close');
    return write(res, errorResponseForPath(req.url?.split('?')[0] ?? '/', 413, `The request body is larger than ${limits.maxBodyBytes} bytes.`, 'invalid_request_error', 'request_too_large'), aborter.signal);
  }
  if (body === 'aborted') return;

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const gatewayRequest: GatewayRequest = {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers,
    body,
    signal: aborter.signal,
    id: headers['x-request-id'] ?? randomUUID(),
  };
  const response = await handler(gatewayRequest);
  await write(res, response, aborter.signal, limits);
}

function failed(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  try {
    const body = JSON.stringify(errorBody('modelgate failed to write the response.', 'server_error', 'internal_error'));
    res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/**
 * Collects the body with plain 'data'/'end' events: an async iterator per request costs more than
 * the rest of the body handling on the request path (measured with --cpu-prof).
 */
function readRequestBody(req: IncomingMessage, max: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', () => resolve('aborted'));
    req.once('aborted', () => resolve('aborted'));
  });
}

async function write(res: ServerResponse, response: GatewayResponse, signal: AbortSignal, limits: Pick<ServerLimits, 'slowClientMs'> = DEFAULT_SERVER_LIMITS): Promise<void> {
  if (typeof response.body === 'string') {
    res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
    res.end(response.body);
    return;
  }
  res.writeHead(response.status, response.headers);
  res.flushHeaders();
  const iterator = response.body[Symbol.asyncIterator]();
  let broken = false;
  try {
    for (;;) {
      // `destroyed` too: the socket can be gone a moment before 'close' aborts the signal.
      if (signal.aborted || res.destroyed) break;
      const { value, done } = await iterator.next();
      if (done) break;
      // Back-pressure: a slow client slows the upstream read instead of growing a buffer.
      if (!res.write(value) && !(await waitForDrain(res, signal, limits.slowClientMs))) {
        res.destroy(); // the client stopped reading: let go of it, and of the upstream with it
        break;
      }
    }
  } catch {
    // The engine's iterators end a broken stream with an error event themselves, so a throw here
    // is unexpected. Ending the chunked body cleanly would let a client take a cut-off answer for
    // a complete one: cut the connection instead.
    broken = true;
  } finally {
    await iterator.return?.(undefined);
    if (broken) res.destroy();
    else res.end();
  }
}

/** Resolves true when the client drained its buffer (or left), false when it stalled past `timeoutMs`. */
function waitForDrain(res: ServerResponse, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    // A client that is already gone: its response never drains and the aborted signal never fires
    // again, so waiting here used to hang forever, and the engine's stream (its upstream reader,
    // timers, end-of-stream bookkeeping) was never finished.
    if (signal.aborted || res.destroyed) return resolve(true);
    const finish = (drained: boolean) => () => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onDrain);
      signal.removeEventListener('abort', onDrain);
      resolve(drained);
    };
    const onDrain = finish(true);
    const timer = setTimeout(finish(false), timeoutMs);
    res.once('drain', onDrain);
    res.once('close', onDrain);
    signal.addEventListener('abort', onDrain, { once: true });
  });
}

/** Starts listening; resolves with the bound address (port 0 picks a free one). */
export function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
