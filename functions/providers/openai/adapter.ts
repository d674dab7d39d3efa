/** The OpenAI chat completions provider: a passthrough with a model override. */
import type { ChatCompletionsAdapter } from '../types.js';
import { translateOpenAIError } from './errors.js';
import { buildOpenAIRequest } from './request.js';
import { translateOpenAIResponse } from './response.js';
import { OpenAIStreamTranslator } from './stream.js';

export const openaiChat: ChatCompletionsAdapter = {
  streamFormat: 'sse',
  buildRequest: buildOpenAIRequest,
  translateResponse: translateOpenAIResponse,
  // Usage only appears if the client asked for it, and then the upstream sends it itself.
  streamTranslator: () => new OpenAIStreamTranslator(),
  translateError: translateOpenAIError,
};
