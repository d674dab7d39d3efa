/**
 * A Responses adapter for a provider that has a chat completions adapter: the Responses request
 * is translated to chat completions, the provider's chat adapter builds the call and reads the
 * answer, and the answer is translated back to a response (or its event stream). One translation
 * per direction serves every such provider (Anthropic, Gemini, Vertex AI, Bedrock, Azure
 * OpenAI's dated API, custom hosts that speak chat completions or Messages).
 */
import type { ChatCompletionsAdapter } from '../types.js';
import type { ResponsesAdapter } from '../openai/responses-passthrough.js';
import { chatToResponsesResponse } from '../conversion/completions-to-responses-response.js';
import { ChatToResponsesStream } from '../conversion/completions-to-responses-stream.js';
import { responsesToChatRequest } from '../conversion/responses-to-completions-request.js';

export function responsesViaChat(chat: ChatCompletionsAdapter): ResponsesAdapter {
  const adapter: ResponsesAdapter = {
    streamFormat: chat.streamFormat,
    buildRequest: (req, target, context) => chat.buildRequest(responsesToChatRequest(req, `provider "${target.name}" (${target.kind})`), target, context),
    translateResponse(body, sentModel) {
      const translated = chat.translateResponse(body, sentModel);
      return { ...translated, body: chatToResponsesResponse(translated.body) };
    },
    // Usage always: `response.completed` carries it.
    streamTranslator: (sentModel) => new ChatToResponsesStream(chat.streamTranslator(sentModel, true), sentModel),
    // Chat adapters answer errors in OpenAI's shape, which is the Responses API's too.
    translateError: (status, body, headers) => chat.translateError(status, body, headers),
  };
  if (chat.authorize) adapter.authorize = chat.authorize.bind(chat);
  return adapter;
}
