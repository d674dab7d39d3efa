/** Which adapter speaks to which kind of provider, for each client API. */
import { anthropicChat } from './anthropic/adapter.js';
import { anthropicMessages } from './anthropic/passthrough.js';
import { azureChat } from './azure/adapter.js';
import { bedrockChat, bedrockMessages } from './bedrock/adapter.js';
import { customChatAdapter, customMessagesAdapter } from './custom/adapter.js';
import { geminiChat } from './gemini/adapter.js';
import { openaiChat } from './openai/adapter.js';
import { messagesViaChat } from './shared/messages-via-chat.js';
import { vertexChat, vertexMessages } from './vertex/adapter.js';
import type { ChatCompletionsAdapter, ClientApi, MessagesAdapter } from './types.js';
import type { ProviderKind, ProviderTarget } from '../core/provider-target.js';

const CHAT_ADAPTERS: Readonly<Record<Exclude<ProviderKind, 'custom'>, ChatCompletionsAdapter>> = {
  openai: openaiChat,
  anthropic: anthropicChat,
  gemini: geminiChat,
  vertexai: vertexChat,
  bedrock: bedrockChat,
  azureopenai: azureChat,
};

/**
 * Messages clients: Anthropic passes straight through (and so do Claude models on Vertex AI),
 * Bedrock translates directly (Converse is close to Messages), the OpenAI-shaped and Gemini
 * providers go through their chat adapters.
 */
const MESSAGES_ADAPTERS: Readonly<Record<Exclude<ProviderKind, 'custom'>, MessagesAdapter>> = {
  anthropic: anthropicMessages,
  bedrock: bedrockMessages,
  openai: messagesViaChat(openaiChat),
  gemini: messagesViaChat(geminiChat),
  vertexai: vertexMessages,
  azureopenai: messagesViaChat(azureChat),
};

/** The chat completions adapter of a provider (for `custom`, the one for a host that speaks chat completions). */
export function chatAdapter(kind: ProviderKind, target?: ProviderTarget): ChatCompletionsAdapter {
  if (kind === 'custom') return customChatAdapter(target ?? { name: '', kind, baseUrl: '', formats: { Completions: {} } });
  return CHAT_ADAPTERS[kind];
}

export function messagesAdapter(kind: ProviderKind, target?: ProviderTarget): MessagesAdapter {
  if (kind === 'custom') return customMessagesAdapter(target ?? { name: '', kind, baseUrl: '', formats: { Completions: {} } });
  return MESSAGES_ADAPTERS[kind];
}

/** The adapter that serves clients of `api` from this provider. */
export function adapterFor(api: 'chat', target: ProviderTarget): ChatCompletionsAdapter;
export function adapterFor(api: 'messages', target: ProviderTarget): MessagesAdapter;
export function adapterFor(api: ClientApi, target: ProviderTarget): ChatCompletionsAdapter | MessagesAdapter;
export function adapterFor(api: ClientApi, target: ProviderTarget): ChatCompletionsAdapter | MessagesAdapter {
  return api === 'chat' ? chatAdapter(target.kind, target) : messagesAdapter(target.kind, target);
}

export { CHAT_ADAPTERS, MESSAGES_ADAPTERS };
