/**
 * A load-time look at embeddings: a backend whose providers pin embedding models of different
 * names (or ask for different `dimensions`) can serve `/v1/embeddings` from only one of them —
 * the engine never fails over into another vector space (engine/embeddings-space.ts) — so the
 * others would never be tried for embeddings. That is said once, when the config loads, rather
 * than discovered from a request's `x-modelgate-attempts` (`name:other-space`).
 *
 * Only pinned models named like embedding models (`embed` in the name) are compared: a chat model
 * beside them is not an embedding provider, and an unpinned provider embeds with whatever model
 * the client names. No adapter is loaded here (model/ stays free of the provider modules).
 */
import type { CompiledBackend, CompiledProvider } from './config.js';

const EMBEDDING_MODEL = /embed/i;

/** Google's models are written with or without `models/`, `publishers/google/models/`, `google/`. */
function canonical(provider: CompiledProvider, model: string): string {
  if (provider.target.kind !== 'gemini' && provider.target.kind !== 'vertexai') return model;
  const at = model.indexOf('publishers/google/models/');
  if (at >= 0) return model.slice(at + 'publishers/google/models/'.length);
  for (const prefix of ['models/', 'google/']) if (model.startsWith(prefix)) return model.slice(prefix.length);
  return model;
}

/** The `dimensions` a provider's `ai` policy forces (an override) or fills in (a default), as text. */
function policyDimensions(provider: CompiledProvider): string {
  const set = [...(provider.ai.overrides ?? []), ...(provider.ai.defaults ?? [])].find((f) => f.field === 'dimensions');
  return set === undefined ? '' : ` at ${JSON.stringify(set.value)} dimensions`;
}

/** Providers with an embeddings API: all but Anthropic and a `custom` host that speaks only Messages (Claude on Vertex pins a Claude model, never an `embed` one). */
const embeds = (p: CompiledProvider) =>
  p.target.kind !== 'anthropic' && !(p.target.kind === 'custom' && p.target.formats?.Messages !== undefined && p.target.formats.Completions === undefined);

/** One warning per backend whose pinned embedding models disagree; none otherwise. */
export function embeddingSpaceWarnings(backend: CompiledBackend): string[] {
  const spaces = new Map<string, CompiledProvider[]>();
  for (const p of backend.providers) {
    const model = p.target.model;
    if (!embeds(p) || model === undefined || !EMBEDDING_MODEL.test(model)) continue;
    const space = `${canonical(p, model)}${policyDimensions(p)}`;
    spaces.set(space, [...(spaces.get(space) ?? []), p]);
  }
  if (spaces.size < 2) return [];
  const list = (entries: ReadonlyArray<[string, CompiledProvider[]]>) => entries.map(([space, ps]) => `${ps.map((p) => p.name).join(', ')} (${space})`).join('; ');
  const all = [...spaces];
  const why = '(failing over to another model would silently change the vectors): give each embedding model its own backend';
  // The engine's choice (engine/embeddings-space.ts): the first provider that pins no model or an embedding model.
  const anchor = backend.providers.find((p) => embeds(p) && (p.target.model === undefined || EMBEDDING_MODEL.test(p.target.model)));
  if (anchor?.target.model === undefined) {
    return [
      `backend ${backend.id}: its embedding providers pin different models, ${list(all)}; /v1/embeddings follows the client's model (${anchor?.name} pins none), so each is tried only for requests that name its model ${why}`,
    ];
  }
  const [served, ...others] = all;
  return [
    `backend ${backend.id}: its embedding providers disagree on the embedding space; /v1/embeddings is served in the space of ${list([served!])} only, and ${list(others)} will never be tried for embeddings ${why}`,
  ];
}
