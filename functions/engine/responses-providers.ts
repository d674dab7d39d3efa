/**
 * Which adapter serves a Responses client from each kind of provider:
 * - openai: passthrough to `/v1/responses` (only the model may change);
 * - azureopenai: passthrough to `/openai/v1/responses` on the v1 API (`apiVersion` v1, the
 *   default, or preview); a dated API version has no Responses endpoint there, so chat completions;
 * - custom: passthrough when `custom.formats` declares `Responses` (at its `path`, default
 *   `/v1/responses`), else through the chat adapter the host's formats choose;
 * - anthropic, gemini, vertexai, bedrock: through their chat completions adapters.
 */
import type { ProviderTarget } from '../core/provider-target.js';
import { chatAdapter } from '../providers/registry.js';
import type { ChatCompletionsAdapter } from '../providers/types.js';
import { azureResponses, azureSpeaksResponses, openaiResponses, type ResponsesAdapter } from '../providers/openai/responses-passthrough.js';
import { responsesViaChat } from '../providers/shared/responses-via-chat.js';
import { anthropicChat } from '../providers/anthropic/adapter.js';
import { azureChat } from '../providers/azure/adapter.js';
import { bedrockChat } from '../providers/bedrock/adapter.js';
import { geminiChat } from '../providers/gemini/adapter.js';
import { vertexChat } from '../providers/vertex/adapter.js';

const VIA_CHAT = {
  anthropic: responsesViaChat(anthropicChat),
  gemini: responsesViaChat(geminiChat),
  vertexai: responsesViaChat(vertexChat),
  bedrock: responsesViaChat(bedrockChat),
  azureopenai: responsesViaChat(azureChat),
} as const;

/** A custom host's declared Responses format, at its own path when it names one. */
function customNative(target: ProviderTarget): ResponsesAdapter {
  const path = target.formats?.Responses?.path;
  if (path === undefined) return openaiResponses;
  return { ...openaiResponses, buildRequest: (req, t, context) => openaiResponses.buildRequest(req, { ...t, path }, context) };
}

/** Custom hosts' chat adapters are shared constants: one wrapper each, made once. */
const viaCustomChat = new WeakMap<ChatCompletionsAdapter, ResponsesAdapter>();

function customViaChat(target: ProviderTarget): ResponsesAdapter {
  const chat = chatAdapter('custom', target);
  let adapter = viaCustomChat.get(chat);
  if (!adapter) {
    adapter = responsesViaChat(chat);
    viaCustomChat.set(chat, adapter);
  }
  return adapter;
}

export function responsesAdapterFor(target: ProviderTarget): ResponsesAdapter {
  switch (target.kind) {
    case 'openai':
      return openaiResponses;
    case 'azureopenai':
      return azureSpeaksResponses(target) ? azureResponses : VIA_CHAT.azureopenai;
    case 'custom':
      return target.formats?.Responses !== undefined ? customNative(target) : customViaChat(target);
    default:
      return VIA_CHAT[target.kind];
  }
}
