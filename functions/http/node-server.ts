/**
 * The Node HTTP adapter: socket in, GatewayRequest to the engine, GatewayResponse back out.
 * Streams are written with back-pressure, and a client that disconnects aborts its upstream call.
 */
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { MAX_REQUEST_BODY } from '../engine/engine.js';
import { errorBody } from '../engine/errors.js';
import { errorResponseForPath } from '../engine/endpoints.js';
import { silentLogger, type Logger } from '../core/log.js';
import { isPumpable, type AfterAnswer, type GatewayRequest, type GatewayResponse, type PumpHandle, type Pumpable } from '../engine/types.js';
import { logRejected } from './adapter-log.js';
import { listenWithAcceptors } from './acceptors.js';
import { contentLength, headerRecord } from '../core/header-record.js';
import type { InFlight } from './drain.js';

type Handler = (req: GatewayRequest, afterAnswer: AfterAnswer) => Promise<GatewayResponse>;

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

interface GatewayServerOptions {
  /**
   * Where the requests the server answers itself are logged (a body over the limit, a head over
   * the limit, a client too slow to send its request, malformed HTTP): one `request` line each, in
   * the shape of the engine's, so every answered request has a line. Default: none.
   */
  logger?: Logger;
  /** Where exchanges in flight are registered, so the server can be drained (see drain.ts). */
  inFlight?: InFlight;
}

/**
 * How long the answer to a refused connection may take to flush before the socket is cut anyway:
 * a client that never reads must not hold the socket.
 */
const REJECTION_FLUSH_MS = 2_000;

export function createGatewayServer(handler: Handler, limits: ServerLimits = DEFAULT_SERVER_LIMITS, options: GatewayServerOptions = {}): http.Server {
  const logger = options.logger ?? silentLogger;
  // When each connection last started waiting for a request: a request Node refuses before it
  // reaches `serve` has no other start time to measure its latency from.
  const waitingSince = new WeakMap<Socket, number>();
  const server = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for requests past their timeout only this often (30 s by default), so a short
      // requestTimeout would otherwise be enforced up to 30 s late.
      ...(limits.requestTimeoutMs > 0 && { connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(limits.requestTimeoutMs / 2))) }),
      keepAliveTimeout: 65_000,
    },
    (req, res) => {
      // Nothing a request does may become an unhandled rejection (which ends the process): a
      // throw while answering (e.g. writeHead refusing a header value) is a 500 if nothing was
      // sent yet, else the connection is cut so the client does not wait forever.
      serve(handler, req, res, limits, logger, waitingSince, options.inFlight).catch(() => failed(res));
    },
  );
  server.on('connection', (socket: Socket) => waitingSince.set(socket, Date.now()));
  // With a listener here Node no longer answers these errors itself: the answer is written below,
  // and logged.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => rejectConnection(error, socket, limits, logger, waitingSince));
  return server;
}

async function serve(
  handler: Handler,
  req: IncomingMessage,
  res: ServerResponse,
  limits: ServerLimits,
  logger: Logger,
  waitingSince: WeakMap<Socket, number>,
  inFlight?: InFlight,
): Promise<void> {
  const started = Date.now();
  waitingSince.set(req.socket, started);
  const aborter = new AbortController();
  const over = inFlight?.begin({ method: req.method ?? 'GET', path: req.url?.split('?')[0] ?? '/', res, abort: (reason) => aborter.abort(reason) });
  // While draining, every answer closes its connection: a keep-alive client must reconnect
  // (to another instance) rather than send its next request here.
  if (inFlight?.draining) res.setHeader('connection', 'close');
  // 'close' on the response fires when the exchange ends, normally or not; only a response that
  // did not finish means the client went away.
  res.on('close', () => {
    over?.();
    waitingSince.set(req.socket, Date.now());
    if (!res.writableFinished) aborter.abort(new Error('client disconnected'));
  });

  const headers = headerRecord(req.rawHeaders);
  const body = await readRequestBody(req, contentLength(headers), limits.maxBodyBytes);
  if (body === 'too-large') {
    const path = req.url?.split('?')[0] ?? '/';
    logRejected(logger, {
      id: headers['x-request-id'] ?? randomUUID(),
      method: req.method ?? null,
      path,
      status: 413,
      latencyMs: Date.now() - started,
      reason: `body over ${limits.maxBodyBytes} bytes`,
    });
    const answer = errorResponseForPath(path, 413, `The request body is larger than ${limits.maxBodyBytes} bytes.`, 'invalid_request_error', 'request_too_large');
    const text = answer.body as string;
    res.writeHead(413, { ...answer.headers, 'content-length': Buffer.byteLength(text), connection: 'close' });
    res.write(text);
    // The whole answer is out, but the connection is closed only once the client has stopped
    // sending: closing a socket with unread input resets it, and a client still uploading its
    // body then saw the reset (EPIPE, "other side closed"), which SDKs retry, instead of this 413.
    await discardRest(req, 2 * limits.maxBodyBytes);
    res.end();
    return;
  }
  if (body === 'aborted') return;

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const gatewayRequest: GatewayRequest = {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers,
    body,
    signal: aborter.signal,
    id: headers['x-request-id'] ?? randomUUID(),
  };
  // The request's log line and metrics wait until the answer is written (engine.ts, handle).
  let after: (() => void) | undefined;
  const response = await handler(gatewayRequest, (work) => {
    after = work;
  });
  try {
    await write(res, response, aborter.signal, limits);
  } finally {
    after?.();
  }
}

const requestIdOf = (req: IncomingMessage): string => {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' ? id : randomUUID();
};

/** The answer to an error Node's HTTP parser or request timer raised, by its code. */
function rejectionFor(code: string | undefined, limits: ServerLimits): { status: number; message: string; code: string; reason: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        message: `The request head is larger than ${limits.maxHeaderBytes} bytes.`,
        code: 'request_header_fields_too_large',
        reason: `head over ${limits.maxHeaderBytes} bytes`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        message: `The request was not received within ${limits.requestTimeoutMs} ms.`,
        code: 'request_timeout',
        reason: `request not received within ${limits.requestTimeoutMs} ms`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      // As Node answers it.
      return { status: 413, message: 'The request has chunk extensions larger than allowed.', code: 'request_too_large', reason: 'chunk extensions too large' };
    default:
      return { status: 400, message: 'The request is not valid HTTP/1.1.', code: 'bad_request', reason: `malformed HTTP (${code ?? 'unknown error'})` };
  }
}

/** Sockets already being refused: the parser can report the same broken input more than once. */
const refusing = new WeakSet<Socket>();

/**
 * Node's 'clientError': the request could not be parsed (malformed, head too large) or did not
 * arrive in time. Answered here with a minimal HTTP/1.1 response in the client API's error shape,
 * logged, and the connection closed.
 */
function rejectConnection(error: NodeJS.ErrnoException, socket: Socket, limits: ServerLimits, logger: Logger, waitingSince: WeakMap<Socket, number>): void {
  if (refusing.has(socket)) return;
  refusing.add(socket);
  // A broken socket (reset, broken pipe: an error with a syscall) is not a request: there is no
  // one to answer and nothing to log.
  if (error.syscall !== undefined) {
    socket.destroy();
    return;
  }
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  // Bytes of an answer already on the wire: anything more would corrupt it, so just cut. That
  // request has its own line (the engine's, or the 413 serve() wrote); what broke after it was
  // never answered.
  if (inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  // A request whose head was parsed and whose body was still arriving (a timeout, bad chunked
  // framing): its method and path are known. Otherwise the request line never was.
  const current = inFlight && !inFlight.req.complete ? inFlight.req : undefined;
  const path = current?.url?.split('?')[0] ?? null;
  const rejection = rejectionFor(error.code, limits);
  const since = current ? waitingSince.get(current.socket) : waitingSince.get(socket);
  logRejected(logger, {
    id: current ? requestIdOf(current) : randomUUID(),
    method: current?.method ?? null,
    path,
    status: rejection.status,
    latencyMs: since === undefined ? null : Date.now() - since,
    reason: rejection.reason,
  });
  // The client is gone (it may have sent its garbage and left): nothing to answer.
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const answer = errorResponseForPath(path ?? '/', rejection.status, rejection.message, 'invalid_request_error', rejection.code);
  const body = answer.body as string;
  const head = [
    `HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  const timer = setTimeout(() => socket.destroy(), REJECTION_FLUSH_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // Destroyed once the answer is flushed, not at once: a destroy drops a write the kernel has not
  // taken yet. Not later either: the rest of a request the parser gave up on is not worth
  // reading (Node itself writes and destroys at once).
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
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
 * Reads and drops the rest of a refused body: a client somewhat over the limit finishes sending
 * and reads its answer. One that sends more than `max` further bytes is not finishing a request:
 * it is cut (it has its answer already).
 */
function discardRest(req: IncomingMessage, max: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let discarded = 0;
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > max) {
        req.socket.destroy();
        done();
      }
    };
    const done = () => {
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/**
 * Collects the body with plain 'data'/'end' events: an async iterator per request costs more than
 * the rest of the body handling on the request path (measured with --cpu-prof).
 */
function readRequestBody(req: IncomingMessage, declared: number | undefined, max: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  // A refused body is left paused, not resumed: what discards it counts every byte.
  if (declared !== undefined && declared > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
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
  if (res.writableEnded || res.destroyed) {
    // Answered already (a drain that ran out of time sent its 503): only let go of the stream.
    if (typeof response.body !== 'string') await response.body[Symbol.asyncIterator]().return?.(undefined);
    return;
  }
  if (typeof response.body === 'string') {
    res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
    res.end(response.body);
    return;
  }
  res.writeHead(response.status, response.headers);
  if (isPumpable(response.body)) return pumpInto(res, response.body, signal, limits.slowClientMs);
  // The head goes out with the first events, in one write.
  const batch = new EventBatch(res);
  const iterator = response.body[Symbol.asyncIterator]();
  let broken = false;
  try {
    for (;;) {
      // `destroyed` too: the socket can be gone a moment before 'close' aborts the signal.
      if (signal.aborted || res.destroyed) break;
      // Back-pressure: a slow client slows the upstream read instead of growing a buffer.
      if (batch.full()) {
        if (!(await waitForDrain(res, signal, limits.slowClientMs))) {
          res.destroy(); // the client stopped reading: let go of it, and of the upstream with it
          break;
        }
        continue; // drained, or the client left meanwhile: the checks above say which
      }
      const { value, done } = await iterator.next();
      // A drain may have ended the response (with an error event) while this waited.
      if (done || res.writableEnded) break;
      batch.add(value);
    }
  } catch {
    // The engine's iterators end a broken stream with an error event themselves, so a throw here
    // is unexpected. Ending the chunked body cleanly would let a client take a cut-off answer for
    // a complete one: cut the connection instead.
    broken = true;
  } finally {
    // What was ready goes out either way; a broken stream's connection is cut once it has
    // (Node flushes a response's writes at the end of the tick, after callbacks queued before this one).
    batch.flush();
    await iterator.return?.(undefined);
    if (broken) process.nextTick(() => res.destroy());
    else if (!res.writableEnded) res.end();
  }
}

/**
 * A pumped stream (engine/stream-relay.ts): each piece is written from the upstream read that
 * brought it. Node corks the response on a write until the tick ends, so one read's piece leaves
 * as one chunk; the first piece (with the head) is sent at once. A slow client pauses the upstream
 * until it drains, and is let go after `slowClientMs`; a client that leaves cancels the pump.
 */
function pumpInto(res: ServerResponse, body: Pumpable, signal: AbortSignal, slowClientMs: number): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    let first = true;
    let handle: PumpHandle | undefined;
    const settle = () => {
      if (settled) return;
      settled = true;
      res.off('close', gone);
      signal.removeEventListener('abort', gone);
      resolve();
    };
    // The client left (or stopped reading): let go of the upstream; nothing more is written.
    function gone() {
      if (settled) return;
      handle?.cancel();
      settle();
    }
    res.once('close', gone);
    signal.addEventListener('abort', gone, { once: true });
    handle = body.pump({
      write: (text) => {
        if (settled || res.writableEnded || res.destroyed) return true;
        res.write(text);
        if (first) {
          // With the head: the first events must not wait for the tick to end.
          first = false;
          res.socket?.uncork();
        }
        return !res.writableNeedDrain;
      },
      onDrain: (resume) => {
        void waitForDrain(res, signal, slowClientMs).then((drained) => {
          if (drained) return resume(); // (a client that left is `gone` already: the pump ignores it)
          res.destroy(); // the client stopped reading: let go of it, and of the upstream with it
          gone();
        });
      },
      end: () => {
        if (settled) return;
        if (!res.writableEnded && !res.destroyed) res.end();
        settle();
      },
    });
    if (signal.aborted || res.destroyed) gone();
  });
}

/**
 * The pieces of a stream that are ready together, written as one chunk. The engine hands over
 * what one upstream read gave as one piece (attempt.ts, relay), but a stream may pass through
 * layers that yield more often (guards, transformations), and a chunk (its framing, a write call)
 * per piece was most of a stream's cost in the server. The batch is written when the current tick
 * is over (`process.nextTick` runs once the promise jobs that produce the run are done), or at
 * once when it reaches the response's buffer size: nothing waits for a timer or for the next
 * piece. The first piece (up to the first content) is written at once, alone with the head.
 */
class EventBatch {
  private static readonly MAX_BYTES = 16 * 1024;
  private parts: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private first = true;

  constructor(private readonly res: ServerResponse) {}

  add(event: string): void {
    if (this.first) {
      // The first events (the engine hands over what the stream's hold gathered, up to the first
      // content) leave at once with the head: the time to first token must not wait for the
      // events behind them to be translated. Node corks a response's socket on a write until the
      // tick ends; uncorking it now sends them (the uncork Node queued then finds nothing to do).
      this.first = false;
      this.res.write(event);
      this.res.socket?.uncork();
      return;
    }
    this.parts.push(event);
    this.bytes += event.length;
    if (this.bytes >= EventBatch.MAX_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.parts.length === 0 || this.res.writableEnded || this.res.destroyed) return;
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.bytes = 0;
    this.res.write(text);
  }

  /** The client has not taken what was written yet: wait for a drain before reading more. */
  full(): boolean {
    return this.res.writableNeedDrain;
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

/** Starts listening; resolves with the bound address (port 0 picks a free one). See acceptors.ts. */
export function listen(server: http.Server, port: number, host: string, acceptors?: number): Promise<AddressInfo> {
  return listenWithAcceptors(server, { port, host, ...(acceptors !== undefined && { acceptors }) });
}
