/**
 * OpenAI chat completions stream -> Anthropic Messages events, for Messages clients of a
 * provider whose adapter produces chat completions: `ChatToMessagesStream` wraps the provider's
 * chat stream translator. Follows agentgateway's `completions -> messages` translation (its
 * golden cases are the conformance suite).
 */
import { randomUUID } from 'node:crypto';
import { AnthropicEventWriter, type MessageUsage } from '../anthropic/event-writer.js';
import type { StopReason } from '../anthropic/wire.js';
import type { ChatCompletionChunk } from '../openai/wire.js';
import type { SseEvent, StreamStep, StreamTranslator } from '../types.js';
import { readChatFrames } from './chat-frames.js';
import { messagesUsage, stopReasonOf } from './completions-to-messages-response.js';

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
    for (const read of readChatFrames(step.frames)) frames.push(...(read.done ? this.end() : this.chunk(read.chunk)));
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
