/** Azure OpenAI's adapters for each client API (providers/registry.ts loads this when a config uses the kind). */
import type { ProviderKindAdapters } from '../registry.js';
import { azureEmbeddings } from '../openai/embeddings.js';
import { messagesViaChat } from '../shared/messages-via-chat.js';
import { azureChat } from './adapter.js';

const messages = messagesViaChat(azureChat);

export const adapters: ProviderKindAdapters = {
  chat: () => azureChat,
  messages: () => messages,
  embeddings: () => azureEmbeddings,
  countTokens: () => undefined,
};
