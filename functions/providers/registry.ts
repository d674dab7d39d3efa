/** Which adapter speaks to which kind of provider. */
import { anthropicChat } from './anthropic/adapter.js';
import { openaiChat } from './openai/adapter.js';
import type { ChatCompletionsAdapter, ProviderKind } from './types.js';

const CHAT_ADAPTERS: Readonly<Record<ProviderKind, ChatCompletionsAdapter>> = {
  openai: openaiChat,
  anthropic: anthropicChat,
};

export function chatAdapter(kind: ProviderKind): ChatCompletionsAdapter {
  return CHAT_ADAPTERS[kind];
}

export { CHAT_ADAPTERS };
