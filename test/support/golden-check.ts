/**
 * Shared machinery for the conformance tests against agentgateway's golden cases: a tally of
 * matched cases per translation, deliberate deviations that must keep differing (and only where
 * they say), and readers for recorded streams (SSE text, Bedrock's binary event streams).
 */
import { createParser } from 'eventsource-parser';
import { expect } from 'vitest';
import { AwsEventStreamReader } from '../../functions/providers/bedrock/event-stream-reader.js';
import type { SseEvent, StreamStep, StreamTranslator } from '../../functions/providers/types.js';
import { type CompareOptions, diffJson, readGolden } from './conformance.js';
import { readFileSync } from 'node:fs';
import { GOLDEN_ROOT } from './conformance.js';

export interface Deviation<T extends string> {
  translation: T;
  case: string;
  /** Every difference of the case starts with this text (so an unrelated regression still fails). */
  differsAt: string | readonly string[];
  reason: string;
}

export class Tally<T extends string> {
  private readonly counts = new Map<T, { ok: number; total: number }>();

  constructor(
    readonly title: string,
    translations: readonly T[],
    readonly deviations: ReadonlyArray<Deviation<T>>,
  ) {
    for (const t of translations) this.counts.set(t, { ok: 0, total: 0 });
  }

  /** Records the outcome and asserts it: a match, or — for a listed deviation — a mismatch only where it says. */
  check(translation: T, name: string, diffs: string[]): void {
    const count = this.counts.get(translation)!;
    count.total += 1;
    if (diffs.length === 0) count.ok += 1;
    const listed = this.deviations.find((d) => d.translation === translation && d.case === name);
    if (listed) {
      const prefixes = typeof listed.differsAt === 'string' ? [listed.differsAt] : listed.differsAt;
      expect(diffs, `${name} is listed as a deviation but now matches agentgateway: remove it from DEVIATIONS`).not.toEqual([]);
      expect(
        diffs.filter((diff) => !prefixes.some((p) => diff.startsWith(p))),
        `${name} differs beyond its listed deviation`,
      ).toEqual([]);
    } else {
      expect(diffs).toEqual([]);
    }
  }

  report(): string {
    const counts = [...this.counts].map(([t, { ok, total }]) => `${t} ${ok}/${total}`);
    const lines = [`agentgateway conformance, ${this.title} (matched exactly): ${counts.join(', ')}`];
    for (const d of this.deviations) lines.push(`  deviation ${d.translation} ${d.case}: ${d.reason}`);
    return lines.join('\n');
  }
}

/** Recorded SSE text -> events, through the same parser the engine uses. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: ({ event, data }) => events.push(event === undefined ? { data } : { event, data }) });
  parser.feed(text);
  parser.reset({ consume: true });
  return events;
}

/** A recorded Bedrock event stream (`.bin`) -> events, through the engine's reader and the SDK's codec. */
export async function readEventStream(relativePath: string): Promise<SseEvent[]> {
  const bytes = readFileSync(new URL(relativePath, GOLDEN_ROOT));
  // Fed in uneven pieces, as a network delivers it: frames split across chunks must still decode.
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += 37) yield new Uint8Array(bytes.subarray(at, at + 37));
  }
  const reader = new AwsEventStreamReader(chunks());
  const events: SseEvent[] = [];
  for (let e = await reader.next(); e !== null; e = await reader.next()) events.push(e);
  return events;
}

/** Feeds events through a translator, then the close of the stream. */
export function translateStream(translator: StreamTranslator, events: readonly SseEvent[]): StreamStep[] {
  const steps = events.map((e) => translator.push(e));
  // As the engine does: the close only matters to a stream that did not say it was complete.
  if (!steps.some((s) => s.done)) {
    const end = translator.finish?.();
    if (end) steps.push(end);
  }
  return steps;
}

/** `data:` payloads of SSE frames (for chat clients) or `{event, data}` pairs (for Messages clients). */
export function framesOf(steps: readonly StreamStep[]): string[] {
  return steps.flatMap((s) => s.frames);
}

/** Compares chat chunk frames (`data: {...}`) with a snapshot's `data:` payloads. */
export function diffChatFrames(frames: readonly string[], expected: readonly string[], options: CompareOptions): string[] {
  const actual = frames.map((f) => {
    expect(f.startsWith('data: ') && f.endsWith('\n\n'), `frame ${JSON.stringify(f)}`).toBe(true);
    return f.slice('data: '.length, -2);
  });
  if (actual.length !== expected.length) return [`expected ${expected.length} frames, got ${actual.length}:\n${actual.join('\n')}`];
  return expected.flatMap((want, i) =>
    want === '[DONE]' || actual[i] === '[DONE]'
      ? actual[i] === want
        ? []
        : [`frame ${i}: expected ${want}, got ${actual[i]}`]
      : diffJson(JSON.parse(actual[i]!), JSON.parse(want), options, `frame[${i}]`),
  );
}

/** The `event:`/`data:` pairs of a Messages stream snapshot, without the trailing JSON summary. */
export function snapshotEvents(relativePath: string): Array<{ event: string; data: unknown }> {
  const text = readGolden(relativePath);
  const body = text.split('\n---\n').slice(1).join('\n---\n');
  const summary = body.search(/^\{/m);
  return parseSse(summary < 0 ? body : body.slice(0, summary)).map((e) => ({ event: e.event ?? 'message', data: JSON.parse(e.data) as unknown }));
}

/** Compares Anthropic event frames (`event: x\ndata: {...}`) with a snapshot's events. */
export function diffMessagesFrames(
  frames: readonly string[],
  expected: ReadonlyArray<{ event: string; data: unknown }>,
  options: CompareOptions,
  normalise?: (data: unknown, index: number) => unknown,
): string[] {
  const actual = parseSse(frames.join('')).map((e) => ({ event: e.event ?? 'message', data: JSON.parse(e.data) as unknown }));
  const render = (list: ReadonlyArray<{ event: string; data: unknown }>) => list.map((e) => `${e.event} ${JSON.stringify(e.data)}`).join('\n');
  if (actual.length !== expected.length) return [`expected ${expected.length} events, got ${actual.length}:\n${render(actual)}`];
  return expected.flatMap((want, i) => [
    ...(actual[i]!.event === want.event ? [] : [`event[${i}]: expected ${want.event}, got ${actual[i]!.event}`]),
    ...diffJson(normalise ? normalise(actual[i]!.data, i) : actual[i]!.data, want.data, options, `event[${i}]`),
  ]);
}
