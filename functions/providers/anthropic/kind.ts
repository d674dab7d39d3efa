/**
 * Anthropic's adapters for each client API (providers/registry.ts loads this when a config uses the
 * kind): Messages clients pass straight through; Anthropic has no embeddings API.
 */
import type { ProviderKindAdapters } from '../registry.js';
import { anthropicChat } from './adapter.js';
import { anthropicCountTokens } from './count-tokens.js';
import { anthropicMessages } from './passthrough.js';

export const adapters: ProviderKindAdapters = {
  chat: () => anthropicChat,
  messages: () => anthropicMessages,
  embeddings: () => undefined,
  countTokens: () => anthropicCountTokens,
};
