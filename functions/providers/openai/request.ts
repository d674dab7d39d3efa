/**
 * OpenAI upstream request: the client already speaks this API, so the body passes through and
 * only the model may change.
 */
import type { UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import type { ChatCompletionRequest } from './wire.js';
import { resolveModel, upstreamUrl } from '../shared/target.js';

export function buildOpenAIRequest(req: ChatCompletionRequest, target: ProviderTarget): UpstreamRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Local OpenAI-compatible servers often run without a key; sending `Bearer undefined` would be worse.
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  if (req.stream === true) headers.accept = 'text/event-stream';

  const model = resolveModel(target, req.model);
  // A spread copy, so the validated request the engine may reuse for a later attempt is untouched.
  const body = model === req.model ? req : { ...req, model };
  return { url: upstreamUrl(target, '/chat/completions'), headers, body: JSON.stringify(body) };
}
