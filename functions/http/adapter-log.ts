/**
 * The request log line for what an adapter answers itself, before the engine sees the request
 * (the Node server's 413/431/408/400, the Lambda adapter's unreadable events): every answered
 * request has its line, in the engine's shape.
 */
import { truncate, type Logger } from '../core/log.js';

/** Longest method and path written to a log line: both are whatever the client sent. */
const MAX_LOGGED_METHOD_CHARS = 16;
export const MAX_LOGGED_PATH_CHARS = 256;

/** What the server itself knows about a request it refused before the engine saw it. */
interface RejectedRequest {
  id: string;
  /** As the client sent them, or null when the request line was never parsed. */
  method: string | null;
  path: string | null;
  status: number;
  latencyMs: number | null;
  /** Why, in a few words, for the message (not a field: the fields are the engine's). */
  reason: string;
}

/**
 * One `request` line for a request an adapter answered itself, in the engine's shape (see
 * Engine.requestDone): what only the engine can know (route, backend, provider, model, attempts,
 * tokens, stream end) is null. The method, path and id are the client's words: cut to a bounded
 * length here, and the logger escapes what they hold.
 */
export function logRejected(logger: Logger, r: RejectedRequest): void {
  const method = r.method === null ? null : truncate(r.method, MAX_LOGGED_METHOD_CHARS);
  const path = r.path === null ? null : truncate(r.path, MAX_LOGGED_PATH_CHARS);
  const latencyMs = r.latencyMs === null ? null : Math.round(r.latencyMs);
  logger.log(
    r.status >= 500 ? 'warn' : 'info',
    'request',
    `${method ?? '-'} ${path ?? '-'} ${r.status}${latencyMs === null ? '' : ` ${latencyMs}ms`} (refused before routing: ${r.reason})`,
    {
      requestId: truncate(r.id, MAX_LOGGED_PATH_CHARS),
      method,
      path,
      status: r.status,
      route: null,
      backend: null,
      provider: null,
      model: null,
      attempts: null,
      latencyMs,
      inputTokens: null,
      outputTokens: null,
      streamEnd: null,
    },
  );
}
