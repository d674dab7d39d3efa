/** Error bodies in the OpenAI shape, and the error a client must fix (a 400, no upstream call). Responses in each client API's shape: client-api.ts. */
import type { OpenAIErrorBody } from '../providers/openai/wire.js';
import { openAIError } from '../providers/shared/error-body.js';

/** An error body; the message is scrubbed of anything that looks like a credential. */
export function errorBody(message: string, type: string, code: string | null, param?: string): OpenAIErrorBody {
  return openAIError(message, type, code, param);
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
}
