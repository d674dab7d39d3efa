/**
 * Bedrock ConverseStream events -> OpenAI chat.completion.chunk frames (`BedrockChatStream`) and
 * Anthropic Messages events (`BedrockMessagesStream`). The events arrive from the engine's AWS
 * event stream reader: `event` is the `:event-type`, `data` the JSON payload, and `exception` is
 * set for an exception message (an error inside the 200 stream).
 *
 * ConverseStream ends with `messageStop` (the stop reason) and then `metadata` (the usage): the
 * answer is complete at `metadata`, or at the stream's close once `messageStop` was seen.
 */
import { randomUUID } from 'node:crypto';
import { AnthropicEventWriter } from '../anthropic/event-writer.js';
import type { ChatCompletionChunk, FinishReason } from '../openai/wire.js';
import type { SseEvent, StreamStep, StreamTranslator } from '../types.js';
import { bedrockStreamFailure } from './errors.js';
import { anthropicStopReason, finishReason, messagesUsage, openAIUsage, tokenUsage } from './response.js';
import type { StreamEvents } from './wire.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

const nothing = (): StreamStep => ({ frames: [], content: false, done: false });

function parse<T>(event: SseEvent): T | undefined {
  try {
    const value: unknown = JSON.parse(event.data);
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

export class BedrockChatStream implements StreamTranslator {
  private readonly id = `chatcmpl-${randomUUID()}`;
  private readonly created = Math.floor(Date.now() / 1000);
  /** Bedrock numbers every content block; OpenAI numbers tool calls only. */
  private readonly toolIndex = new Map<number, number>();
  private nextTool = 0;
  private stopped = false;

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  push(event: SseEvent): StreamStep {
    if (event.exception) return { ...nothing(), failure: bedrockStreamFailure(event.exception, event.data) };
    switch (event.event) {
      case 'messageStart':
        return { frames: [this.frame([{ index: 0, delta: { role: 'assistant' }, finish_reason: null }])], content: false, done: false };
      case 'contentBlockStart': {
        const start = parse<StreamEvents['contentBlockStart']>(event);
        const tool = start?.start?.toolUse;
        if (!start || !tool) return nothing();
        const index = this.nextTool++;
        this.toolIndex.set(start.contentBlockIndex, index);
        // `arguments: ""` on the opening delta, as OpenAI's own streams have it (clients append to it).
        return this.delta({ tool_calls: [{ index, id: tool.toolUseId, type: 'function', function: { name: tool.name, arguments: '' } }] });
      }
      case 'contentBlockDelta': {
        const d = parse<StreamEvents['contentBlockDelta']>(event);
        const delta = d?.delta;
        if (!d || !delta) return nothing();
        if (typeof delta.text === 'string') return delta.text === '' ? nothing() : this.delta({ content: delta.text });
        if (delta.reasoningContent) {
          const r = delta.reasoningContent;
          if (typeof r.text === 'string' && r.text !== '') return this.delta({ reasoning_content: r.text });
          // The signature lets a client replay the thinking block on its next turn.
          if (typeof r.signature === 'string' && r.signature !== '') return this.delta({ reasoning_signature: r.signature });
          if (typeof r.redactedContent === 'string') return this.delta({ reasoning_content: '[REDACTED]' });
          return nothing();
        }
        if (delta.toolUse) {
          const index = this.toolIndex.get(d.contentBlockIndex);
          if (index === undefined || delta.toolUse.input === '') return nothing();
          return this.delta({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] });
        }
        return nothing();
      }
      case 'messageStop': {
        this.stopped = true;
        const stop = parse<StreamEvents['messageStop']>(event);
        const reason: FinishReason = finishReason(stop?.stopReason);
        return { frames: [this.frame([{ index: 0, delta: {}, finish_reason: reason }])], content: true, done: false };
      }
      case 'metadata': {
        const meta = parse<StreamEvents['metadata']>(event);
        const step: StreamStep = { frames: [], content: false, done: true };
        if (meta?.usage) {
          step.usage = tokenUsage(meta.usage);
          if (this.includeUsage) step.frames.push(this.frame([], openAIUsage(meta.usage)));
        }
        step.frames.push('data: [DONE]\n\n');
        return step;
      }
      default:
        // contentBlockStop, and event types added after this was written
        return nothing();
    }
  }

  finish(): StreamStep | undefined {
    return this.stopped ? { frames: ['data: [DONE]\n\n'], content: false, done: true } : undefined;
  }

  private delta(delta: Delta): StreamStep {
    return { frames: [this.frame([{ index: 0, delta, finish_reason: null }])], content: true, done: false };
  }

  private frame(choices: ChatCompletionChunk['choices'], usage?: ChatCompletionChunk['usage']): string {
    const chunk: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices,
      ...(this.includeUsage && { usage: usage ?? null }),
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}

export class BedrockMessagesStream implements StreamTranslator {
  private readonly writer: AnthropicEventWriter;
  private stopped = false;

  constructor(model: string) {
    this.writer = new AnthropicEventWriter(`msg_${randomUUID().replace(/-/g, '')}`, model);
  }

  push(event: SseEvent): StreamStep {
    if (event.exception) return { ...nothing(), failure: bedrockStreamFailure(event.exception, event.data) };
    switch (event.event) {
      case 'messageStart':
        return { frames: this.writer.start(), content: false, done: false };
      case 'contentBlockStart': {
        const start = parse<StreamEvents['contentBlockStart']>(event);
        const tool = start?.start?.toolUse;
        if (!start || !tool) return nothing();
        return { frames: this.writer.toolStart(String(start.contentBlockIndex), tool.toolUseId, tool.name), content: true, done: false };
      }
      case 'contentBlockDelta': {
        const d = parse<StreamEvents['contentBlockDelta']>(event);
        const delta = d?.delta;
        if (!d || !delta) return nothing();
        const key = String(d.contentBlockIndex);
        let frames: string[] = [];
        if (typeof delta.text === 'string') frames = this.writer.text(delta.text, key);
        else if (delta.reasoningContent) {
          const r = delta.reasoningContent;
          if (typeof r.text === 'string') frames = this.writer.thinking(r.text, key);
          else if (typeof r.signature === 'string') frames = this.writer.signature(r.signature, key);
        } else if (delta.toolUse) frames = this.writer.toolInput(key, delta.toolUse.input);
        return { frames, content: frames.length > 0, done: false };
      }
      case 'contentBlockStop': {
        const stop = parse<StreamEvents['contentBlockStop']>(event);
        return { frames: stop ? this.writer.closeBlockOf(String(stop.contentBlockIndex)) : [], content: false, done: false };
      }
      case 'messageStop': {
        this.stopped = true;
        this.writer.stop(anthropicStopReason(parse<StreamEvents['messageStop']>(event)?.stopReason));
        // The stop reason goes out with the usage, in `message_delta` at `metadata`; it still ends the hold.
        return { frames: [], content: true, done: false };
      }
      case 'metadata': {
        const meta = parse<StreamEvents['metadata']>(event);
        if (meta?.usage) this.writer.setUsage(messagesUsage(meta.usage));
        return { frames: this.writer.end(), content: false, done: true, ...(meta?.usage && { usage: tokenUsage(meta.usage) }) };
      }
      default:
        return nothing();
    }
  }

  finish(): StreamStep | undefined {
    return this.stopped ? { frames: this.writer.end(), content: false, done: true } : undefined;
  }
}
