/**
 * A stand-in for what the Lambda Node.js runtime gives a response-streaming function: the
 * `awslambda` global (`streamifyResponse`, `HttpResponseStream.from`) and a response stream that
 * records what the runtime would send — the JSON prelude, 8 NUL bytes, then the body, chunk by
 * chunk — so tests can check both the HTTP head and that a stream really streamed.
 *
 * It follows what AWS's runtime client (aws-lambda-ric, run against a loopback Runtime API in
 * lambda-ric.test.ts) does, not a reading of the docs: the prelude goes out at the first
 * `write()` (an `end(body)` with no write before sends no prelude at all), `from()` after a write
 * is an error, and a handler that resolves without ending its stream never finishes.
 */
import { Writable } from 'node:stream';

export interface RecordedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /** Body chunks in arrival order, with the ms since the invocation started. */
  chunks: Array<{ at: number; text: string }>;
}

const NULS = Buffer.alloc(8);

class ResponseRecorder extends Writable {
  readonly raw: Buffer[] = [];
  readonly times: number[] = [];
  /** Set by `HttpResponseStream.from`; written before the first `write()`, as the runtime does. */
  beforeFirstWrite: (() => void) | undefined;
  wroteOnce = false;
  constructor(private readonly started: number) {
    super();
  }
  override write(chunk: unknown, ...rest: unknown[]): boolean {
    if (!this.wroteOnce) {
      this.wroteOnce = true;
      const hook = this.beforeFirstWrite;
      this.beforeFirstWrite = undefined;
      hook?.();
    }
    return (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (b.length > 0) {
      this.raw.push(b);
      this.times.push(Date.now() - this.started);
    }
    done();
  }
}

export function installAwsLambdaGlobal(): void {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: (fn: unknown) => fn,
    HttpResponseStream: {
      from(stream: Writable, prelude: { statusCode?: number; headers?: Record<string, string> }) {
        const recorder = stream as ResponseRecorder;
        if (recorder.wroteOnce) throw new Error('Runtime.InvalidStreamingOperation: HttpResponseStream.from after the first write');
        // As the runtime does: the prelude as JSON, then eight NUL bytes, then the body — sent
        // when the handler first writes, not now.
        recorder.beforeFirstWrite = () => {
          (Writable.prototype.write as (this: Writable, chunk: unknown) => boolean).call(recorder, JSON.stringify(prelude));
          (Writable.prototype.write as (this: Writable, chunk: unknown) => boolean).call(recorder, NULS);
        };
        return stream;
      },
    },
  };
}

export type StreamingHandler = (event: unknown, responseStream: Writable, context: unknown) => Promise<void>;

export function lambdaContext(requestId: string, remainingMs = 30_000) {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: requestId, functionName: 'modelgate', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** Invokes the handler as the runtime would and decodes what it wrote. */
export async function invoke(handler: StreamingHandler, event: unknown, context = lambdaContext(`req-${Math.random().toString(36).slice(2)}`)): Promise<RecordedResponse> {
  const started = Date.now();
  const recorder = new ResponseRecorder(started);
  await handler(event, recorder, context);
  // The runtime waits for the stream to finish; one never ended would hang the invocation.
  if (!recorder.writableFinished) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the handler resolved without ending its response stream (the runtime would wait until the timeout)')), 5_000);
      recorder.once('finish', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const all = Buffer.concat(recorder.raw);
  const cut = all.indexOf(NULS);
  if (cut < 0) throw new Error(`no prelude in the response: ${all.toString('utf8').slice(0, 200)}`);
  const prelude = JSON.parse(all.subarray(0, cut).toString('utf8')) as { statusCode: number; headers?: Record<string, string> };
  // Chunks after the prelude and its NULs are the body as the client receives it.
  const chunks: Array<{ at: number; text: string }> = [];
  let seen = 0;
  recorder.raw.forEach((b, i) => {
    const start = seen;
    seen += b.length;
    const from = Math.max(0, cut + NULS.length - start);
    if (from < b.length) chunks.push({ at: recorder.times[i]!, text: b.subarray(from).toString('utf8') });
  });
  return { statusCode: prelude.statusCode, headers: prelude.headers ?? {}, body: all.subarray(cut + NULS.length).toString('utf8'), chunks };
}

/** A function URL event (payload format 2.0), as AWS delivers a POST with a JSON body. */
export function functionUrlEvent(method: string, path: string, body?: unknown, options: { base64?: boolean; headers?: Record<string, string> } = {}) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'abc123.lambda-url.us-east-1.on.aws', ...options.headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.us-east-1.on.aws',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: `evt-${Math.random().toString(36).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(text !== undefined && { body: options.base64 ? Buffer.from(text).toString('base64') : text, isBase64Encoded: options.base64 === true }),
  };
}

/** The environment the handler reads at import: its table, and the AWS endpoints on loopback. */
export function useLambdaEnv(table: string, endpoints: { dynamodb: string; secretsManager: string }, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    MODELGATE_TABLE: table,
    MODELGATE_STATE_STALENESS_MS: '0',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    ...extra,
  });
}

/**
 * Keeps what the handler writes to stderr (its JSON log lines) and drops the EMF documents it
 * writes to stdout, until `restore()`.
 */
export function captureHandlerOutput(logs: string[] = []): { logs: string[]; restore(): void } {
  const writeStderr = process.stderr.write.bind(process.stderr);
  const writeStdout = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return (writeStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    String(chunk).startsWith('{"_aws"') ? true : (writeStdout as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  return {
    logs,
    restore() {
      process.stderr.write = writeStderr;
      process.stdout.write = writeStdout;
    },
  };
}
