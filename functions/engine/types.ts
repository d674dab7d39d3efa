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
