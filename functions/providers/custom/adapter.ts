/**
 * `custom` providers: self-hosted or other compatible hosts (vLLM, Ollama, LiteLLM, ...) at
 * `host`/`port`, speaking the API formats their `custom.formats` declare:
 * - `Completions`: OpenAI chat completions (`/v1/chat/completions`, `Authorization: Bearer`);
 * - `Messages`: Anthropic Messages (`/v1/messages`, `x-api-key` and `anthropic-version`, the
 *   Anthropic SDK's conventions, which Anthropic-compatible servers follow).
 * A client is served in its own API when the host speaks it, translated to the other otherwise.
 * A format's `path` replaces the default path for that format.
 */
import type { ChatCompletionsAdapter, MessagesAdapter } from '../types.js';
import type { CustomFormat, ProviderTarget } from '../../core/provider-target.js';
import { anthropicChat } from '../anthropic/adapter.js';
import { anthropicMessages } from '../anthropic/passthrough.js';
import { openaiChat } from '../openai/adapter.js';
import { messagesViaChat } from '../shared/messages-via-chat.js';

/** The target as one format's adapter sees it: that format's path, when it has one, is the path. */
function forFormat(target: ProviderTarget, format: CustomFormat): ProviderTarget {
  const path = target.formats?.[format]?.path;
  return path === undefined ? target : { ...target, path };
}

function at<A extends ChatCompletionsAdapter | MessagesAdapter>(adapter: A, format: CustomFormat): A {
  const build = adapter.buildRequest as (req: unknown, target: ProviderTarget, context?: unknown) => ReturnType<A['buildRequest']>;
  return { ...adapter, buildRequest: (req: unknown, target: ProviderTarget, context?: unknown) => build(req, forFormat(target, format), context) } as A;
}

const CHAT_NATIVE = at(openaiChat, 'Completions');
const CHAT_TRANSLATED = at(anthropicChat, 'Messages');
const MESSAGES_NATIVE = at(anthropicMessages, 'Messages');
const MESSAGES_TRANSLATED = at(messagesViaChat(openaiChat), 'Completions');

const speaks = (target: ProviderTarget, format: CustomFormat) => target.formats?.[format] !== undefined;

/** Chat clients: chat completions when the host speaks them (or declares nothing usable), else Messages. */
export function customChatAdapter(target: ProviderTarget): ChatCompletionsAdapter {
  return speaks(target, 'Completions') || !speaks(target, 'Messages') ? CHAT_NATIVE : CHAT_TRANSLATED;
}

/** Messages clients: Messages when the host speaks them, else translated to chat completions. */
export function customMessagesAdapter(target: ProviderTarget): MessagesAdapter {
  return speaks(target, 'Messages') ? MESSAGES_NATIVE : MESSAGES_TRANSLATED;
}
