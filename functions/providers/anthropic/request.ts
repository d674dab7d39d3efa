/**
 * The Anthropic upstream call for an OpenAI chat completions client: the body is the converted
 * request (conversion/completions-to-messages-request.ts), sent with Anthropic's headers.
 */
import type { UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import type { ChatCompletionRequest } from '../openai/wire.js';
import { resolveModel, upstreamUrl } from '../shared/target.js';
import { RequestNotExpressible } from '../types.js';
import { toMessagesRequest } from '../conversion/completions-to-messages-request.js';

export const ANTHROPIC_VERSION = '2023-06-01';

export function buildAnthropicRequest(req: ChatCompletionRequest, target: ProviderTarget): UpstreamRequest {
  const model = resolveModel(target, req.model);
  if (model === undefined || model === '') {
    throw new RequestNotExpressible(`provider "${target.name}" (anthropic) needs a model: set one on the provider or send \`model\` in the request`, 'model');
  }
  const headers: Record<string, string> = {
    'anthropic-version': ANTHROPIC_VERSION,
    'content-type': 'application/json',
  };
  if (target.apiKey) headers['x-api-key'] = target.apiKey;
  if (req.stream === true) headers.accept = 'text/event-stream';
  return {
    url: upstreamUrl(target, '/messages'),
    headers,
    body: JSON.stringify(toMessagesRequest(req, model)),
  };
}
