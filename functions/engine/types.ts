/**
 * The plain request and response every adapter (Node server, Lambda function URL) converts to
 * and from. The engine never sees a socket or a Lambda event.
 */

export interface GatewayRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without `?`, or empty. */
  query: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** Fires when the client goes away or the platform's deadline is near. */
  signal: AbortSignal;
  /** Lambda request id, or one the server made up: joins log lines of one request. */
  id: string;
}

export type ResponseBody = string | AsyncIterable<string>;

/**
 * Where a pumped stream writes (the Node server's response). Pieces come as the upstream's reads
 * arrive, each handed on at once: no promise, generator step or tick per piece, which is what
 * relaying thousands of slow streams at once costs most in Node.
 */
export interface StreamSink {
  /** Writes a piece; false when the client's buffer is full and the source should wait for `onDrain`. */
  write(text: string): boolean;
  /** Calls `resume` once the client took what was written (or never, if the sink gives up on a slow client and cancels). */
  onDrain(resume: () => void): void;
  /** The source wrote its last piece (a normal end, or an error event after a break). Not called after `cancel`. */
  end(): void;
}

export interface PumpHandle {
  /** The client is gone or the answer is let go: stop, and release the upstream. */
  cancel(): void;
}

/**
 * A streamed body that can also push its pieces into a sink. Iterating it and pumping it are
 * alternatives (one or the other, once): a consumer that cannot take pushes iterates, as before.
 */
export interface Pumpable {
  pump(sink: StreamSink): PumpHandle;
}

export function isPumpable(body: ResponseBody): body is AsyncIterable<string> & Pumpable {
  return typeof body === 'object' && typeof (body as Partial<Pumpable>).pump === 'function';
}

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: ResponseBody;
}

/**
 * Takes work that must happen once per request but not before its answer (the log line, the
 * metrics): the server runs it right after the last byte is written, so the client does not wait for it.
 */
export type AfterAnswer = (work: () => void) => void;
