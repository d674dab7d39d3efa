/**
 * Sends one upstream call with Node's own HTTP client: keep-alive pools per origin (bounded, so
 * one burst cannot open sockets without limit), an abort signal that cuts the call at its
 * deadline, and errors sorted into what the verdict needs: could not connect, reset, aborted.
 * Node's client is in the runtime, so the Lambda bundle carries no HTTP library.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { contentLength, headerRecord } from '../core/header-record.js';
import type { UpstreamRequest } from '../providers/types.js';
import { BudgetExceeded, type MemoryBudget } from './memory-budget.js';

type UpstreamFailure = 'connect' | 'reset' | 'aborted';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: IncomingMessage;
  /** The whole body, when the caller asked for it to be read from the moment the head arrived (`readFor`). */
  bytes?: Promise<Buffer>;
}

/**
 * How the body of an answer with this status is to be read, or undefined to leave it to the
 * caller (a stream). Reading starts in the same turn as the head: the body of a small answer
 * usually arrives in the same socket read, and is whole before the caller's code resumes.
 */
export type ReadFor = (status: number) => ReadOptions | undefined;

interface PoolLimits {
  /** Sockets per upstream origin; requests beyond wait in the agent's queue. */
  maxSockets: number;
  maxFreeSockets: number;
}

/**
 * Sockets per origin: enough that every stream a process can hold open gets its own connection at
 * once (a provider streams each answer on its own HTTP/1.1 connection, for as long as it
 * generates). Past it, requests wait in the pool; `modelgate serve --upstream-sockets N` sets it.
 * A Lambda instance serves one request at a time and never comes near it.
 */
export const DEFAULT_POOL: PoolLimits = { maxSockets: 4096, maxFreeSockets: 256 };

const agents = {
  http: new http.Agent({ keepAlive: true, ...DEFAULT_POOL, scheduling: 'lifo' }),
  https: new https.Agent({ keepAlive: true, ...DEFAULT_POOL, scheduling: 'lifo' }),
};

/** Replaces the connection pools' limits (`--upstream-sockets`; tests use a pool of a few sockets to show that requests past it queue instead of failing). */
export function configurePool(limits: PoolLimits): void {
  for (const agent of [agents.http, agents.https]) {
    agent.maxSockets = limits.maxSockets;
    agent.maxFreeSockets = limits.maxFreeSockets;
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNABORTED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ParsedTarget {
  protocol: string;
  hostname: string;
  port: string | number;
  path: string;
}

/** Parsed upstream URLs: a provider's URL is the same on every request, and parsing it is not free. */
const targets = new Map<string, ParsedTarget>();

function parsedTarget(href: string): ParsedTarget {
  let t = targets.get(href);
  if (!t) {
    const url = new URL(href);
    t = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: url.pathname + url.search,
    };
    if (targets.size >= 1_024) targets.clear(); // URLs with per-request query strings must not grow it forever
    targets.set(href, t);
  }
  return t;
}

export function sendUpstream(call: UpstreamRequest, signal: AbortSignal, connectTimeoutMs?: number, readFor?: ReadFor): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UpstreamError('aborted', 'aborted before sending'));
    const target = parsedTarget(call.url);
    const secure = target.protocol === 'https:';
    const body = Buffer.from(call.body, 'utf8');
    const req = (secure ? https : http).request({
      ...target,
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: { ...call.headers, 'content-length': String(body.length) },
    });
    let connected = false;
    let connectTimer: NodeJS.Timeout | undefined;
    let answer: IncomingMessage | undefined;
    // One listener for the whole exchange (an AbortSignal listener is not cheap): it cuts the call
    // before the answer, and the answer's body after (its reader sees the error). It goes when the
    // call fails or the body is done with.
    const onAbort = () => {
      const error = new UpstreamError('aborted', 'deadline reached or client went away');
      if (answer) answer.destroy(error);
      else req.destroy(error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const release = () => signal.removeEventListener('abort', onAbort);

    req.on('socket', (socket) => {
      // A reused keep-alive socket is connected already; a new one gets the connect deadline.
      if (!socket.connecting) {
        connected = true;
        return;
      }
      if (connectTimeoutMs) {
        connectTimer = setTimeout(() => req.destroy(new UpstreamError('connect', `no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        connected = true;
        if (connectTimer) clearTimeout(connectTimer);
      });
    });
    req.on('response', (res) => {
      if (connectTimer) clearTimeout(connectTimer);
      answer = res;
      res.once('close', release);
      const status = res.statusCode ?? 502;
      const headers = headerRecord(res.rawHeaders);
      const read = readFor?.(status);
      if (!read) return resolve({ status, headers, body: res });
      const bytes = readBody(res, { ...read, declaredLength: contentLength(headers) });
      // Handled here as well as by the caller, who takes it a few microtasks later: a read that
      // fails at once (a memory budget already full) must not count as an unhandled rejection.
      bytes.catch(() => {});
      resolve({ status, headers, body: res, bytes });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      release();
      if (connectTimer) clearTimeout(connectTimer);
      if (error instanceof UpstreamError) return reject(error);
      const code = error.code ?? '';
      if (!connected || CONNECT_CODES.has(code)) return reject(new UpstreamError('connect', `${code || 'connection failed'}: ${error.message}`));
      reject(new UpstreamError('reset', `${code || 'connection reset'}: ${error.message}`));
    });
    req.end(body);
  });
}

/** How a body is read: its limit, whether a longer body is an error or just cut, and whose memory it takes. */
export interface ReadOptions {
  limit: number;
  /** True: stop at `limit` and keep what was read (an error body, where only the start is used). */
  truncate?: boolean;
  /** Reserve every byte here first; the caller releases `bytes.length` when done with the result. */
  budget?: MemoryBudget;
  /** The head's content-length: once that much is here the body is whole, without waiting for 'end' (a tick or two later). */
  declaredLength?: number | undefined;
}

/**
 * Reads a body up to `limit` bytes (a runaway upstream must not exhaust memory): past it, the
 * read fails, or with `truncate` ends with what it has. Either way the connection is destroyed
 * rather than drained — reading the rest of a gigabyte to keep a socket is not worth it.
 */
export function readBody(body: IncomingMessage, options: ReadOptions): Promise<Buffer> {
  const { limit, truncate = false, budget, declaredLength: declared } = options;
  // Plain events, not `for await`: an async iterator per response costs more than the read itself.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      budget?.release(size);
      body.destroy();
      reject(error);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      let piece = chunk;
      if (size + piece.length > limit) {
        if (!truncate) return fail(new UpstreamError('reset', `upstream body larger than ${limit} bytes`));
        piece = piece.subarray(0, limit - size);
      }
      if (budget && !budget.tryReserve(piece.length)) return fail(new BudgetExceeded(budget.limit));
      size += piece.length;
      chunks.push(piece);
      if (truncate && size >= limit) {
        body.destroy();
        done();
      } else if (size === declared) done();
    });
    body.once('end', done);
    body.once('error', (error) => fail(error instanceof UpstreamError ? error : new UpstreamError('reset', `body interrupted: ${error.message}`)));
    body.once('aborted', () => fail(new UpstreamError('reset', 'body interrupted: aborted')));
  });
}
