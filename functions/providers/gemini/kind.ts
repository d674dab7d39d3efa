/** The Gemini API's adapters for each client API (providers/registry.ts loads this when a config uses the kind). */
import { GEMINI_DIALECT } from '../conversion/messages-to-completions-request.js';
import type { ProviderKindAdapters } from '../registry.js';
import { messagesViaChat } from '../shared/messages-via-chat.js';
import { geminiChat } from './adapter.js';
import { geminiEmbeddings } from './embeddings.js';

const messages = messagesViaChat(geminiChat, GEMINI_DIALECT);

export const adapters: ProviderKindAdapters = {
  chat: () => geminiChat,
  messages: () => messages,
  embeddings: () => geminiEmbeddings,
  countTokens: () => undefined,
};
