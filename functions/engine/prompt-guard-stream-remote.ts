/**
 * Response guards that call a service (webhook, Bedrock guardrails) on a streamed answer (with
 * `promptGuard.streaming: Enabled`). A service cannot be asked per delta (a call per token), and a
 * match can be split across deltas, so each content block's text is held and sent in windows, the
 * way regex guards hold text back (prompt-guard-stream.ts):
 *
 * - The block's text is held until REMOTE_WINDOW_CHARS have gathered (or the block ends), then the
 *   guards see the held text, in order, each on what the last returned.
 * - What comes back is let go except its last REMOTE_HOLD_CHARS, which stay held, unmasked, and
 *   start the next window: a match that began near the end of one window is seen whole in the
 *   next. If the service changed something inside that tail (a match that may go on in the next
 *   delta), nothing is let go yet and the service is asked again once REMOTE_HOLD_CHARS more have
 *   come. A match shorter than REMOTE_HOLD_CHARS is thus never split between windows.
 * - Bounds: a block holds at most MAX_REMOTE_HELD_CHARS (past it, what the service returned goes
 *   out whole), and the service is asked at most once per REMOTE_HOLD_CHARS of text.
 * - A rejection (a webhook's reject, a Bedrock block, a failed FailClosed call) ends the stream
 *   with the API's error event; text held is never sent. Text let go earlier cannot be taken back.
 *
 * Delta events whose text is all held still go out, empty, so event counts and sequence numbers are
 * unchanged. Responses' whole-text events (`.done`, `response.completed`) get each whole text
 * checked once more (one call per distinct text).
 */
import type { RemoteGuard } from '../model/compile-prompt-guard.js';
import type { ClientApiSpec } from './client-api.js';
import type { GuardCall, GuardRejection } from './prompt-guard.js';
import { askRemoteGuard } from './prompt-guard-remote.js';
import { CODECS, HOLD_CHARS, type Delta, type Json, parseEvent, serialize } from './prompt-guard-stream.js';

export const REMOTE_WINDOW_CHARS = 1_024;
export const REMOTE_HOLD_CHARS = HOLD_CHARS;
export const MAX_REMOTE_HELD_CHARS = 8_192;
/** Whole texts (Responses' `.done` events) already checked in this stream, by text; cleared past this many. */
const MAX_WHOLE_CACHE = 8;

interface Block {
  held: string;
  /** Held length at which the services are asked next. */
  askAt: number;
  template: { name?: string; data: Json; write: Delta['write'] };
}

/** How many characters at the end of `a` and `b` are the same. */
function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

export async function* guardStreamRemote(
  api: Pick<ClientApiSpec<unknown>, 'name' | 'streamError'>,
  source: AsyncIterable<string>,
  guards: readonly RemoteGuard[],
  call: GuardCall,
): AsyncIterable<string> {
  const codec = CODECS[api.name];
  if (!codec) return yield* source;
  const blocks = new Map<string, Block>();
  let rejected: GuardRejection | undefined;

  /** The guards, in order, on one text: the text they let through, or undefined with `rejected` set. */
  const check = async (text: string): Promise<string | undefined> => {
    let out = text;
    for (const guard of guards) {
      const outcome = await askRemoteGuard(guard, 'response', [{ role: 'assistant', content: out }], call);
      if (outcome.rejected) {
        rejected = outcome.rejected;
        return undefined;
      }
      if (outcome.contents) out = outcome.contents[0]!;
    }
    return out;
  };

  /** What can go of a block's held text (see the module's comment); '' while it is held. */
  const release = async (block: Block, final: boolean): Promise<string> => {
    if (block.held === '' || (!final && block.held.length < block.askAt)) return '';
    const checked = await check(block.held);
    if (checked === undefined) return '';
    if (final || block.held.length > MAX_REMOTE_HELD_CHARS) {
      block.held = '';
      block.askAt = REMOTE_WINDOW_CHARS;
      return checked;
    }
    // Never keep the low half of a surrogate pair without its high half.
    const hold = /[\ud800-\udbff]/.test(block.held[block.held.length - REMOTE_HOLD_CHARS - 1] ?? '') ? REMOTE_HOLD_CHARS + 1 : REMOTE_HOLD_CHARS;
    if (commonSuffix(block.held, checked) < hold) {
      block.askAt = block.held.length + REMOTE_HOLD_CHARS;
      return '';
    }
    block.held = block.held.slice(block.held.length - hold);
    block.askAt = REMOTE_WINDOW_CHARS;
    return checked.slice(0, checked.length - hold);
  };

  const flush = async (key: string): Promise<string> => {
    const block = blocks.get(key);
    blocks.delete(key);
    if (!block || block.held === '') return '';
    const text = await release(block, true);
    if (rejected || text === '') return '';
    const data = structuredClone(block.template.data);
    block.template.write(data, text);
    return serialize(block.template.name, data);
  };

  const wholeChecked = new Map<string, string>();
  const handle = async (raw: string): Promise<string> => {
    const ev = parseEvent(raw);
    const deltas = codec.deltas(ev);
    const carried = new Map<string, string>();
    for (const d of deltas) {
      const block = blocks.get(d.key) ?? { held: '', askAt: REMOTE_WINDOW_CHARS, template: { data: {}, write: d.write } };
      blocks.set(d.key, block);
      block.held += d.text;
      const copy = structuredClone(ev.data!);
      block.template = { ...(ev.name !== undefined && { name: ev.name }), ...(d.isolate ? d.isolate(copy) : { data: copy, write: d.write }) };
      const text = await release(block, false);
      if (rejected) return '';
      carried.set(d.key, text);
      d.write(ev.data!, text);
    }
    const ends = codec.ends(ev);
    const ending = ends === 'all' ? [...blocks.keys()] : ends;
    let before = '';
    for (const key of ending) {
      const own = deltas.find((d) => d.key === key);
      if (own && blocks.has(key)) {
        const rest = await release(blocks.get(key)!, true);
        blocks.delete(key);
        own.write(ev.data!, (carried.get(key) ?? '') + rest);
      } else before += await flush(key);
      if (rejected) return '';
    }
    if (codec.whole && ev.data) {
      const texts: string[] = [];
      codec.whole(ev, (text) => {
        texts.push(text);
        return text;
      });
      for (const text of texts) {
        if (wholeChecked.has(text)) continue;
        const checked = await check(text);
        if (checked === undefined) return '';
        if (wholeChecked.size >= MAX_WHOLE_CACHE) wholeChecked.clear();
        wholeChecked.set(text, checked);
      }
      codec.whole(ev, (text) => wholeChecked.get(text) ?? text);
    }
    const changed = deltas.length > 0 || ending.length > 0 || codec.whole !== undefined;
    return before + (changed && ev.data ? serialize(ev.name, ev.data) : raw);
  };

  const errorEvent = (r: GuardRejection) => api.streamError(r.message, r.code ?? 'prompt_guard', r.status);
  let pending = '';
  for await (const chunk of source) {
    pending += chunk;
    let out = '';
    for (let at = pending.indexOf('\n\n'); at >= 0; at = pending.indexOf('\n\n')) {
      out += await handle(pending.slice(0, at + 2));
      pending = pending.slice(at + 2);
      if (rejected) break;
    }
    if (rejected) {
      if (out) yield out;
      yield errorEvent(rejected);
      return; // leaving the loop closes the upstream stream
    }
    if (out) yield out;
  }
  let rest = '';
  for (const key of [...blocks.keys()]) rest += await flush(key);
  if (rejected) {
    yield errorEvent(rejected);
    return;
  }
  if (rest || pending) yield rest + pending;
}
