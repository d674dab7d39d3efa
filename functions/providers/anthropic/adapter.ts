/** The Anthropic Messages provider, seen from an OpenAI chat completions client. */
import type { ChatCompletionsAdapter } from '../types.js';
import { translateAnthropicError } from './errors.js';
import { buildAnthropicRequest } from './request.js';
import { translateAnthropicResponse } from '../conversion/messages-to-completions-response.js';
import { AnthropicStreamTranslator } from '../conversion/messages-to-completions-stream.js';

export const anthropicChat: ChatCompletionsAdapter = {
  streamFormat: 'sse',
  buildRequest: buildAnthropicRequest,
  translateResponse: translateAnthropicResponse,
  streamTranslator: (sentModel, includeUsage) => new AnthropicStreamTranslator(sentModel, includeUsage),
  translateError: translateAnthropicError,
};
