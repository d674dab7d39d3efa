/**
 * Writes an OpenAI Responses event stream (`event: response.created`, `response.output_text.delta`,
 * ..., `response.completed`) from content as it arrives: text, reasoning and function calls, one
 * output item open at a time, as OpenAI streams them. Every event carries the full state OpenAI
 * sends (the done events repeat the whole text, `response.completed` the whole response), so
 * clients that accumulate (the SDKs' `responses.stream()`) and clients that only read the last
 * event both get the answer.
 */
import type { ResponsesOutputContent, ResponsesOutputItem, ResponsesResponse, ResponsesStatus, ResponsesUsage } from './responses-wire.js';
import { newId, outputText } from '../conversion/completions-to-responses-response.js';

type Open =
  | { kind: 'message'; index: number; id: string; parts: ResponsesOutputContent[]; partOpen: boolean }
  | { kind: 'reasoning'; index: number; id: string; text: string }
  | { kind: 'function'; index: number; id: string; callId: string; name: string; args: string; key: string };

export class ResponsesEventWriter {
  private readonly id = newId('resp');
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private sequence = 1;
  private started = false;
  private ended = false;
  private open: Open | undefined;
  private readonly output: ResponsesOutputItem[] = [];
  /** Function calls already streamed, by the key the caller names them with: a late delta still finds its item. */
  private readonly calls = new Map<string, Extract<Open, { kind: 'function' }>>();
  /** Characters of text, reasoning and arguments held for the done events and the final response. */
  private held = 0;

  constructor(private model: string) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Characters held so far (the caller bounds it: the done events repeat everything). */
  get heldChars(): number {
    return this.held;
  }

  /** The model the upstream named, before the first event goes out. */
  identify(model: string | undefined): void {
    if (!this.started && model) this.model = model;
  }

  private event(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence++, ...fields })}\n\n`;
  }

  private snapshot(status: ResponsesStatus, extra: Partial<ResponsesResponse> = {}): ResponsesResponse {
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      model: this.model,
      output: status === 'in_progress' ? [] : this.output,
      error: null,
      incomplete_details: null,
      ...extra,
    };
  }

  /** `response.created` and `response.in_progress`, once. */
  start(): string[] {
    if (this.started) return [];
    this.started = true;
    return [this.event('response.created', { response: this.snapshot('in_progress') }), this.event('response.in_progress', { response: this.snapshot('in_progress') })];
  }

  text(delta: string): string[] {
    return this.messageDelta('output_text', delta);
  }

  refusal(delta: string): string[] {
    return this.messageDelta('refusal', delta);
  }

  /** Text or refusal into the open message: a part of that kind opens first (the other kind's part closes). */
  private messageDelta(kind: 'output_text' | 'refusal', delta: string): string[] {
    if (delta === '') return [];
    const frames = this.start();
    const open = this.openMessage(frames);
    let part = open.partOpen ? open.parts.at(-1) : undefined;
    if (part?.type !== kind) {
      frames.push(...this.closePart(open));
      part = kind === 'output_text' ? outputText('') : { type: 'refusal', refusal: '' };
      open.parts.push(part);
      open.partOpen = true;
      frames.push(this.event('response.content_part.added', { item_id: open.id, output_index: open.index, content_index: open.parts.length - 1, part: { ...part } }));
    }
    const at = { item_id: open.id, output_index: open.index, content_index: open.parts.length - 1 };
    this.held += delta.length;
    if (part.type === 'output_text') {
      part.text += delta;
      frames.push(this.event('response.output_text.delta', { ...at, delta, logprobs: [] }));
    } else {
      part.refusal += delta;
      frames.push(this.event('response.refusal.delta', { ...at, delta }));
    }
    return frames;
  }

  /** The done events of the message's open part, with everything it said. */
  private closePart(open: Extract<Open, { kind: 'message' }>): string[] {
    const part = open.parts.at(-1);
    if (!open.partOpen || !part) return [];
    open.partOpen = false;
    const at = { item_id: open.id, output_index: open.index, content_index: open.parts.length - 1 };
    return [
      part.type === 'output_text'
        ? this.event('response.output_text.done', { ...at, text: part.text, logprobs: [] })
        : this.event('response.refusal.done', { ...at, refusal: part.refusal }),
      this.event('response.content_part.done', { ...at, part: { ...part } }),
    ];
  }

  reasoning(delta: string): string[] {
    if (delta === '') return [];
    const frames = this.start();
    let open = this.open;
    if (open?.kind !== 'reasoning') {
      frames.push(...this.close());
      open = { kind: 'reasoning', index: this.output.length, id: newId('rs'), text: '' };
      this.open = open;
      this.output.push({ type: 'reasoning', id: open.id, summary: [] });
      frames.push(this.event('response.output_item.added', { output_index: open.index, item: { type: 'reasoning', id: open.id, summary: [] } }));
      frames.push(this.event('response.reasoning_summary_part.added', { item_id: open.id, output_index: open.index, summary_index: 0, part: { type: 'summary_text', text: '' } }));
    }
    open.text += delta;
    this.held += delta.length;
    frames.push(this.event('response.reasoning_summary_text.delta', { item_id: open.id, output_index: open.index, summary_index: 0, delta }));
    return frames;
  }

  /** A function call starts (`key` is how the caller tells its calls apart: the chat tool call index). */
  callStart(key: string, callId: string, name: string): string[] {
    const frames = this.start();
    frames.push(...this.close());
    const open: Open = { kind: 'function', index: this.output.length, id: newId('fc'), callId, name, args: '', key };
    this.open = open;
    this.calls.set(key, open);
    const item = { type: 'function_call', id: open.id, call_id: callId, name, arguments: '', status: 'in_progress' } as const;
    this.output.push({ ...item });
    frames.push(this.event('response.output_item.added', { output_index: open.index, item }));
    return frames;
  }

  hasCall(key: string): boolean {
    return this.calls.has(key);
  }

  callArguments(key: string, delta: string): string[] {
    const call = this.calls.get(key);
    if (!call || delta === '') return [];
    call.args += delta;
    this.held += delta.length;
    if (this.open !== call) {
      // A late delta for a call already closed: its item is rewritten, the client learns it at the end.
      const item = this.output[call.index];
      if (item?.type === 'function_call') item.arguments = call.args;
      return [];
    }
    return [this.event('response.function_call_arguments.delta', { item_id: call.id, output_index: call.index, delta })];
  }

  private openMessage(frames: string[]): Extract<Open, { kind: 'message' }> {
    if (this.open?.kind === 'message') return this.open;
    frames.push(...this.close());
    const open: Open = { kind: 'message', index: this.output.length, id: newId('msg'), parts: [], partOpen: false };
    this.open = open;
    this.output.push({ type: 'message', id: open.id, status: 'in_progress', role: 'assistant', content: [] });
    frames.push(
      this.event('response.output_item.added', { output_index: open.index, item: { type: 'message', id: open.id, status: 'in_progress', role: 'assistant', content: [] } }),
    );
    return open;
  }

  /** Closes the open item: its done events, with everything it said. */
  close(): string[] {
    const open = this.open;
    if (!open) return [];
    this.open = undefined;
    const frames: string[] = [];
    let item: ResponsesOutputItem;
    if (open.kind === 'message') {
      frames.push(...this.closePart(open));
      item = { type: 'message', id: open.id, status: 'completed', role: 'assistant', content: open.parts };
    } else if (open.kind === 'reasoning') {
      frames.push(this.event('response.reasoning_summary_text.done', { item_id: open.id, output_index: open.index, summary_index: 0, text: open.text }));
      frames.push(
        this.event('response.reasoning_summary_part.done', { item_id: open.id, output_index: open.index, summary_index: 0, part: { type: 'summary_text', text: open.text } }),
      );
      item = { type: 'reasoning', id: open.id, summary: [{ type: 'summary_text', text: open.text }] };
    } else {
      frames.push(this.event('response.function_call_arguments.done', { item_id: open.id, output_index: open.index, name: open.name, arguments: open.args }));
      item = { type: 'function_call', id: open.id, call_id: open.callId, name: open.name, arguments: open.args, status: 'completed' };
    }
    this.output[open.index] = item;
    frames.push(this.event('response.output_item.done', { output_index: open.index, item }));
    return frames;
  }

  /** The last events: the open item closed, then `response.completed` (or `response.incomplete`) with the whole response and its usage. */
  end(status: Extract<ResponsesStatus, 'completed' | 'incomplete'>, incompleteReason: string | undefined, usage: ResponsesUsage | undefined): string[] {
    if (this.ended) return [];
    this.ended = true;
    const frames = [...this.start(), ...this.close()];
    const response = this.snapshot(status, { ...(incompleteReason !== undefined && { incomplete_details: { reason: incompleteReason } }), ...(usage && { usage }) });
    frames.push(this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
    return frames;
  }
}
