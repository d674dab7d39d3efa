/** Which adapter speaks to which kind of provider, for each client API. */
import { anthropicChat } from './anthropic/adapter.js';
import { anthropicMessages } from './anthropic/passthrough.js';
import { azureChat } from './azure/adapter.js';
import { bedrockChat, bedrockMessages } from './bedrock/adapter.js';
import { customChatAdapter, customMessagesAdapter } from './custom/adapter.js';
import { geminiChat } from './gemini/adapter.js';
import { openaiChat } from './openai/adapter.js';
import { messagesViaChat } from './shared/messages-via-chat.js';
import { GEMINI_DIALECT } from './conversion/messages-to-completions-request.js';
import { vertexChat, vertexMessages } from './vertex/adapter.js';
import type { ChatCompletionsAdapter, ClientApi, MessagesAdapter } from './types.js';
import type { ProviderKind, ProviderTarget } from '../core/provider-target.js';
import { anthropicCountTokens, type CountTokensAdapter } from './anthropic/count-tokens.js';
import { bedrockCountTokens } from './bedrock/count-tokens.js';
import { bedrockEmbeddings } from './bedrock/embeddings.js';
import { geminiEmbeddings, vertexEmbeddings } from './gemini/embeddings.js';
import { azureEmbeddings, customEmbeddings, openaiEmbeddings, type EmbeddingsAdapter } from './openai/embeddings.js';
import { vertexCountTokens } from './vertex/count-tokens.js';
import { vertexAnthropicModel } from './vertex/adapter.js';

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
  gemini: messagesViaChat(geminiChat, GEMINI_DIALECT),
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

/**
 * Embeddings (`/v1/embeddings`) from this provider, or undefined when it has none: Anthropic has no
 * embeddings API, nor do Claude models on Vertex, nor a `custom` host that speaks only Messages.
 * `model` is the model the call would name (the provider's pinned one, else the client's).
 */
export function embeddingsAdapter(target: ProviderTarget, model: string | undefined): EmbeddingsAdapter | undefined {
  switch (target.kind) {
    case 'openai':
      return openaiEmbeddings;
    case 'azureopenai':
      return azureEmbeddings;
    case 'gemini':
      return geminiEmbeddings;
    case 'vertexai':
      return vertexAnthropicModel(model) === undefined ? vertexEmbeddings : undefined;
    case 'bedrock':
      return bedrockEmbeddings;
    case 'custom':
      return target.formats?.Completions !== undefined || target.formats?.Messages === undefined ? customEmbeddings : undefined;
    case 'anthropic':
      return undefined;
  }
}

/**
 * Anthropic token counting (`/v1/messages/count_tokens`) from this provider, or undefined when it
 * has none: Anthropic, Bedrock (its CountTokens API) and Claude models on Vertex count tokens;
 * OpenAI-shaped providers, Gemini (and Gemini models on Vertex) and `custom` hosts do not.
 */
export function countTokensAdapter(target: ProviderTarget, model: string | undefined): CountTokensAdapter | undefined {
  switch (target.kind) {
    case 'anthropic':
      return anthropicCountTokens;
    case 'bedrock':
      return bedrockCountTokens;
    case 'vertexai':
      // No model known yet (none pinned, none sent): the call's own check answers that.
      return model === undefined || vertexAnthropicModel(model) !== undefined ? vertexCountTokens : undefined;
    default:
      return undefined;
  }
}

export { CHAT_ADAPTERS, MESSAGES_ADAPTERS };
