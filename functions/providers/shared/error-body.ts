/**
 * The error shapes modelgate answers clients with: OpenAI's `{"error":{"message","type","code"}}`
 * for chat completions clients, Anthropic's `{"type":"error","error":{"type","message"}}` for
 * Messages clients. Messages are scrubbed of anything key-like on the way.
 */
import type { AnthropicErrorBody } from '../anthropic/wire.js';
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

/**
 * Anthropic's `error.type` for a status, as its API uses them:
 * https://docs.anthropic.com/en/api/errors
 */
export function anthropicErrorTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Anthropic's error body; the message is scrubbed of anything key-like. */
export function anthropicError(message: string, type: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message: scrubSecrets(message) } };
}

/**
 * An OpenAI-shaped error (what the chat adapters produce) for a Messages client: the message is
 * kept, the type is Anthropic's for the status.
 */
export function anthropicErrorFromOpenAI(status: number, body: OpenAIErrorBody): AnthropicErrorBody {
  return anthropicError(body.error.message, anthropicErrorTypeForStatus(status));
}
