/**
 * The Lambda Runtime API on 127.0.0.1, and AWS's own Node.js Runtime Interface Client
 * (`aws-lambda-ric`, the code the managed nodejs runtimes run) spawned against it, so the bundle's
 * response-streaming contract is checked against AWS's code rather than against our stand-in of it
 * (test/support/lambda-runtime.ts).
 *
 * The server speaks what the RIC speaks (read from its index.mjs and seen on the wire):
 *  - `GET /2018-06-01/runtime/invocation/next`, long-polled by the RIC's native client (libcurl,
 *    `User-Agent: AWS_Lambda_Cpp/…`), answered with the event as the body and the request id,
 *    deadline, function ARN and trace id as `Lambda-Runtime-*` headers;
 *  - `POST /2018-06-01/runtime/invocation/{id}/response`: a streaming handler's answer comes from
 *    Node's http client with `Lambda-Runtime-Function-Response-Mode: streaming`,
 *    `Transfer-Encoding: chunked`, two `Trailer:` declarations (Error-Type, Error-Body) and, after
 *    `HttpResponseStream.from`, `Content-Type: application/vnd.awslambda.http-integration-response`
 *    with the prelude JSON and 8 NUL bytes as the first chunks. A handler that throws mid-stream
 *    ends the body with `Lambda-Runtime-Function-Error-Type/-Body` trailers (the body base64 JSON).
 *    A buffered handler's answer comes from the native client, JSON with a content-length;
 *  - `POST /2018-06-01/runtime/invocation/{id}/error` (native client, JSON error, X-Ray cause in
 *    `Lambda-Runtime-Function-XRay-Error-Cause`) and `POST /2018-06-01/runtime/init/error`.
 * Every POST is recorded as it arrived: request line, headers, body chunks with their arrival
 * times, trailers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import type { RecordedResponse } from './lambda-runtime.js';
import { describeUnavailable } from './shared.js';

const PREFIX = '/2018-06-01/runtime';
/** The content type the RIC's HttpResponseStream.from sets: the body starts with the prelude. */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const NULS = Buffer.alloc(8);

/** One POST the runtime made: an invocation's response or error, or an init error. */
export interface RuntimePost {
  kind: 'response' | 'error' | 'init-error';
  /** As sent: `POST /2018-06-01/runtime/invocation/<id>/response HTTP/1.1`. */
  requestLine: string;
  /** Header names as sent, in order, with repeats (the RIC sends `Trailer` twice). */
  rawHeaders: Array<[string, string]>;
  /** Lower-cased, repeats joined with ", " as Node does. */
  headers: Record<string, string>;
  /** The body as the HTTP chunks (or reads, without chunking) arrived, ms since the event was handed out. */
  chunks: Array<{ at: number; bytes: Buffer }>;
  body: Buffer;
  /** Trailers after the last chunk, lower-cased (empty when there were none). */
  trailers: Record<string, string>;
}

export interface Invocation {
  requestId: string;
  /** What the runtime posted back for it: its /response or /error. */
  post: RuntimePost;
  /** ms from handing the event to the runtime to the end of its POST. */
  ms: number;
}

export interface InvokeOptions {
  requestId?: string;
  /** Sent as Lambda-Runtime-Deadline-Ms: the invocation's timeout. */
  timeoutMs?: number;
  /** How long the test waits for the runtime's answer (bounded even if the runtime hangs). */
  waitMs?: number;
}

export interface RuntimeApi {
  /** host:port, as AWS_LAMBDA_RUNTIME_API carries it. */
  address: string;
  /** Hands `event` (JSON-serialised, as Lambda does) to the runtime's next poll; resolves with what it posted back. */
  invoke(event: unknown, options?: InvokeOptions): Promise<Invocation>;
  /** Every POST, in order, including any for an unknown request id. */
  posts: RuntimePost[];
  /** How many `next` polls arrived (the runtime polls again once it has answered). */
  polls(): number;
  /** Resolves when the runtime has a `next` poll waiting: it has finished its init. */
  ready(waitMs?: number): Promise<void>;
  /** Fails every pending invocation with `reason` (the runtime died, say). */
  abort(reason: Error): void;
  close(): Promise<void>;
}

interface Pending {
  requestId: string;
  body: string;
  headers: Record<string, string>;
  handedAt?: number;
  resolve(inv: Invocation): void;
  reject(error: Error): void;
}

export async function startRuntimeApi(): Promise<RuntimeApi> {
  const queue: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const waitingPolls: ServerResponse[] = [];
  const readyWaiters: Array<() => void> = [];
  const posts: RuntimePost[] = [];
  const sockets = new Set<Socket>();
  let polls = 0;
  let counter = 0;

  const hand = (poll: ServerResponse, p: Pending) => {
    p.handedAt = Date.now();
    inFlight.set(p.requestId, p);
    poll.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(p.body), ...p.headers });
    poll.end(p.body);
  };

  const record = (req: IncomingMessage, kind: RuntimePost['kind'], since: number, done: (post: RuntimePost) => void) => {
    const rawHeaders: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) rawHeaders.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    const post: RuntimePost = { kind, requestLine: `${req.method} ${req.url} HTTP/${req.httpVersion}`, rawHeaders, headers, chunks: [], body: Buffer.alloc(0), trailers: {} };
    req.on('data', (b: Buffer) => post.chunks.push({ at: Date.now() - since, bytes: b }));
    req.on('end', () => {
      post.body = Buffer.concat(post.chunks.map((c) => c.bytes));
      for (const [k, v] of Object.entries(req.trailers)) if (v !== undefined) post.trailers[k.toLowerCase()] = v;
      posts.push(post);
      done(post);
    });
  };

  // What the Runtime API answers a POST it accepted.
  const accepted = (res: ServerResponse) => {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"status":"OK"}');
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      polls++;
      for (const w of readyWaiters.splice(0)) w();
      const next = queue.shift();
      if (next) hand(res, next);
      else waitingPolls.push(res);
      return;
    }
    const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && invocation) {
      const id = decodeURIComponent(invocation[1]!);
      const p = inFlight.get(id);
      record(req, invocation[2] === 'error' ? 'error' : 'response', p?.handedAt ?? Date.now(), (post) => {
        if (!p) {
          // As the Runtime API does for an id it did not hand out (or has already been answered).
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errorMessage: `Invalid request ID: ${id}`, errorType: 'InvalidRequestID' }));
          return;
        }
        inFlight.delete(id);
        accepted(res);
        p.resolve({ requestId: id, post, ms: Date.now() - p.handedAt! });
      });
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      record(req, 'init-error', Date.now(), (post) => {
        accepted(res);
        const error = new Error(`the runtime reported an init error: ${post.body.toString('utf8').slice(0, 500)}`);
        for (const p of [...queue.splice(0), ...inFlight.values()]) p.reject(error);
        inFlight.clear();
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errorMessage: `no such Runtime API path: ${req.method} ${url}`, errorType: 'NotFound' }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  const abort = (reason: Error) => {
    for (const p of [...queue.splice(0), ...inFlight.values()]) p.reject(reason);
    inFlight.clear();
  };

  return {
    address: `127.0.0.1:${port}`,
    posts,
    polls: () => polls,
    invoke(event, options = {}) {
      const requestId = options.requestId ?? `ric-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
      const waitMs = options.waitMs ?? 15_000;
      return new Promise<Invocation>((resolve, reject) => {
        const timer = setTimeout(() => {
          const where = queue.some((q) => q.requestId === requestId) ? 'no `next` poll came to take it' : 'the runtime took it and never posted its response';
          reject(new Error(`invocation ${requestId}: nothing after ${waitMs} ms: ${where}`));
        }, waitMs);
        const p: Pending = {
          requestId,
          body: JSON.stringify(event) ?? 'null',
          headers: {
            'lambda-runtime-aws-request-id': requestId,
            'lambda-runtime-deadline-ms': String(Date.now() + (options.timeoutMs ?? 30_000)),
            'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:modelgate',
            'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${'0'.repeat(24)};Parent=${'0'.repeat(16)};Sampled=0`,
          },
          resolve: (inv) => {
            clearTimeout(timer);
            resolve(inv);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const poll = waitingPolls.shift();
        if (poll) hand(poll, p);
        else queue.push(p);
      });
    },
    ready(waitMs = 15_000) {
      if (waitingPolls.length > 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the runtime did not poll for an invocation within ${waitMs} ms`)), waitMs);
        readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    abort,
    close: () =>
      new Promise<void>((resolve) => {
        abort(new Error('the Runtime API was closed'));
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A streamed function URL answer as the client gets it: the prelude (status, headers) from the
 * front of the body, and the body's chunks after the prelude and its 8 NUL bytes, with their
 * arrival times. Throws when the post is not an HTTP integration response.
 */
export function decodeHttpIntegration(post: RuntimePost): RecordedResponse {
  const type = post.headers['content-type'];
  if (type !== HTTP_INTEGRATION_CONTENT_TYPE) throw new Error(`content-type ${type}, not ${HTTP_INTEGRATION_CONTENT_TYPE}: ${post.body.toString('utf8').slice(0, 300)}`);
  const cut = post.body.indexOf(NULS);
  if (cut < 0) throw new Error(`no prelude delimiter in the response: ${post.body.toString('utf8').slice(0, 300)}`);
  const prelude = JSON.parse(post.body.subarray(0, cut).toString('utf8')) as { statusCode: number; headers?: Record<string, string> };
  const chunks: RecordedResponse['chunks'] = [];
  let seen = 0;
  for (const c of post.chunks) {
    const start = seen;
    seen += c.bytes.length;
    const from = Math.max(0, cut + NULS.length - start);
    if (from < c.bytes.length) chunks.push({ at: c.at, text: c.bytes.subarray(from).toString('utf8') });
  }
  return { statusCode: prelude.statusCode, headers: prelude.headers ?? {}, body: post.body.subarray(cut + NULS.length).toString('utf8'), chunks };
}

/** Where `npm install --no-save aws-lambda-ric@4` puts it (.ci/run does that in CI). */
export const RIC_DIR = fileURLToPath(new URL('../../node_modules/aws-lambda-ric/', import.meta.url));
/** The runtime's entry: the package's `bin`, which reads _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API. */
export const RIC_ENTRY = `${RIC_DIR}index.mjs`;

/** The installed RIC's version, or why it cannot run (not installed; its native client not built). */
export function ricStatus(): { ok: true; version: string } | { ok: false; why: string } {
  if (!existsSync(`${RIC_DIR}package.json`))
    return { ok: false, why: 'aws-lambda-ric is not installed (it is not a dependency: `npm install --no-save aws-lambda-ric@4.0.2` builds it, see .ci/run)' };
  // Its native client (libcurl + aws-lambda-cpp) is built by its install scripts; without it, it cannot poll.
  if (!existsSync(`${RIC_DIR}rapid-client.node`))
    return { ok: false, why: 'aws-lambda-ric is installed without its native client (rapid-client.node): its build failed or was skipped' };
  const { version } = JSON.parse(readFileSync(`${RIC_DIR}package.json`, 'utf8')) as { version: string };
  return { ok: true, version };
}

/**
 * `describe(name, fn)` when the RIC can run. Otherwise one test: skipped with one stderr line
 * (a clone without it still passes `npm test`), or, with CI set, failing (CI installs it, so a
 * green CI that checked less would mislead), as test/support/shared.ts does for ../shared.
 */
export function describeWithRic(name: string, fn: () => void): void {
  const status = ricStatus();
  if (status.ok) describe(name, fn);
  else describeUnavailable(name, 'needs aws-lambda-ric', status.why, '.ci/run installs it');
}

export interface RicProcess {
  pid: number;
  stdout: string[];
  stderr: string[];
  /** Whether it is still running. */
  alive(): boolean;
  /** Resolves with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the RIC as Lambda starts a function's runtime: a clean environment with what Lambda sets
 * (the RIC refuses an invocation without AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE,
 * LOG_GROUP_NAME, LOG_STREAM_NAME), plus the function's own variables in `env`. `handler` is
 * `_HANDLER` (`file.export`), resolved under `taskRoot`.
 */
export function spawnRic(options: { runtimeApi: string; taskRoot: string; handler: string; env: Record<string, string> }): RicProcess {
  const child: ChildProcess = spawn(process.execPath, [RIC_ENTRY], {
    cwd: options.taskRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: options.taskRoot,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'modelgate',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/modelgate',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      ...options.env,
    },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (b: Buffer) => stdout.push(b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => stderr.push(b.toString('utf8')));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.on('error', () => {
      running = false;
      resolve({ code: null, signal: null });
    });
  });
  return {
    pid: child.pid ?? -1,
    stdout,
    stderr,
    alive: () => running,
    exited,
    async stop(graceMs = 2_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
