/**
 * Google API errors -> OpenAI errors. Google's body is
 * `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}`
 * (https://cloud.google.com/apis/design/errors); the HTTP status is the code, and `status` names it.
 */
import type { OpenAIErrorBody } from '../openai/wire.js';
import type { StreamFailure } from '../types.js';
import { errorTypeForStatus, genericUpstreamError, openAIError } from '../shared/error-body.js';
import { scrubSecrets } from '../shared/scrub.js';

interface Mapping {
  status: number;
  type: string;
  code: string | null;
}

/**
 * | Google `status`      | HTTP | OpenAI `type`         | OpenAI `code`       |
 * |----------------------|------|-----------------------|---------------------|
 * | INVALID_ARGUMENT     | 400  | invalid_request_error | null                |
 * | FAILED_PRECONDITION  | 400  | invalid_request_error | null                |
 * | OUT_OF_RANGE         | 400  | invalid_request_error | null                |
 * | UNAUTHENTICATED      | 401  | authentication_error  | invalid_api_key     |
 * | PERMISSION_DENIED    | 403  | permission_error      | null                |
 * | NOT_FOUND            | 404  | not_found_error       | model_not_found     |
 * | RESOURCE_EXHAUSTED   | 429  | rate_limit_error      | rate_limit_exceeded |
 * | CANCELLED            | 499  | server_error          | null                |
 * | INTERNAL             | 500  | server_error          | null                |
 * | UNAVAILABLE          | 503  | server_error          | service_unavailable |
 * | DEADLINE_EXCEEDED    | 504  | server_error          | timeout             |
 */
const BY_STATUS_NAME: Readonly<Record<string, Mapping>> = {
  INVALID_ARGUMENT: { status: 400, type: 'invalid_request_error', code: null },
  FAILED_PRECONDITION: { status: 400, type: 'invalid_request_error', code: null },
  OUT_OF_RANGE: { status: 400, type: 'invalid_request_error', code: null },
  UNAUTHENTICATED: { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
  PERMISSION_DENIED: { status: 403, type: 'permission_error', code: null },
  NOT_FOUND: { status: 404, type: 'not_found_error', code: 'model_not_found' },
  RESOURCE_EXHAUSTED: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  CANCELLED: { status: 499, type: 'server_error', code: null },
  INTERNAL: { status: 500, type: 'server_error', code: null },
  UNKNOWN: { status: 500, type: 'server_error', code: null },
  UNAVAILABLE: { status: 503, type: 'server_error', code: 'service_unavailable' },
  DEADLINE_EXCEEDED: { status: 504, type: 'server_error', code: 'timeout' },
};

/** The HTTP status a Google `status` name stands for (errors inside a stream have no HTTP status of their own). */
function statusForGoogleStatus(name: string | undefined, code?: number): number {
  if (typeof code === 'number' && code >= 400 && code <= 599) return code;
  return (name !== undefined ? BY_STATUS_NAME[name]?.status : undefined) ?? 500;
}

interface GoogleErrorDetail {
  code?: unknown;
  message?: unknown;
  status?: unknown;
  details?: unknown;
}

function readError(body: unknown): GoogleErrorDetail | undefined {
  // Vertex sometimes wraps the error in a one-element array.
  const root = Array.isArray(body) ? body[0] : body;
  const error = (root as { error?: unknown } | null)?.error;
  return typeof error === 'object' && error !== null ? (error as GoogleErrorDetail) : undefined;
}

/** Google reports a bad API key as 400 INVALID_ARGUMENT with reason API_KEY_INVALID: an authentication error to the client. */
function keyInvalid(details: unknown): boolean {
  return Array.isArray(details) && details.some((d) => typeof d === 'object' && d !== null && (d as { reason?: unknown }).reason === 'API_KEY_INVALID');
}

export function translateGoogleError(status: number, body: string): OpenAIErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return genericUpstreamError(status);
  }
  const error = readError(parsed);
  if (!error || typeof error.message !== 'string') return genericUpstreamError(status);
  if (keyInvalid(error.details)) return openAIError(error.message, 'authentication_error', 'invalid_api_key');
  const mapping = typeof error.status === 'string' ? BY_STATUS_NAME[error.status] : undefined;
  return mapping ? openAIError(error.message, mapping.type, mapping.code) : openAIError(error.message, errorTypeForStatus(status), null);
}

/** `{"error":{...}}` as a chunk of a 200 stream -> the failure the engine reports. */
export function streamFailureFromGoogleError(chunk: Record<string, unknown>): StreamFailure | undefined {
  const error = readError(chunk);
  if (!error) return undefined;
  const name = typeof error.status === 'string' ? error.status : undefined;
  const status = statusForGoogleStatus(name, typeof error.code === 'number' ? error.code : undefined);
  const message = typeof error.message === 'string' ? error.message : 'The upstream provider reported an error.';
  return { status, type: name ?? errorTypeForStatus(status), message: scrubSecrets(message) };
}
