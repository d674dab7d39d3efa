/**
 * Anthropic's token counting (`POST /v1/messages/count_tokens`): a Messages request without
 * `max_tokens`, answered with `{"input_tokens": N}`. At Anthropic itself the request passes
 * straight through (only the model may change; the client's `anthropic-beta` goes along), and so
 * do the answer and the errors.
 * https://docs.anthropic.com/en/api/messages-count-tokens
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import { isRecord } from '../../core/json.js';
import { requireModel, upstreamUrl } from '../shared/target.js';
import type { ProviderAdapter, StreamTranslator, UpstreamRequest } from '../types.js';
import { passthroughAnthropicError } from './passthrough.js';
import { ANTHROPIC_VERSION } from './request.js';
import type { AnthropicErrorBody, MessagesApiRequest } from './wire.js';

/** A Messages request as token counting takes it: no `max_tokens`, no `stream`. */
export interface CountTokensRequest {
  model?: string;
  messages: MessagesApiRequest['messages'];
  system?: MessagesApiRequest['system'];
  tools?: MessagesApiRequest['tools'];
  tool_choice?: MessagesApiRequest['tool_choice'];
  thinking?: MessagesApiRequest['thinking'];
  [field: string]: unknown;
}

export interface CountTokensResponse {
  input_tokens: number;
  [field: string]: unknown;
}

export type CountTokensAdapter = ProviderAdapter<CountTokensRequest, CountTokensResponse, AnthropicErrorBody>;

/** Token counts are never streamed; the engine never asks (the API's `stream` is false). */
export function noCountTokensStream(): StreamTranslator {
  throw new Error('token counts are never streamed');
}

/** The client's `anthropic-beta`, for the vendors that take it. */
export function clientBeta(headers: Readonly<Record<string, string>> | undefined): string | undefined {
  return headers?.['anthropic-beta'];
}

/** `{"input_tokens": N}` (Bedrock's `inputTokens` is read by its own adapter), checked. */
export function readInputTokens(body: unknown, field: 'input_tokens' | 'inputTokens' = 'input_tokens'): number {
  const n = isRecord(body) ? body[field] : undefined;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`no \`${field}\` count in the answer`);
  return n;
}

/** `{pathPrefix or /v1}/messages/count_tokens`; a provider whose `path` names its Messages endpoint keeps it: `.../messages/count_tokens`. */
export function countTokensUrl(target: ProviderTarget): string {
  if (target.path !== undefined && /\/messages$/.test(target.path)) return `${target.baseUrl}${target.path}/count_tokens`;
  return upstreamUrl({ ...target, path: undefined }, '/messages/count_tokens');
}

export const anthropicCountTokens: CountTokensAdapter = {
  streamFormat: 'sse',
  buildRequest(req, target, context): UpstreamRequest {
    const model = requireModel(target, req.model);
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' };
    if (target.apiKey) headers['x-api-key'] = target.apiKey;
    const beta = clientBeta(context?.headers);
    if (beta !== undefined) headers['anthropic-beta'] = beta;
    const body = model === req.model ? req : { ...req, model };
    return { url: countTokensUrl(target), headers, body: JSON.stringify(body) };
  },
  translateResponse(body, sentModel) {
    readInputTokens(body);
    return { body: body as CountTokensResponse, model: sentModel };
  },
  streamTranslator: noCountTokensStream,
  translateError: passthroughAnthropicError,
};
