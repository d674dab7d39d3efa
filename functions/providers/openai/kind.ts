/** OpenAI's adapters for each client API (providers/registry.ts loads this when a config uses the kind). */
import type { ProviderKindAdapters } from '../registry.js';
import { messagesViaChat } from '../shared/messages-via-chat.js';
import { openaiChat } from './adapter.js';
import { openaiEmbeddings } from './embeddings.js';

const messages = messagesViaChat(openaiChat);

export const adapters: ProviderKindAdapters = {
  chat: () => openaiChat,
  messages: () => messages,
  embeddings: () => openaiEmbeddings,
  countTokens: () => undefined,
};
