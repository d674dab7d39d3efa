/** Errors in the OpenAI shape `{"error":{"message","type","code"}}`, which every OpenAI client parses. */
import type { OpenAIErrorBody } from '../providers/openai/wire.js';
import { openAIError } from '../providers/shared/error-body.js';
import type { GatewayResponse } from './types.js';

/** An error body; the message is scrubbed of anything that looks like a credential. */
export function errorBody(message: string, type: string, code: string | null, param?: string): OpenAIErrorBody {
  return openAIError(message, type, code, param);
}

export function errorResponse(
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
  param?: string,
): GatewayResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(errorBody(message, type, code, param)),
  };
}

/** A request the client must fix: 400, and no upstream call. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly param?: string,
    readonly status = 400,
    readonly code: string = 'invalid_request',
  ) {
    super(message);
    this.name = 'BadRequest';
  }
  toResponse(): GatewayResponse {
    return errorResponse(this.status, this.message, 'invalid_request_error', this.code, {}, this.param);
  }
}
