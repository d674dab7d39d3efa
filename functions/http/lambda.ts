/**
 * The Lambda function URL adapter (payload format 2.0, invoke mode RESPONSE_STREAM): event in,
 * GatewayRequest to the engine, and a response middy can stream — a string for buffered answers,
 * a Readable for event streams, written chunk by chunk as the upstream produces them.
 */
import { Readable } from 'node:stream';
import { MAX_REQUEST_BODY } from '../engine/engine.js';
import { isPumpable, type GatewayRequest, type GatewayResponse, type PumpHandle, type Pumpable } from '../engine/types.js';
import { isRecord } from '../core/json.js';

export interface LambdaContextLike {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export interface StreamingResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string | Readable;
}

/** Time kept back from the invocation's deadline to finish the response and log it. */
const DEADLINE_MARGIN_MS = 1_000;

/** An event the adapter answers itself, before the engine sees it: what to answer and to log. */
interface RefusedEvent {
  status: number;
  message: string;
  code: string;
  /** For the log line, in a few words. */
  reason: string;
  /** As the event gave them, when it did (for the log line and the error's shape). */
  method: string | null;
  path: string;
  id: string;
}

type ConvertedEvent = { ok: true; request: GatewayRequest; dispose: () => void } | { ok: false; refused: RefusedEvent };

/** A field of the event that is not what a function URL sends. */
class BadEvent extends Error {}

/**
 * The event as a GatewayRequest, or why it cannot be one. The event is whatever invoked the
 * function (a function URL, but also a test event, another service, a hand-written `aws lambda
 * invoke`), so nothing in it is trusted to have the documented types: a field of the wrong type
 * is a 400, never a throw out of the handler.
 */
export function toGatewayRequest(event: unknown, context: LambdaContextLike, maxBodyBytes: number = MAX_REQUEST_BODY): ConvertedEvent {
  const contextId = typeof context?.awsRequestId === 'string' ? context.awsRequestId : undefined;
  if (!isRecord(event)) {
    return {
      ok: false,
      refused: badEvent(
        `The request event is ${event === null ? 'null' : `a${Array.isArray(event) ? 'n array' : ` ${typeof event}`}`}, not a function URL event.`,
        null,
        '/',
        contextId ?? 'unknown',
      ),
    };
  }
  // Read leniently first, for the error's shape and the log line; checked strictly below.
  const requestContext = isRecord(event.requestContext) ? event.requestContext : undefined;
  const http = requestContext && isRecord(requestContext.http) ? requestContext.http : undefined;
  const id = contextId ?? stringOr(requestContext?.requestId) ?? 'unknown';
  const path = stringOr(event.rawPath) ?? stringOr(http?.path) ?? '/';
  const method = stringOr(http?.method) ?? null;
  let request: Omit<GatewayRequest, 'signal'>;
  try {
    request = {
      method: optionalString(http?.method, 'requestContext.http.method') ?? 'GET',
      path: optionalString(event.rawPath, 'rawPath') ?? optionalString(http?.path, 'requestContext.http.path') ?? '/',
      query: optionalString(event.rawQueryString, 'rawQueryString') ?? '',
      headers: headersOf(event.headers, event.cookies),
      body: new Uint8Array(0),
      id,
    };
    const base64 = event.isBase64Encoded ?? false;
    if (typeof base64 !== 'boolean') throw new BadEvent('isBase64Encoded is not a boolean');
    const body = optionalString(event.body, 'body');
    if (body !== undefined) {
      // Sizes first, from the text's length alone: a huge body is refused before it is decoded.
      const size = base64 ? base64Size(body) : Buffer.byteLength(body, 'utf8');
      if (size > maxBodyBytes) {
        return {
          ok: false,
          refused: {
            status: 413,
            message: `The request body is larger than ${maxBodyBytes} bytes.`,
            code: 'request_too_large',
            reason: `body over ${maxBodyBytes} bytes`,
            method,
            path,
            id,
          },
        };
      }
      const bytes = base64 ? decodeBase64(body) : Buffer.from(body, 'utf8');
      if (!bytes) throw new BadEvent('the body is marked base64 but is not valid base64');
      request.body = bytes;
    }
  } catch (error) {
    if (error instanceof BadEvent) return { ok: false, refused: badEvent(`The request event is not a valid function URL event: ${error.message}.`, method, path, id) };
    throw error;
  }
  // Upstream calls are cut before the invocation runs out, so the client gets an answer, not a dropped stream.
  const controller = new AbortController();
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const timer =
    remaining === undefined ? undefined : setTimeout(() => controller.abort(new Error('the Lambda invocation is about to time out')), Math.max(0, remaining - DEADLINE_MARGIN_MS));
  timer?.unref?.();
  return {
    ok: true,
    request: { ...request, signal: controller.signal },
    dispose: () => {
      if (timer) clearTimeout(timer);
    },
  };
}

function badEvent(message: string, method: string | null, path: string, id: string): RefusedEvent {
  return { status: 400, message, code: 'invalid_event', reason: 'malformed event', method, path, id };
}

const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A string field; absent (undefined, or null as some event sources write it) is undefined. */
function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadEvent(`${name} is not a string`);
  return value;
}

/**
 * Lower-cased headers, and the cookies: payload format 2.0 moves every `Cookie` header out of
 * `headers` into `cookies` (one `name=value` per entry). They go back into one `cookie` header,
 * as a client sent them, so a client key sent in a cookie is found.
 */
function headersOf(raw: unknown, cookies: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (raw !== undefined && raw !== null) {
    if (!isRecord(raw)) throw new BadEvent('headers is not an object');
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new BadEvent(`the value of header ${JSON.stringify(name.slice(0, 64))} is not a string`);
      headers[name.toLowerCase()] = value;
    }
  }
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string')) throw new BadEvent('cookies is not a list of strings');
    if (cookies.length > 0) {
      const joined = (cookies as string[]).join('; ');
      headers.cookie = headers.cookie ? `${headers.cookie}; ${joined}` : joined;
    }
  }
  return headers;
}

/** The decoded size of base64 text, from its length (padding excluded). */
function base64Size(text: string): number {
  return Math.floor(((text.length - padding(text)) * 3) / 4);
}

function padding(text: string): number {
  if (text.length % 4 !== 0) return 0;
  return text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
}

/**
 * Strict base64: Buffer.from skips characters outside the alphabet (and stops at a stray `=`),
 * so an invalid body would decode to fewer bytes than its length promises. That is how it is
 * told apart, without a pass of our own over a body of megabytes. (Node also takes the URL-safe
 * alphabet's `-` and `_`, which decode unambiguously.)
 */
function decodeBase64(text: string): Buffer | undefined {
  const unpadded = text.length - padding(text);
  if (unpadded % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === base64Size(text) ? bytes : undefined;
}

export function toStreamingResult(res: GatewayResponse, onEnd: () => void): StreamingResult {
  if (typeof res.body === 'string') {
    onEnd();
    return { statusCode: res.status, headers: res.headers, body: res.body };
  }
  const readable = isPumpable(res.body) ? pumpedReadable(res.body) : Readable.from(res.body, { objectMode: false });
  readable.once('close', onEnd);
  return { statusCode: res.status, headers: res.headers, body: readable };
}

/**
 * A pumped stream (engine/stream-relay.ts) as the Readable the Lambda runtime takes: each upstream
 * read's piece is pushed as it arrives, with no promise per piece. A full buffer pauses the upstream
 * until the runtime reads again; destroying the Readable (the runtime's stream failed or closed) lets go of it.
 */
function pumpedReadable(body: Pumpable): Readable {
  let resume: (() => void) | undefined;
  let handle: PumpHandle | undefined;
  let ended = false;
  const readable = new Readable({
    read() {
      const go = resume;
      resume = undefined;
      go?.();
    },
    destroy(error, callback) {
      if (!ended) handle?.cancel();
      callback(error);
    },
  });
  handle = body.pump({
    write: (text) => readable.push(text),
    onDrain: (go) => {
      resume = go;
    },
    end: () => {
      ended = true;
      readable.push(null);
    },
  });
  return readable;
}
