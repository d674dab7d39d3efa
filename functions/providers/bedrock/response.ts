/**
 * Bedrock Converse answers -> OpenAI chat completions and Anthropic Messages, buffered. Converse
 * names no model and no id: the model is the one that was sent, the id is made up.
 */
import { randomUUID } from 'node:crypto';
import type { MessageUsage } from '../anthropic/event-writer.js';
import type { MessagesResponse, ResponseContentBlock, StopReason as AnthropicStopReason } from '../anthropic/wire.js';
import type { ChatCompletion, FinishReason, ToolCall, Usage as OpenAIUsage } from '../openai/wire.js';
import type { TokenUsage, TranslatedResponse } from '../types.js';
import type { ConverseResponse, Usage } from './wire.js';

const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

export function finishReason(stop: string | undefined): FinishReason {
  return (stop !== undefined ? FINISH[stop] : undefined) ?? 'stop';
}

const STOP: Readonly<Record<string, AnthropicStopReason>> = {
  end_turn: 'end_turn',
  stop_sequence: 'stop_sequence',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'model_context_window_exceeded',
  tool_use: 'tool_use',
  content_filtered: 'refusal',
  guardrail_intervened: 'refusal',
};

export function anthropicStopReason(stop: string | undefined): AnthropicStopReason {
  return (stop !== undefined ? STOP[stop] : undefined) ?? 'end_turn';
}

export function openAIUsage(u: Usage | undefined): OpenAIUsage {
  const prompt = u?.inputTokens ?? 0;
  const completion = u?.outputTokens ?? 0;
  const out: OpenAIUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u?.totalTokens ?? prompt + completion };
  const read = u?.cacheReadInputTokens;
  const write = u?.cacheWriteInputTokens;
  if (read !== undefined || write !== undefined) {
    out.prompt_tokens_details = { ...(read !== undefined && { cached_tokens: read }), ...(write !== undefined && { cache_write_tokens: write }) };
    if (read !== undefined) out.cache_read_input_tokens = read;
    if (write !== undefined) out.cache_creation_input_tokens = write;
  }
  return out;
}

export function messagesUsage(u: Usage | undefined): MessageUsage {
  return {
    input_tokens: u?.inputTokens ?? 0,
    output_tokens: u?.outputTokens ?? 0,
    ...(u?.cacheReadInputTokens !== undefined && { cache_read_input_tokens: u.cacheReadInputTokens }),
    ...(u?.cacheWriteInputTokens !== undefined && { cache_creation_input_tokens: u.cacheWriteInputTokens }),
  };
}

export const tokenUsage = (u: Usage | undefined): TokenUsage => ({ input: u?.inputTokens ?? 0, output: u?.outputTokens ?? 0 });

function isConverseResponse(body: unknown): body is ConverseResponse {
  if (typeof body !== 'object' || body === null) return false;
  const output = (body as { output?: unknown }).output;
  return typeof output === 'object' && output !== null;
}

function blocksOf(body: unknown): ConverseResponse {
  if (!isConverseResponse(body)) throw new Error('Bedrock upstream returned a body that is not a Converse response (no `output`)');
  return body;
}

export function translateConverseToChat(raw: unknown, sentModel: string): TranslatedResponse<ChatCompletion> {
  const body = blocksOf(raw);
  const blocks = body.output.message?.content ?? [];
  let text = '';
  let reasoning = '';
  let signature: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const b of blocks) {
    if (typeof b.text === 'string') text += b.text;
    else if (b.reasoningContent?.reasoningText) {
      reasoning += b.reasoningContent.reasoningText.text ?? '';
      signature = b.reasoningContent.reasoningText.signature ?? signature;
    } else if (b.toolUse) {
      toolCalls.push({ id: b.toolUse.toolUseId, type: 'function', function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input ?? {}) } });
    }
  }
  const usage = openAIUsage(body.usage);
  const completion: ChatCompletion = {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: sentModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' ? null : text,
          ...(reasoning !== '' && { reasoning_content: reasoning }),
          ...(signature !== undefined && { reasoning_signature: signature }),
          ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
        },
        finish_reason: finishReason(body.stopReason),
        logprobs: null,
      },
    ],
    usage,
  };
  return { body: completion, model: sentModel, usage: tokenUsage(body.usage) };
}

export function translateConverseToMessages(raw: unknown, sentModel: string): TranslatedResponse<MessagesResponse> {
  const body = blocksOf(raw);
  const content: ResponseContentBlock[] = [];
  for (const b of body.output.message?.content ?? []) {
    if (typeof b.text === 'string') content.push({ type: 'text', text: b.text });
    else if (b.reasoningContent?.reasoningText) {
      content.push({ type: 'thinking', thinking: b.reasoningContent.reasoningText.text ?? '', signature: b.reasoningContent.reasoningText.signature ?? '' });
    } else if (typeof b.reasoningContent?.redactedContent === 'string') {
      content.push({ type: 'redacted_thinking', data: b.reasoningContent.redactedContent });
    } else if (b.toolUse) {
      content.push({ type: 'tool_use', id: b.toolUse.toolUseId, name: b.toolUse.name, input: (b.toolUse.input ?? {}) as Record<string, unknown> });
    }
  }
  const message: MessagesResponse = {
    id: `msg_${randomUUID().replace(/-/g, '')}`,
    type: 'message',
    role: 'assistant',
    model: sentModel,
    content,
    stop_reason: anthropicStopReason(body.stopReason),
    stop_sequence: null,
    usage: messagesUsage(body.usage),
  };
  return { body: message, model: sentModel, usage: tokenUsage(body.usage) };
}
