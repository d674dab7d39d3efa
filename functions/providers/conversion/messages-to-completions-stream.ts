/**
 * Anthropic Messages stream -> OpenAI chat.completion.chunk frames.
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming
 *
 * Anthropic brackets content in blocks (`content_block_start` / `_delta` / `_stop`) and reports
 * the stop reason and final usage in `message_delta`; OpenAI clients expect flat deltas with
 * tool calls numbered by their position among tool calls, and `data: [DONE]` at the end.
 */
import { randomUUID } from 'node:crypto';
import type { SseEvent, StreamStep, StreamTranslator } from '../types.js';
import type { ChatCompletionChunk, ChunkToolCallDelta, FinishReason } from '../openai/wire.js';
import { streamFailure } from '../anthropic/errors.js';
import { finishReason } from '../anthropic/finish.js';
import { mergeUsage, tokenUsage, toOpenAIUsage } from '../anthropic/usage.js';
import type { ContentBlockDelta, StreamEvent, ToolUseBlock, Usage } from '../anthropic/wire.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];
type Event<T extends StreamEvent['type']> = Extract<StreamEvent, { type: T }>;

/** A `tool_use` block in progress, keyed by its Anthropic block index. */
interface OpenToolCall {
  /** The OpenAI `tool_calls[].index`: counts tool calls only, not text or thinking blocks. */
  index: number;
  /** Whether any argument text went out; if none did, `{}` is sent when the block closes. */
  argumentsSent: boolean;
}

/** A step with nothing for the client (fresh each time: the engine owns what we return). */
function nothing(): StreamStep {
  return { frames: [], content: false, done: false };
}

function frame(chunk: ChatCompletionChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export class AnthropicStreamTranslator implements StreamTranslator {
  /** Anthropic's message id once `message_start` names it. */
  private id = `chatcmpl-${randomUUID()}`;
  private model: string;
  private serviceTier: string | undefined;
  /** Anthropic names the role once up front; OpenAI puts it on the first delta the client sees. */
  private rolePending = true;
  private usage: Usage = {};
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly toolCalls = new Map<number, OpenToolCall>();
  private nextToolIndex = 0;

  constructor(
    sentModel: string,
    private readonly includeUsage: boolean,
  ) {
    this.model = sentModel;
  }

  push(event: SseEvent): StreamStep {
    let parsed: StreamEvent;
    try {
      parsed = JSON.parse(event.data) as StreamEvent;
    } catch {
      // Not JSON: nothing a client could use (agentgateway skips these too).
      return nothing();
    }
    if (typeof parsed !== 'object' || parsed === null) return nothing();
    // `type` inside the data is authoritative; the SSE event name is a fallback.
    const type = (parsed as { type?: unknown }).type ?? event.event;

    switch (type) {
      case 'message_start':
        return this.onMessageStart(parsed as Event<'message_start'>);
      case 'content_block_start':
        return this.onBlockStart(parsed as Event<'content_block_start'>);
      case 'content_block_delta': {
        const { index, delta } = parsed as Event<'content_block_delta'>;
        return this.onBlockDelta(index, delta);
      }
      case 'content_block_stop':
        return this.onBlockStop((parsed as Event<'content_block_stop'>).index);
      case 'message_delta':
        return this.onMessageDelta(parsed as Event<'message_delta'>);
      case 'message_stop':
        return { frames: ['data: [DONE]\n\n'], content: false, done: true };
      case 'error':
        return { ...nothing(), failure: streamFailure((parsed as Partial<Event<'error'>>).error) };
      default:
        // `ping`, and event types added after this was written.
        return nothing();
    }
  }

  private onMessageStart({ message }: Event<'message_start'>): StreamStep {
    if (typeof message?.id === 'string') this.id = message.id;
    if (typeof message?.model === 'string' && message.model !== '') this.model = message.model;
    this.usage = message?.usage ?? {};
    if (typeof this.usage.service_tier === 'string') this.serviceTier = this.usage.service_tier;
    return { ...nothing(), model: this.model };
  }

  private onBlockStart({ index, content_block: block }: Event<'content_block_start'>): StreamStep {
    if (block.type === 'tool_use') return this.onToolStart(index, block as Partial<ToolUseBlock>);
    // Text and thinking blocks open empty and fill through deltas; a server that sends the text
    // up front still gets it delivered.
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') return this.delta({ content: block.text });
    return nothing();
  }

  private onToolStart(blockIndex: number, block: Partial<ToolUseBlock>): StreamStep {
    const call: OpenToolCall = { index: this.nextToolIndex++, argumentsSent: false };
    this.toolCalls.set(blockIndex, call);
    // Anthropic opens with `input: {}` and streams the JSON; a server that sends it whole here
    // (some compatible ones do) must not lose it.
    const input = block.input;
    const upFront = input && Object.keys(input).length > 0 ? JSON.stringify(input) : '';
    call.argumentsSent = upFront !== '';
    const opening: ChunkToolCallDelta = {
      index: call.index,
      id: String(block.id ?? ''),
      type: 'function',
      // OpenAI's opening tool-call delta always carries `arguments` (""), and clients that
      // accumulate with `+=` rely on it.
      function: { name: String(block.name ?? ''), arguments: upFront },
    };
    return this.delta({ tool_calls: [opening] });
  }

  private onBlockDelta(blockIndex: number, delta: ContentBlockDelta | undefined): StreamStep {
    switch (delta?.type) {
      case 'text_delta':
        return delta.text === '' ? nothing() : this.delta({ content: delta.text });
      case 'thinking_delta':
        return delta.thinking === '' ? nothing() : this.delta({ reasoning_content: delta.thinking });
      case 'input_json_delta': {
        const call = this.toolCalls.get(blockIndex);
        if (!call || delta.partial_json === '') return nothing();
        call.argumentsSent = true;
        return this.delta({ tool_calls: [{ index: call.index, function: { arguments: delta.partial_json } }] });
      }
      default:
        // signature_delta and citations_delta have no chat completions equivalent.
        return nothing();
    }
  }

  private onBlockStop(blockIndex: number): StreamStep {
    const call = this.toolCalls.get(blockIndex);
    this.toolCalls.delete(blockIndex);
    // A tool without parameters streams no JSON at all; clients JSON.parse the arguments, and ""
    // does not parse.
    if (!call || call.argumentsSent) return nothing();
    return this.delta({ tool_calls: [{ index: call.index, function: { arguments: '{}' } }] });
  }

  private onMessageDelta({ delta, usage }: Event<'message_delta'>): StreamStep {
    this.usage = mergeUsage(this.usage, usage);
    const openAIUsage = toOpenAIUsage(this.usage);
    const reason = finishReason(delta?.stop_reason);
    const chunkUsage = this.includeUsage ? openAIUsage : undefined;
    const frames = reason !== null ? [frame(this.chunk([this.choice({}, reason)], chunkUsage))] : chunkUsage ? [frame(this.chunk([], chunkUsage))] : [];
    return { frames, content: reason !== null, done: false, usage: tokenUsage(openAIUsage) };
  }

  /** One content delta as a step that ends the engine's hold. */
  private delta(delta: Delta): StreamStep {
    return { frames: [frame(this.chunk([this.choice(delta, null)]))], content: true, done: false };
  }

  private choice(delta: Delta, finish: FinishReason | null): ChatCompletionChunk['choices'][number] {
    if (this.rolePending) {
      this.rolePending = false;
      delta = { role: 'assistant', ...delta };
    }
    return { index: 0, delta, finish_reason: finish };
  }

  /**
   * With `include_usage`, OpenAI sends `usage: null` on every chunk but the last; without it,
   * no usage at all. Like agentgateway, the final counts ride on the finish chunk.
   */
  private chunk(choices: ChatCompletionChunk['choices'], usage?: ChatCompletionChunk['usage']): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices,
      ...(this.includeUsage ? { usage: usage ?? null } : {}),
      ...(this.serviceTier !== undefined ? { service_tier: this.serviceTier } : {}),
    };
  }
}
