/**
 * A Messages adapter for a provider that has a chat completions adapter: the Messages request is
 * translated to chat completions, the provider's chat adapter builds the call and reads the
 * answer, and the answer is translated back to Messages. One translation per direction serves
 * every such provider (OpenAI, Azure OpenAI, custom hosts, Gemini, Vertex AI).
 */
import type { ChatCompletionsAdapter, MessagesAdapter } from '../types.js';
import { anthropicErrorFromOpenAI } from './error-body.js';
import { chatToMessagesResponse } from '../conversion/completions-to-messages-response.js';
import { ChatToMessagesStream } from '../conversion/completions-to-messages-stream.js';
import { messagesToChatRequest, OPENAI_DIALECT, type ChatDialect } from '../conversion/messages-to-completions-request.js';

/** `dialect` names the upstream in refusals and says which Messages fields beyond the common ones it carries. */
export function messagesViaChat(chat: ChatCompletionsAdapter, dialect: ChatDialect = OPENAI_DIALECT): MessagesAdapter {
  const adapter: MessagesAdapter = {
    streamFormat: chat.streamFormat,
    buildRequest: (req, target, context) => chat.buildRequest(messagesToChatRequest(req, dialect), target, context),
    translateResponse(body, sentModel) {
      const translated = chat.translateResponse(body, sentModel);
      return { ...translated, body: chatToMessagesResponse(translated.body) };
    },
    // Usage always: a Messages stream ends with it in `message_delta`.
    streamTranslator: (sentModel) => new ChatToMessagesStream(chat.streamTranslator(sentModel, true), sentModel),
    translateError: (status, body, headers) => anthropicErrorFromOpenAI(status, chat.translateError(status, body, headers)),
  };
  if (chat.authorize) adapter.authorize = chat.authorize.bind(chat);
  return adapter;
}
