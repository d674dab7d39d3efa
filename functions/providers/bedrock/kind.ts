/**
 * Bedrock's adapters for each client API (providers/registry.ts loads this when a config uses the
 * kind): Messages clients are translated directly (Converse is close to Messages).
 */
import type { ProviderKindAdapters } from '../registry.js';
import { bedrockChat, bedrockMessages } from './adapter.js';
import { bedrockCountTokens } from './count-tokens.js';
import { bedrockEmbeddings } from './embeddings.js';

export const adapters: ProviderKindAdapters = {
  chat: () => bedrockChat,
  messages: () => bedrockMessages,
  embeddings: () => bedrockEmbeddings,
  countTokens: () => bedrockCountTokens,
};
