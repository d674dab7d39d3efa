/**
 * Building the OpenAI error shape `{"error":{"message","type","code"}}`, which every adapter (and
 * the engine) answers clients with. Messages are scrubbed of anything key-like on the way.
 */
import type { OpenAIErrorBody } from '../openai/wire.js';
import { scrubSecrets } from './scrub.js';

/** OpenAI's `error.type` for a status when the upstream gave none we can use. */
export function errorTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Builds the client-facing error body; the message is scrubbed of anything key-like. */
export function openAIError(message: string, type: string, code: string | null, param?: string | null): OpenAIErrorBody {
  const error: OpenAIErrorBody['error'] = { message: scrubSecrets(message), type, code };
  if (param !== undefined) error.param = param;
  return { error };
}

/** For bodies that are not the vendor's error JSON (HTML from a proxy, plain text, nothing). */
export function genericUpstreamError(status: number): OpenAIErrorBody {
  return openAIError(`The upstream provider returned HTTP ${status} with an unreadable error body.`, errorTypeForStatus(status), null);
}
