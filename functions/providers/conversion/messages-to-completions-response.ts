/** Anthropic Messages response -> OpenAI chat.completion. */
import { randomUUID } from 'node:crypto';
import type { TranslatedResponse } from '../types.js';
import type { ChatCompletion, ToolCall } from '../openai/wire.js';
import { finishReason } from '../anthropic/finish.js';
import { tokenUsage, toOpenAIUsage } from '../anthropic/usage.js';
import type { MessagesResponse, ResponseContentBlock, ThinkingBlock, TextBlock, ToolUseBlock } from '../anthropic/wire.js';

function isMessagesResponse(body: unknown): body is MessagesResponse {
  if (typeof body !== 'object' || body === null) return false;
  const { type, content } = body as Record<string, unknown>;
  return type === 'message' && Array.isArray(content);
}

const isText = (block: ResponseContentBlock): block is TextBlock => block.type === 'text' && typeof block.text === 'string';
const isThinking = (block: ResponseContentBlock): block is ThinkingBlock => block.type === 'thinking' && typeof block.thinking === 'string';
/** Only client tools: server tools (web search, ...) already ran at Anthropic and are not the client's to call. */
const isToolUse = (block: ResponseContentBlock): block is ToolUseBlock => block.type === 'tool_use';

function toolCall(block: ToolUseBlock): ToolCall {
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

export function translateAnthropicResponse(body: unknown, sentModel: string): TranslatedResponse<ChatCompletion> {
  if (!isMessagesResponse(body)) {
    throw new Error('Anthropic upstream returned a body that is not a Messages response (no `type: message` with `content`)');
  }
  const texts = body.content.filter(isText).map((block) => block.text);
  const thinking = body.content.filter(isThinking).map((block) => block.thinking);
  const toolCalls = body.content.filter(isToolUse).map(toolCall);

  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // Text split around citations arrives as several blocks; OpenAI has a single string.
    content: texts.length > 0 ? texts.join('') : null,
    ...(thinking.length > 0 ? { reasoning_content: thinking.join('') } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  const usage = toOpenAIUsage(body.usage ?? {});
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : sentModel;
  const completion: ChatCompletion = {
    id: typeof body.id === 'string' ? body.id : `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    // Anthropic responses carry no timestamp.
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason(body.stop_reason), logprobs: null }],
    usage,
    ...(typeof body.usage?.service_tier === 'string' ? { service_tier: body.usage.service_tier } : {}),
  };
  return { body: completion, model, usage: tokenUsage(usage) };
}
