/**
 * OpenAI chat completions answer -> Anthropic Messages answer, for Messages clients of a
 * provider whose adapter produces chat completions (buffered; the streamed answer is
 * completions-to-messages-stream.ts). Follows agentgateway's `completions -> messages`
 * translation (its golden cases are the conformance suite).
 */
import { randomUUID } from 'node:crypto';
import type { MessageUsage } from '../anthropic/event-writer.js';
import type { MessagesResponse, ResponseContentBlock, StopReason } from '../anthropic/wire.js';
import type { ChatCompletion, FinishReason, Usage } from '../openai/wire.js';

const STOP_REASON: Readonly<Record<FinishReason, StopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function stopReasonOf(finish: string | null | undefined): StopReason {
  return (finish ? STOP_REASON[finish as FinishReason] : undefined) ?? 'end_turn';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * OpenAI usage -> Anthropic usage. OpenAI's `prompt_tokens` count every input token, cache reads
 * and cache writes included; Anthropic's `input_tokens` count neither (both are reported apart), so
 * both counts move over.
 */
export function messagesUsage(usage: Usage | null | undefined): MessageUsage & { service_tier?: string } {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const details = (usage.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const cacheRead = num(details.cached_tokens) ?? num(usage.cache_read_input_tokens);
  const cacheWrite = num(details.cache_write_tokens) ?? num(usage.cache_creation_input_tokens);
  const prompt = num(usage.prompt_tokens) ?? 0;
  return {
    input_tokens: Math.max(0, prompt - (cacheRead ?? 0) - (cacheWrite ?? 0)),
    output_tokens: num(usage.completion_tokens) ?? 0,
    ...(cacheRead !== undefined && { cache_read_input_tokens: cacheRead }),
    ...(cacheWrite !== undefined && { cache_creation_input_tokens: cacheWrite }),
  };
}

/** Tool arguments are a JSON string in chat; a Messages `input` is the parsed value, or the raw text when it does not parse (a truncated call). */
function toolInput(args: string): unknown {
  try {
    return JSON.parse(args === '' ? '{}' : args);
  } catch {
    return args;
  }
}

export function chatToMessagesResponse(completion: ChatCompletion): MessagesResponse {
  const choice = completion.choices[0];
  const message = (choice?.message ?? {}) as ChatCompletion['choices'][number]['message'];
  const content: ResponseContentBlock[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') {
    content.push({ type: 'thinking', thinking: message.reasoning_content, signature: typeof message.reasoning_signature === 'string' ? message.reasoning_signature : '' });
  }
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'text', text: message.refusal });
  for (const call of message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
  }
  const usage = messagesUsage(completion.usage);
  const tier = completion.service_tier;
  return {
    id: typeof completion.id === 'string' && completion.id !== '' ? completion.id : `msg_${randomUUID()}`,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: { ...usage, ...(typeof tier === 'string' && { service_tier: tier }) },
  };
}
