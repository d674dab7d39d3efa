/**
 * Anthropic errors -> OpenAI errors. Anthropic's body is `{"type":"error","error":{"type","message"}}`;
 * the client expects `{"error":{"message","type","code"}}`.
 */
import type { OpenAIErrorBody } from '../openai/wire.js';
import type { StreamFailure } from '../types.js';
import { errorTypeForStatus, genericUpstreamError, openAIError } from '../shared/error-body.js';
import { scrubSecrets } from '../shared/scrub.js';
import type { ErrorDetail } from './wire.js';

interface ErrorMapping {
  /** The HTTP status Anthropic uses for this type (needed for errors inside a 200 stream). */
  status: number;
  /** The closest OpenAI `error.type`. */
  type: string;
  /** The closest OpenAI `error.code`, where OpenAI has one for the same situation. */
  code: string | null;
}

/**
 * | Anthropic `error.type` | status | OpenAI `type`          | OpenAI `code`        |
 * |------------------------|--------|-----------------------|----------------------|
 * | invalid_request_error  | 400    | invalid_request_error | null                 |
 * | authentication_error   | 401    | authentication_error  | invalid_api_key      |
 * | permission_error       | 403    | permission_error      | null                 |
 * | not_found_error        | 404    | not_found_error       | null                 |
 * | request_too_large      | 413    | invalid_request_error | request_too_large    |
 * | rate_limit_error       | 429    | rate_limit_error      | rate_limit_exceeded  |
 * | api_error              | 500    | server_error          | null                 |
 * | timeout_error          | 504    | server_error          | timeout              |
 * | overloaded_error       | 529    | server_error          | overloaded           |
 */
const ERROR_TABLE: Readonly<Record<string, ErrorMapping>> = {
  invalid_request_error: { status: 400, type: 'invalid_request_error', code: null },
  authentication_error: { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
  permission_error: { status: 403, type: 'permission_error', code: null },
  not_found_error: { status: 404, type: 'not_found_error', code: null },
  request_too_large: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit_error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  api_error: { status: 500, type: 'server_error', code: null },
  timeout_error: { status: 504, type: 'server_error', code: 'timeout' },
  overloaded_error: { status: 529, type: 'server_error', code: 'overloaded' },
};

/** Reads `{"type":"error","error":{...}}`; undefined for anything else. */
export function parseAnthropicError(body: string): ErrorDetail | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, message } = error as Record<string, unknown>;
  if (typeof type !== 'string' || typeof message !== 'string') return undefined;
  return { type, message };
}

export function translateAnthropicError(status: number, body: string): OpenAIErrorBody {
  const error = parseAnthropicError(body);
  if (!error) return genericUpstreamError(status);
  const mapping = ERROR_TABLE[error.type];
  return mapping ? openAIError(error.message, mapping.type, mapping.code) : openAIError(error.message, errorTypeForStatus(status), null);
}

/** An `event: error` in a 200 stream: the status is what the same error would have returned. */
export function streamFailure(error: Partial<ErrorDetail> | undefined): StreamFailure {
  const type = typeof error?.type === 'string' ? error.type : 'api_error';
  const message = typeof error?.message === 'string' ? error.message : 'The upstream provider reported an error.';
  return { status: ERROR_TABLE[type]?.status ?? 500, type, message: scrubSecrets(message) };
}
