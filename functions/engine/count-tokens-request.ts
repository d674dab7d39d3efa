/**
 * Parses and checks an Anthropic token-counting body (`POST /v1/messages/count_tokens`) at the
 * edge: a Messages request without `max_tokens` and `stream` (Anthropic refuses them here, and so
 * does modelgate, with the same words), checked as a Messages request is — so a malformed one is a
 * 400 in Anthropic's error shape and never reaches a provider.
 */
import type { CountTokensRequest } from '../providers/anthropic/count-tokens.js';
import { parseJsonBody } from './chat-request.js';
import { BadRequest } from './errors.js';
import { parseMessagesRequest } from './messages-request.js';
import { isRecord } from '../core/json.js';

/** Fields of a Messages request that generation takes and token counting does not. */
export const GENERATION_ONLY_FIELDS = ['max_tokens', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata', 'service_tier'] as const;

export function parseCountTokensRequest(body: Uint8Array): CountTokensRequest {
  const raw = parseJsonBody(body);
  if (!isRecord(raw)) throw new BadRequest('The request body must be a JSON object.', undefined, 400, 'invalid_request');
  for (const field of GENERATION_ONLY_FIELDS) {
    if (raw[field] !== undefined) throw new BadRequest(`${field}: Extra inputs are not permitted`, field, 400, 'invalid_request');
  }
  if (raw.model === undefined || raw.model === null) throw new BadRequest('model: Field required', 'model', 400, 'invalid_request');
  // The Messages checks, on the same object with the one field they require and counting has not.
  const checked = parseMessagesRequest(Buffer.from(JSON.stringify({ ...raw, max_tokens: 1 }), 'utf8'));
  const { max_tokens: _maxTokens, ...request } = checked;
  return request as CountTokensRequest;
}
