/** OpenAI buffered response: passes through; we only read what the engine reports. */
import type { TranslatedResponse } from '../types.js';
import type { ChatCompletion } from './wire.js';
import { tokenUsageFromOpenAI } from './usage.js';

export function translateOpenAIResponse(body: unknown, sentModel: string): TranslatedResponse<ChatCompletion> {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { choices?: unknown }).choices)) {
    throw new Error('OpenAI upstream returned a body that is not a chat.completion (no `choices` array)');
  }
  const completion = body as ChatCompletion;
  const usage = tokenUsageFromOpenAI(completion.usage);
  return {
    body: completion,
    model: typeof completion.model === 'string' && completion.model !== '' ? completion.model : sentModel,
    ...(usage ? { usage } : {}),
    unchanged: true,
  };
}
