/**
 * OpenAI embeddings (`POST /v1/embeddings`) as a client API: parsed at the edge
 * (embeddings-request.ts), sent to each provider kind by its embeddings adapter (the registry's
 * `embeddingsAdapter`), answered in OpenAI's list shape with usage, errors in OpenAI's shape.
 * Never streamed. Failover, eviction and the served-by headers are the engine's, as for chat —
 * restricted to the backend's one embedding space (embeddings-space.ts).
 */
import type { AiSettings, CompiledProvider } from '../model/config.js';
import type { EmbeddingsRequest } from '../providers/openai/embeddings-wire.js';
import { embeddingsAdapter } from '../providers/registry.js';
import type { ProviderAdapter } from '../providers/types.js';
import { chatApi, type ClientApiSpec } from './client-api.js';
import { parseEmbeddingsRequest } from './embeddings-request.js';
import { embeddingSkips } from './embeddings-space.js';

/**
 * `policies.ai` for an embeddings request: model aliases, defaults and overrides (`dimensions`,
 * a vendor extension); prompts have nothing to attach to and do not apply. Copies only when a policy applies.
 */
export function applyEmbeddingsAiPolicy(req: EmbeddingsRequest, ai: AiSettings): EmbeddingsRequest {
  const alias = req.model !== undefined ? ai.modelAliases?.[req.model] : undefined;
  if (alias === undefined && !ai.defaults && !ai.overrides) return req;
  const out: EmbeddingsRequest = { ...req };
  if (alias !== undefined) out.model = alias;
  for (const { field, value } of ai.defaults ?? []) if (out[field] === undefined) out[field] = value;
  for (const { field, value } of ai.overrides ?? []) out[field] = value;
  return out;
}

const policyOf = (req: EmbeddingsRequest, p: CompiledProvider) => applyEmbeddingsAiPolicy(req, p.ai);

export const embeddingsApi: ClientApiSpec<EmbeddingsRequest> = {
  name: 'embeddings',
  parse: parseEmbeddingsRequest,
  applyAiPolicy: applyEmbeddingsAiPolicy,
  model: (req) => req.model,
  stream: () => false,
  includeUsage: () => false,
  adapter(target) {
    // Providers without embeddings never get here: `skips` leaves them out of the attempts.
    const adapter = embeddingsAdapter(target, undefined);
    if (!adapter) throw new Error(`provider ${target.name} (${target.kind}) has no embeddings adapter`);
    return adapter as ProviderAdapter<EmbeddingsRequest, unknown, unknown>;
  },
  errorBody: chatApi.errorBody,
  streamError: chatApi.streamError,
  skips: (req, backend, order) => embeddingSkips(req, backend, order, policyOf),
};
