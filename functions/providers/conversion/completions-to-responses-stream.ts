/**
 * OpenAI chat completions stream -> OpenAI Responses events, for Responses clients of a provider
 * served through its chat completions adapter: `ChatToResponsesStream` wraps the provider's chat
 * stream translator. Content, failures, usage and the end are the inner translator's, so the
 * engine holds the stream until the first text or tool call, exactly as for chat clients.
 */
import { randomUUID } from 'node:crypto';
import type { ChatCompletionChunk, Usage } from '../openai/wire.js';
import { ResponsesEventWriter } from '../openai/responses-events.js';
import type { ResponsesUsage } from '../openai/responses-wire.js';
import type { SseEvent, StreamStep, StreamTranslator } from '../types.js';
import { readChatFrames } from './chat-frames.js';
import { responsesUsage, statusOf } from './completions-to-responses-response.js';

/**
 * Most characters of answer a translated stream holds: the done events and `response.completed`
 * repeat the whole answer, so it is kept until the end. As much as modelgate buffers of a
 * buffered answer (attempt.ts's MAX_UPSTREAM_BODY); past it the stream ends with an error.
 */
export const MAX_HELD_ANSWER_CHARS = 32 * 1024 * 1024;

export class ChatToResponsesStream implements StreamTranslator {
  private readonly writer: ResponsesEventWriter;
  private finishReason: string | undefined;
  private usage: ResponsesUsage | undefined;

  constructor(
    private readonly inner: StreamTranslator,
    sentModel: string,
  ) {
    this.writer = new ResponsesEventWriter(sentModel);
  }

  push(event: SseEvent): StreamStep {
    return this.convert(this.inner.push(event));
  }

  /** The chat translator says whether the close completed the answer (Gemini has no end marker). */
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
    else if (this.writer.heldChars > MAX_HELD_ANSWER_CHARS) {
      out.failure = {
        status: 502,
        type: 'upstream_answer_too_large',
        message: `The answer is longer than ${MAX_HELD_ANSWER_CHARS} characters, more than modelgate holds for a Responses stream.`,
      };
      out.frames = [];
      out.done = false;
    }
    if (step.model !== undefined) out.model = step.model;
    if (step.usage) out.usage = step.usage;
    return out;
  }

  private chunk(chunk: ChatCompletionChunk): string[] {
    this.writer.identify(typeof chunk.model === 'string' ? chunk.model : undefined);
    const frames = this.writer.start();
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const delta = (choice?.delta ?? {}) as ChatCompletionChunk['choices'][number]['delta'];
    if (typeof delta.reasoning_content === 'string') frames.push(...this.writer.reasoning(delta.reasoning_content));
    if (typeof delta.content === 'string') frames.push(...this.writer.text(delta.content));
    if (typeof delta.refusal === 'string') frames.push(...this.writer.refusal(delta.refusal));
    for (const call of delta.tool_calls ?? []) {
      const key = String(call.index);
      if (!this.writer.hasCall(key)) frames.push(...this.writer.callStart(key, call.id ?? `call_${randomUUID().replace(/-/g, '')}`, call.function?.name ?? ''));
      if (typeof call.function?.arguments === 'string') frames.push(...this.writer.callArguments(key, call.function.arguments));
    }
    if (choice?.finish_reason) this.finishReason = choice.finish_reason;
    if (chunk.usage) this.usage = responsesUsage(chunk.usage as Usage);
    return frames;
  }

  private end(): string[] {
    const { status, incomplete_details } = statusOf(this.finishReason);
    return this.writer.end(status === 'incomplete' ? 'incomplete' : 'completed', incomplete_details?.reason, this.usage);
  }
}
