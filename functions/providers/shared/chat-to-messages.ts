/**
 * OpenAI chat completions answers -> Anthropic Messages answers, for Messages clients of a
 * provider whose adapter produces chat completions. Buffered (`chatToMessagesResponse`) and
 * streamed (`ChatToMessagesStream`, wrapping the provider's chat stream translator). Follows
 * agentgateway's `completions -> messages` translation (its golden cases are the conformance suite).
 */
import { randomUUID } from 'node:crypto';
import { AnthropicEventWriter, type MessageUsage } from '../anthropic/event-writer.js';
import type { MessagesResponse, ResponseContentBlock, StopReason } from '../anthropic/wire.js';
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from '../openai/wire.js';
import type { SseEvent, StreamStep, StreamTranslator } from '../types.js';

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
 * OpenAI usage -> Anthropic usage. OpenAI's `prompt_tokens` include cached ones; Anthropic's
 * `input_tokens` do not (cache reads are reported apart), so the cached count moves over.
 */
export function messagesUsage(usage: Usage | null | undefined): MessageUsage & { service_tier?: string } {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const details = (usage.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const cacheRead = num(details.cached_tokens) ?? num(usage.cache_read_input_tokens);
  const cacheWrite = num(details.cache_write_tokens) ?? num(usage.cache_creation_input_tokens);
  const prompt = num(usage.prompt_tokens) ?? 0;
  return {
    input_tokens: Math.max(0, prompt - (cacheRead ?? 0)),
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

/** The `data:` payload of one chat SSE frame (`data: {...}\n\n`). */
function frameData(frame: string): string | undefined {
  const lines = frame.split('\n').filter((l) => l.startsWith('data:'));
  return lines.length === 0 ? undefined : lines.map((l) => l.slice(5).trimStart()).join('\n');
}

/**
 * A provider's chat stream translator, seen from a Messages client: each chat chunk it produces
 * becomes Anthropic events. Content, failures, usage and the end are the inner translator's.
 */
export class ChatToMessagesStream implements StreamTranslator {
  private readonly writer: AnthropicEventWriter;
  private stopReason: StopReason | undefined;
  private usage: MessageUsage | undefined;
  /** OpenAI tool-call indices already opened as tool_use blocks. */
  private readonly toolsSeen = new Set<number>();

  constructor(
    private readonly inner: StreamTranslator,
    sentModel: string,
  ) {
    this.writer = new AnthropicEventWriter(`msg_${randomUUID()}`, sentModel);
  }

  push(event: SseEvent): StreamStep {
    return this.convert(this.inner.push(event));
  }

  finish(): StreamStep | undefined {
    const step = this.inner.finish?.();
    return step && this.convert(step);
  }

  private convert(step: StreamStep): StreamStep {
    const frames: string[] = [];
    for (const frame of step.frames) {
      const data = frameData(frame);
      if (data === undefined) continue;
      if (data.trim() === '[DONE]') {
        frames.push(...this.end());
        continue;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        continue; // keep-alive text from an odd compatible server: nothing for a Messages client
      }
      if (typeof chunk === 'object' && chunk !== null) frames.push(...this.chunk(chunk as ChatCompletionChunk));
    }
    if (step.done && !this.writer.isEnded) frames.push(...this.end());
    const out: StreamStep = { frames, content: step.content, done: step.done };
    if (step.failure) out.failure = step.failure;
    if (step.model !== undefined) out.model = step.model;
    if (step.usage) out.usage = step.usage;
    return out;
  }

  private chunk(chunk: ChatCompletionChunk): string[] {
    this.writer.identify(typeof chunk.id === 'string' ? chunk.id : undefined, typeof chunk.model === 'string' ? chunk.model : undefined);
    const frames = this.writer.start();
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const delta = (choice?.delta ?? {}) as ChatCompletionChunk['choices'][number]['delta'];
    if (typeof delta.reasoning_content === 'string') frames.push(...this.writer.thinking(delta.reasoning_content));
    if (typeof delta.reasoning_signature === 'string') frames.push(...this.writer.signature(delta.reasoning_signature));
    if (typeof delta.content === 'string') frames.push(...this.writer.text(delta.content));
    for (const call of delta.tool_calls ?? []) {
      const key = String(call.index);
      if (!this.toolsSeen.has(call.index)) {
        this.toolsSeen.add(call.index);
        frames.push(...this.writer.toolStart(key, call.id ?? `toolu_${randomUUID()}`, call.function?.name ?? ''));
      }
      if (typeof call.function?.arguments === 'string') frames.push(...this.writer.toolInput(key, call.function.arguments));
    }
    if (choice?.finish_reason) {
      this.stopReason = stopReasonOf(choice.finish_reason);
      frames.push(...this.writer.closeBlock());
    }
    if (chunk.usage) this.usage = messagesUsage(chunk.usage);
    return frames;
  }

  private end(): string[] {
    this.writer.stop(this.stopReason ?? 'end_turn');
    if (this.usage) this.writer.setUsage(this.usage);
    return this.writer.end();
  }
}
