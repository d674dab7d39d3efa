/**
 * Anthropic token counting (`POST /v1/messages/count_tokens`) as a client API — what the official
 * SDK's `client.messages.countTokens()` calls: parsed at the edge (count-tokens-request.ts), sent
 * to Anthropic (passthrough), Bedrock (its CountTokens API) or Claude on Vertex AI
 * (`count-tokens:rawPredict`), answered `{"input_tokens": N}`, errors in Anthropic's shape. Never
 * streamed. Providers that cannot count (OpenAI-shaped, Gemini, custom hosts) are skipped as
 * `name:unsupported`; failover, eviction and the served-by headers are the engine's.
 */
import type { CompiledProvider } from '../model/config.js';
import type { CountTokensRequest } from '../providers/anthropic/count-tokens.js';
import type { MessagesApiRequest } from '../providers/anthropic/wire.js';
import { countTokensAdapter } from '../providers/registry.js';
import type { ProviderAdapter } from '../providers/types.js';
import { applyMessagesAiPolicy } from './ai-policy.js';
import { messagesApi, type CandidateSkip, type ClientApiSpec } from './client-api.js';
import { GENERATION_ONLY_FIELDS, parseCountTokensRequest } from './count-tokens-request.js';
import type { AiSettings } from '../model/config.js';

/**
 * `policies.ai` as for Messages (aliases, prompts — the prompts are part of what the model would
 * read, so they count), without the generation fields a policy's defaults or overrides may set
 * (`max_tokens`, `temperature`, ...): token counting refuses them.
 */
export function applyCountTokensAiPolicy(req: CountTokensRequest, ai: AiSettings): CountTokensRequest {
  const applied = applyMessagesAiPolicy(req as MessagesApiRequest, ai) as Record<string, unknown>;
  if (applied === (req as unknown)) return req;
  for (const field of GENERATION_ONLY_FIELDS) delete applied[field];
  return applied as CountTokensRequest;
}

function countTokensSkips(req: CountTokensRequest, order: readonly CompiledProvider[]): Map<string, CandidateSkip> {
  const skips = new Map<string, CandidateSkip>();
  for (const p of order) {
    const model = p.target.model ?? applyCountTokensAiPolicy(req, p.ai).model;
    if (countTokensAdapter(p.target, model) === undefined) {
      const why =
        p.target.kind === 'vertexai' ? `${p.name} (vertexai ${model}) counts tokens for Claude models only` : `${p.name} (${p.target.kind}) has no Anthropic token counting`;
      skips.set(p.id, { word: 'unsupported', reason: why });
    }
  }
  return skips;
}

export const countTokensApi: ClientApiSpec<CountTokensRequest> = {
  name: 'count_tokens',
  parse: parseCountTokensRequest,
  applyAiPolicy: applyCountTokensAiPolicy,
  model: (req) => req.model,
  stream: () => false,
  includeUsage: () => false,
  adapter(target) {
    // Providers that cannot count never get here: `skips` leaves them out of the attempts.
    const adapter = countTokensAdapter(target, undefined);
    if (!adapter) throw new Error(`provider ${target.name} (${target.kind}) has no token counting adapter`);
    return adapter as ProviderAdapter<CountTokensRequest, unknown, unknown>;
  },
  errorBody: messagesApi.errorBody,
  streamError: messagesApi.streamError,
  skips: (req, _backend, order) => countTokensSkips(req, order),
};
