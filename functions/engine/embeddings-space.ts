/**
 * The vector-space rule: failing over from one embedding model to another would answer with
 * vectors that cannot be compared with the ones already stored, and nothing in the answer would
 * say so. So on each backend one embedding space serves every embeddings request:
 *
 * - the space is the model (the provider's pinned one, else the client's, after the provider's
 *   model aliases) and the `dimensions` (after the provider's policy defaults and overrides) of one
 *   provider chosen from the config alone (`spaceAnchor`): the first in declared order (groups in
 *   order, providers in list order) with an embeddings API that pins no model or an embedding
 *   model — never whichever provider the eviction state puts first, so an evicted provider cannot
 *   switch the space for a while;
 * - a request is tried only on providers in that space (same model name, same dimensions); the
 *   others are skipped without an attempt, as `name:other-space` in `x-modelgate-attempts`;
 * - providers without an embeddings API (Anthropic, Claude on Vertex, a Messages-only custom host)
 *   are skipped as `name:unsupported`. Neither skip counts against a provider's health.
 */
import type { CompiledBackend, CompiledProvider } from '../model/config.js';
import { vertexModelId } from '../providers/gemini/adapter.js';
import type { EmbeddingsRequest } from '../providers/openai/embeddings-wire.js';
import { embeddingsAdapter } from '../providers/registry.js';
import type { CandidateSkip } from './client-api.js';

export interface EmbeddingSpace {
  model: string | undefined;
  /** undefined: the model's own length. */
  dimensions: number | undefined;
}

/** Google's models are named with or without `models/` / `publishers/google/models/`: one name for the comparison. */
function canonicalModel(provider: CompiledProvider, model: string | undefined): string | undefined {
  if (model === undefined) return undefined;
  return provider.target.kind === 'gemini' || provider.target.kind === 'vertexai' ? vertexModelId(model) : model;
}

/** The space `provider` would embed `req` in. `applyPolicy` is the API's policy step (aliases, defaults, overrides). */
export function embeddingSpace(
  provider: CompiledProvider,
  req: EmbeddingsRequest,
  applyPolicy: (req: EmbeddingsRequest, p: CompiledProvider) => EmbeddingsRequest,
): EmbeddingSpace {
  const applied = applyPolicy(req, provider);
  return { model: canonicalModel(provider, provider.target.model ?? applied.model), dimensions: applied.dimensions };
}

/**
 * Whose space the backend embeds in: the first provider in declared order that pins no model (it
 * embeds with the client's) or pins one named like an embedding model (`embed` in the name:
 * text-embedding-3-small, amazon.titan-embed-text-v2:0, cohere.embed-v4:0, gemini-embedding-001,
 * nova-2-multimodal-embeddings); else the first provider with an embeddings API at all. A backend
 * that also serves chat (`gpt-4o` first) thus embeds with its embedding model, not its chat model.
 */
export function spaceAnchor(servers: readonly CompiledProvider[]): CompiledProvider | undefined {
  return servers.find((p) => p.target.model === undefined || /embed/i.test(p.target.model)) ?? servers[0];
}

const describe = (s: EmbeddingSpace) => `${s.model ?? "the client's model"}${s.dimensions !== undefined ? ` at ${s.dimensions} dimensions` : ''}`;

/** The candidates this embeddings request must skip, by provider id, each with why. */
export function embeddingSkips(
  req: EmbeddingsRequest,
  backend: CompiledBackend,
  order: readonly CompiledProvider[],
  applyPolicy: (req: EmbeddingsRequest, p: CompiledProvider) => EmbeddingsRequest,
): Map<string, CandidateSkip> {
  const serves = (p: CompiledProvider) => embeddingsAdapter(p.target, p.target.model ?? applyPolicy(req, p).model) !== undefined;
  const anchor = spaceAnchor(backend.providers.filter(serves));
  const space = anchor && embeddingSpace(anchor, req, applyPolicy);
  const skips = new Map<string, CandidateSkip>();
  for (const p of order) {
    if (!serves(p)) {
      skips.set(p.id, { word: 'unsupported', reason: `${p.name} (${p.target.kind}) has no embeddings API` });
      continue;
    }
    const own = embeddingSpace(p, req, applyPolicy);
    if (space && (own.model !== space.model || own.dimensions !== space.dimensions)) {
      skips.set(p.id, {
        word: 'other-space',
        reason: `${p.name} embeds with ${describe(own)}, not ${describe(space)} (the space of ${anchor!.name}, the backend's embeddings provider)`,
      });
    }
  }
  return skips;
}
