/** Reading the OpenAI error shape from OpenAI-compatible upstreams, in plain answers and in streams. */
import type { OpenAIErrorBody } from './wire.js';
import type { StreamFailure } from '../types.js';
import { scrubSecrets } from '../shared/scrub.js';
import { errorTypeForStatus, genericUpstreamError, openAIError } from '../shared/error-body.js';
import { asRecord } from '../../core/json.js';

/**
 * OpenAI `error.code` / `error.type` values (and a few that OpenAI-compatible servers use) -> the
 * HTTP status the same error has as a plain response. Used for errors that arrive inside a 200
 * stream, where only the body tells us what went wrong.
 */
const STATUS_BY_ERROR_NAME: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  context_length_exceeded: 400,
  invalid_api_key: 401,
  authentication_error: 401,
  permission_error: 403,
  permission_denied: 403,
  not_found_error: 404,
  model_not_found: 404,
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  insufficient_quota: 429,
  tokens: 429,
  requests: 429,
  server_error: 500,
  api_error: 500,
  overloaded_error: 529,
  service_unavailable: 503,
  timeout: 504,
};

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
}

/** The status an OpenAI-style error object stands for: its code, then its type, else 500. */
export function statusForOpenAIError(error: Record<string, unknown>): number {
  // Some compatible servers (OpenRouter, vLLM) put the HTTP status itself in `code`.
  if (isHttpStatus(error.code)) return error.code;
  for (const name of [error.code, error.type]) {
    const status = typeof name === 'string' ? STATUS_BY_ERROR_NAME[name] : undefined;
    if (status !== undefined) return status;
  }
  return 500;
}

/** `{"error":{...}}` inside a stream -> the failure the engine reports. */
export function streamFailureFromOpenAIError(body: Record<string, unknown>): StreamFailure | undefined {
  const error = asRecord(body.error);
  if (!error) return undefined;
  const status = statusForOpenAIError(error);
  const type = typeof error.type === 'string' ? error.type : errorTypeForStatus(status);
  const message = typeof error.message === 'string' ? error.message : 'The upstream provider reported an error.';
  return { status, type, message: scrubSecrets(message) };
}

/** A non-2xx body from an OpenAI(-compatible) upstream, normalised to exactly the OpenAI shape. */
export function translateOpenAIError(status: number, body: string): OpenAIErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return genericUpstreamError(status);
  }
  const error = asRecord(asRecord(parsed)?.error);
  if (!error || typeof error.message !== 'string') return genericUpstreamError(status);
  const type = typeof error.type === 'string' ? error.type : errorTypeForStatus(status);
  const code = typeof error.code === 'string' ? error.code : typeof error.code === 'number' ? String(error.code) : null;
  const param = typeof error.param === 'string' || error.param === null ? error.param : undefined;
  return openAIError(error.message, type, code, param);
}
