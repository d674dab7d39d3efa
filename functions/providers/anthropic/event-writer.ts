/**
 * Writes an Anthropic Messages event stream (`message_start`, content blocks, `message_delta`,
 * `message_stop`) for Messages clients of a provider that is not Anthropic. Keeps the invariants
 * Anthropic's own streams have and its SDK relies on: `message_start` first, blocks numbered from
 * 0 and never interleaved (a block still open is closed before the next one starts), every block
 * closed before `message_delta`, and `message_stop` last.
 */
import type { StopReason } from './wire.js';

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class AnthropicEventWriter {
  private started = false;
  private ended = false;
  private nextIndex = 0;
  private open: { kind: BlockKind; index: number; key?: string } | undefined;
  /** Tool blocks by the caller's key (an OpenAI tool index, a Bedrock block index). */
  private readonly tools = new Map<string, number>();
  private stopReason: StopReason | null = null;
  private usage: MessageUsage = { input_tokens: 0, output_tokens: 0 };

  constructor(
    private id: string,
    private model: string,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** The id and model the upstream named, if it names them before the first frame. */
  identify(id: string | undefined, model: string | undefined): void {
    if (this.started) return;
    if (id) this.id = id;
    if (model) this.model = model;
  }

  start(): string[] {
    if (this.started) return [];
    this.started = true;
    return [
      sseFrame('message_start', {
        type: 'message_start',
        message: {
          id: this.id,
          type: 'message',
          role: 'assistant',
          content: [],
          model: this.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      }),
    ];
  }

  /** Text; `key` names the upstream's block, so a new upstream block opens a new one here. */
  text(text: string, key?: string): string[] {
    if (text === '') return [];
    return [...this.ensure('text', key), this.delta({ type: 'text_delta', text })];
  }

  thinking(thinking: string, key?: string): string[] {
    if (thinking === '') return [];
    return [...this.ensure('thinking', key), this.delta({ type: 'thinking_delta', thinking })];
  }

  signature(signature: string, key?: string): string[] {
    if (signature === '') return [];
    return [...this.ensure('thinking', key), this.delta({ type: 'signature_delta', signature })];
  }

  /** Opens a tool_use block; `key` names it for later `toolInput` calls. */
  toolStart(key: string, id: string, name: string): string[] {
    const frames = [...this.start(), ...this.closeBlock()];
    const index = this.nextIndex++;
    this.open = { kind: 'tool_use', index, key };
    this.tools.set(key, index);
    frames.push(sseFrame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } }));
    return frames;
  }

  toolInput(key: string, partialJson: string): string[] {
    const index = this.tools.get(key);
    if (index === undefined || partialJson === '') return [];
    return [sseFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partialJson } })];
  }

  /** Closes the open block if it is the upstream's block `key` (any open block without a key). */
  closeBlockOf(key: string): string[] {
    return this.open?.key === key ? this.closeBlock() : [];
  }

  /** Closes the open block, if any. */
  closeBlock(): string[] {
    if (!this.open) return [];
    const { index } = this.open;
    this.open = undefined;
    return [sseFrame('content_block_stop', { type: 'content_block_stop', index })];
  }

  stop(reason: StopReason): void {
    this.stopReason = reason;
  }

  setUsage(usage: MessageUsage): void {
    this.usage = usage;
  }

  /** `message_delta` (stop reason and final usage) and `message_stop`. */
  end(): string[] {
    if (this.ended) return [];
    this.ended = true;
    return [
      ...this.start(),
      ...this.closeBlock(),
      sseFrame('message_delta', { type: 'message_delta', delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null }, usage: this.usage }),
      sseFrame('message_stop', { type: 'message_stop' }),
    ];
  }

  private ensure(kind: 'text' | 'thinking', key: string | undefined): string[] {
    if (this.open?.kind === kind && (key === undefined || this.open.key === key)) return [];
    const frames = [...this.start(), ...this.closeBlock()];
    const index = this.nextIndex++;
    this.open = key === undefined ? { kind, index } : { kind, index, key };
    const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    frames.push(sseFrame('content_block_start', { type: 'content_block_start', index, content_block: block }));
    return frames;
  }

  private delta(delta: Record<string, unknown>): string {
    return sseFrame('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta });
  }
}
