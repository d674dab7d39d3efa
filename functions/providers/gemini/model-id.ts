/**
 * Google's model names on Vertex AI, apart from the adapter: the engine's embedding-space rule
 * compares them without loading Gemini's translation.
 */

/** Vertex names Google's models as `publishers/google/models/{id}`; clients may send any of its prefixes. */
export function vertexModelId(model: string): string {
  const at = model.indexOf('publishers/google/models/');
  if (at >= 0) return model.slice(at + 'publishers/google/models/'.length);
  for (const prefix of ['models/', 'google/']) if (model.startsWith(prefix)) return model.slice(prefix.length);
  return model;
}
