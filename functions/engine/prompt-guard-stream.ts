/**
 * Response prompt guards on a streamed answer (with `promptGuard.streaming: Enabled`). The answer's
 * text arrives in deltas, and a match can be split across two of them ("123-45-" then "6789"), so
 * each content block's text is held back by HOLD_CHARS before it is passed on: a delta event carries
 * on only the text that can no longer be part of a match, masked, and the rest follows in the next
 * delta or, when the block ends, in one more delta event made from the last one.
 *
 * The trade-off: a match is never split if it is shorter than HOLD_CHARS (SSNs, SINs, phone and card
 * numbers are under 40 characters, real email addresses well under 128). A custom pattern of
 * unbounded length (`secret[a-z]*`) is held whole while it keeps matching, up to MAX_HELD_CHARS;
 * past that the text is passed on and a longer match may be split. The client sees text later by
 * up to HOLD_CHARS characters (an answer shorter than that arrives at its block's end); a delta
 * whose text is all held still goes out, empty, so event counts and sequence numbers are unchanged.
 * A Reject guard that matches ends the stream with the API's error event (the status line is sent).
 */
import type { PromptGuardSettings, RegexGuard } from '../model/compile-prompt-guard.js';
import type { ClientApiSpec } from './client-api.js';
import { applyGuards, matchSpans } from './prompt-guard.js';
import { mapAnswerText } from './prompt-guard-text.js';
import { isRecord } from '../core/json.js';

export const HOLD_CHARS = 128;
/** Also bounds the work: held text is searched again on each delta, so at most this much per delta. */
export const MAX_HELD_CHARS = 4_096;

export type Json = Record<string, unknown>;

/** One SSE event: its `event:` name and `data:` parsed as JSON (absent for `[DONE]` and comments). */
export interface SseEvent {
  raw: string;
  name?: string;
  data?: Json;
}

/** A text delta in an event: the block it belongs to, its text, and how to write new text into the event's data. */
export interface Delta {
  key: string;
  text: string;
  /** Writes `text` into `data` (the event's JSON, or a clone of it) where this delta's text was. */
  write(data: Json, text: string): void;
  /** The event reduced to this delta alone (a chat chunk's other choices left out), for a flushing delta made from it. */
  isolate?(data: Json): { data: Json; write(data: Json, text: string): void };
}

export interface Codec {
  deltas(ev: SseEvent): Delta[];
  /** Blocks that end at this event (their held text goes out before or in it); 'all' for the end of the answer. */
  ends(ev: SseEvent): string[] | 'all';
  /** Whole texts in the event (Responses' `.done` and `response.completed` events), masked as a buffered answer. */
  whole?(ev: SseEvent, fn: (text: string) => string): void;
}

const chatCodec: Codec = {
  deltas: (ev) =>
    ((ev.data?.choices as unknown[]) ?? []).flatMap((c, i) => {
      if (!isRecord(c) || !isRecord(c.delta) || typeof c.delta.content !== 'string') return [];
      const writeAt = (at: number) => (data: Json, text: string) => {
        ((data.choices as Json[])[at]!.delta as Json).content = text;
      };
      return [
        {
          key: `choice:${c.index ?? i}`,
          text: c.delta.content,
          write: writeAt(i),
          isolate: (data: Json) => ({ data: { ...data, choices: [(data.choices as Json[])[i]!] }, write: writeAt(0) }),
        },
      ];
    }),
  ends: (ev) => {
    if (!ev.data) return ev.raw.includes('[DONE]') ? 'all' : [];
    return ((ev.data.choices as unknown[]) ?? []).flatMap((c, i) => (isRecord(c) && c.finish_reason ? [`choice:${c.index ?? i}`] : []));
  },
};

const messagesCodec: Codec = {
  deltas: (ev) => {
    const d = ev.data;
    if (d?.type !== 'content_block_delta' || !isRecord(d.delta) || d.delta.type !== 'text_delta' || typeof d.delta.text !== 'string') return [];
    return [{ key: `block:${d.index}`, text: d.delta.text, write: (data, text) => ((data.delta as Json).text = text) }];
  },
  ends: (ev) => (ev.data?.type === 'content_block_stop' ? [`block:${ev.data.index}`] : ev.data?.type === 'message_delta' || ev.data?.type === 'message_stop' ? 'all' : []),
};

const responsesCodec: Codec = {
  deltas: (ev) => {
    const d = ev.data;
    if (d?.type !== 'response.output_text.delta' || typeof d.delta !== 'string') return [];
    return [{ key: `part:${d.output_index}:${d.content_index}`, text: d.delta, write: (data, text) => (data.delta = text) }];
  },
  ends: (ev) => {
    const t = ev.data?.type;
    if (t === 'response.output_text.done') return [`part:${ev.data!.output_index}:${ev.data!.content_index}`];
    return t === 'response.completed' || t === 'response.incomplete' || t === 'response.failed' ? 'all' : [];
  },
  whole: (ev, fn) => {
    const d = ev.data;
    if (!d) return;
    if (d.type === 'response.output_text.done' && typeof d.text === 'string') d.text = fn(d.text);
    if (d.type === 'response.content_part.done' && isRecord(d.part) && typeof d.part.text === 'string') d.part.text = fn(d.part.text);
    if (d.type === 'response.output_item.done' && isRecord(d.item)) mapAnswerText('responses', { output: [d.item] }, fn);
    if ((d.type === 'response.completed' || d.type === 'response.incomplete') && isRecord(d.response)) mapAnswerText('responses', d.response, fn);
  },
};

/** How each client API's stream carries text; shared with prompt-guard-stream-remote.ts. */
export const CODECS: Partial<Record<string, Codec>> = { chat: chatCodec, messages: messagesCodec, responses: responsesCodec };

export function parseEvent(raw: string): SseEvent {
  let name: string | undefined;
  const data: string[] = [];
  for (const line of raw.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  let parsed: unknown;
  try {
    parsed = data.length > 0 ? JSON.parse(data.join('\n')) : undefined;
  } catch {
    parsed = undefined;
  }
  return { raw, ...(name !== undefined && { name }), ...(isRecord(parsed) && { data: parsed }) };
}

export const serialize = (name: string | undefined, data: Json): string => `${name !== undefined ? `event: ${name}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/**
 * Where held text can be cut: HOLD_CHARS before its end (all of it when `final`), moved back to the
 * start of any match that would be split, and never between the halves of a surrogate pair.
 */
export function safeCut(guards: readonly RegexGuard[], held: string, final: boolean): number {
  if (final) return held.length;
  let cut = Math.max(0, held.length - HOLD_CHARS);
  const spans = guards.flatMap((g) => matchSpans(g, held));
  for (let moved = true; moved; ) {
    moved = false;
    for (const s of spans) {
      if (s.start < cut && s.end > cut) {
        cut = s.start;
        moved = true;
      }
    }
  }
  // A match held longer than MAX_HELD_CHARS is let go: the bound on what one stream may hold.
  if (held.length - cut > MAX_HELD_CHARS) cut = held.length - HOLD_CHARS;
  if (cut > 0 && cut < held.length && /[\ud800-\udbff]/.test(held[cut - 1]!)) cut -= 1;
  return cut;
}

/** Held text of one block, and the last delta event of it (the template for a delta that flushes it). */
interface Block {
  held: string;
  template: { name?: string; data: Json; write: Delta['write'] };
}

/** The streamed answer with the response guards applied. An API without a codec passes unchanged. */
export async function* guardStream(api: Pick<ClientApiSpec<unknown>, 'name' | 'streamError'>, source: AsyncIterable<string>, settings: PromptGuardSettings): AsyncIterable<string> {
  const codec = CODECS[api.name];
  if (!codec) return yield* source;
  // Guard services (webhooks, Bedrock) have their own stage: prompt-guard-stream-remote.ts.
  const guards = settings.response.filter((g): g is RegexGuard => g.kind === 'regex');
  const blocks = new Map<string, Block>();
  let rejected: RegexGuard | undefined;

  /** Takes what can go of a block's held text, masked; sets `rejected` when a Reject guard matches it. */
  const release = (block: Block, final: boolean): string => {
    const rejection = guards.find((g) => g.action === 'Reject' && matchSpans(g, block.held).length > 0);
    if (rejection) {
      rejected = rejection;
      return '';
    }
    const cut = safeCut(guards, block.held, final);
    const out = applyGuards(guards, block.held.slice(0, cut)).text;
    block.held = block.held.slice(cut);
    return out;
  };
  const flush = (key: string): string => {
    const block = blocks.get(key);
    blocks.delete(key);
    if (!block || block.held === '') return '';
    const text = release(block, true);
    if (rejected || text === '') return '';
    const data = structuredClone(block.template.data);
    block.template.write(data, text);
    return serialize(block.template.name, data);
  };

  let pending = '';
  const handle = (raw: string): string => {
    const ev = parseEvent(raw);
    const deltas = codec.deltas(ev);
    /** The text each block's delta in this event now carries. */
    const carried = new Map<string, string>();
    for (const d of deltas) {
      const block = blocks.get(d.key) ?? { held: '', template: { data: {}, write: d.write } };
      blocks.set(d.key, block);
      block.held += d.text;
      const copy = structuredClone(ev.data!);
      block.template = { ...(ev.name !== undefined && { name: ev.name }), ...(d.isolate ? d.isolate(copy) : { data: copy, write: d.write }) };
      const text = release(block, false);
      carried.set(d.key, text);
      d.write(ev.data!, text);
      if (rejected) return '';
    }
    const ends = codec.ends(ev);
    const ending = ends === 'all' ? [...blocks.keys()] : ends;
    let before = '';
    for (const key of ending) {
      const own = deltas.find((d) => d.key === key);
      // The event that ends a block and carries its last delta (a chat chunk with finish_reason) takes the rest itself.
      if (own && blocks.has(key)) {
        const rest = release(blocks.get(key)!, true);
        blocks.delete(key);
        own.write(ev.data!, (carried.get(key) ?? '') + rest);
      } else before += flush(key);
      if (rejected) return '';
    }
    if (codec.whole && ev.data) {
      codec.whole(ev, (text) => {
        const result = applyGuards(guards, text);
        rejected ??= result.rejected;
        return result.text;
      });
      if (rejected) return '';
    }
    const changed = deltas.length > 0 || ending.length > 0 || codec.whole !== undefined;
    return before + (changed && ev.data ? serialize(ev.name, ev.data) : raw);
  };

  for await (const chunk of source) {
    pending += chunk;
    let out = '';
    for (let at = pending.indexOf('\n\n'); at >= 0; at = pending.indexOf('\n\n')) {
      out += handle(pending.slice(0, at + 2));
      pending = pending.slice(at + 2);
      if (rejected) break;
    }
    if (rejected) {
      if (out) yield out;
      yield api.streamError(rejected.reject.message, 'prompt_guard', rejected.reject.status);
      return; // leaving the loop closes the upstream stream
    }
    if (out) yield out;
  }
  // The stream ended without a block's end: what is held still goes out (unless it must be rejected).
  let rest = '';
  for (const key of [...blocks.keys()]) rest += flush(key);
  if (rejected) {
    yield api.streamError(rejected.reject.message, 'prompt_guard', rejected.reject.status);
    return;
  }
  if (rest || pending) yield rest + pending;
}
