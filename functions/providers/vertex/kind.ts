/**
 * Vertex AI's adapters for each client API (providers/registry.ts loads this when a config uses the
 * kind): Claude models on Vertex pass Messages through and count tokens but have no embeddings;
 * Google's models embed but do not count tokens.
 */
import { vertexEmbeddings } from '../gemini/embeddings.js';
import type { ProviderKindAdapters } from '../registry.js';
import { vertexAnthropicModel, vertexChat, vertexMessages } from './adapter.js';
import { vertexCountTokens } from './count-tokens.js';

export const adapters: ProviderKindAdapters = {
  chat: () => vertexChat,
  messages: () => vertexMessages,
  embeddings: (_target, model) => (vertexAnthropicModel(model) === undefined ? vertexEmbeddings : undefined),
  // No model known yet (none pinned, none sent): the call's own check answers that.
  countTokens: (_target, model) => (model === undefined || vertexAnthropicModel(model) !== undefined ? vertexCountTokens : undefined),
};
