/**
 * SseReader: the events of a stream, however its bytes are cut into reads, are the events the SSE
 * parser finds in the whole text; text already read is parsed an event at a time, as events are
 * asked for (a whole answer in one read must not be parsed to its end before the first event is
 * handed over); and `ready()` says true only when an event is there without another read. Pushed
 * (`listen`, what the Node server's pump uses), the same events, each read's told together.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../support/seeded.js';

const fed: string[] = [];
vi.mock('eventsource-parser', async (importOriginal) => {
  const real = await importOriginal<typeof import('eventsource-parser')>();
  return {
    ...real,
    createParser: (callbacks: Parameters<typeof real.createParser>[0]) => {
      const parser = real.createParser(callbacks);
      return {
        ...parser,
        feed: (text: string) => {
          fed.push(text);
          parser.feed(text);
        },
      };
    },
  };
});

const { SseReader } = await import('../../functions/engine/sse-reader.js');
const { bodyChunks } = await import('../../functions/engine/body-chunks.js');
const { PassThrough } = await import('node:stream');

type Told = Array<{ event?: string; data: string } | 'read' | 'end' | `error: ${string}`>;

/** A reader over a body the test writes to, and what it tells once listening. */
function pushed() {
  const body = new PassThrough();
  const reader = new SseReader(bodyChunks(body));
  const told: Told = [];
  const listen = () =>
    reader.listen({
      event: (e) => told.push(e),
      read: () => told.push('read'),
      end: () => told.push('end'),
      error: (e) => told.push(`error: ${e.message}`),
    });
  return { body, reader, told, listen };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function* reads(parts: readonly string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function all(reader: InstanceType<typeof SseReader>): Promise<Array<{ event?: string; data: string }>> {
  const out: Array<{ event?: string; data: string }> = [];
  for (let e = await reader.next(); e !== null; e = await reader.next()) out.push(e);
  return out;
}

/** The events the parser finds in the whole text at once. */
function reference(text: string): Array<{ event?: string; data: string }> {
  const out: Array<{ event?: string; data: string }> = [];
  const p = createParser({ onEvent: (e: EventSourceMessage) => out.push(e.event === undefined ? { data: e.data } : { event: e.event, data: e.data }) });
  p.feed(`${text}\n\n`);
  return out;
}

const STREAMS = {
  lf: 'data: {"a":1}\n\nevent: delta\ndata: {"b":2}\n\n: keep-alive\n\ndata: line one\ndata: line two\n\nid: 7\nretry: 10\ndata: [DONE]\n\n',
  crlf: 'data: {"a":1}\r\n\r\nevent: delta\r\ndata: {"b":2}\r\n\r\n: ping\r\n\r\ndata: [DONE]\r\n\r\n',
  cr: 'data: one\r\rdata: two\r\r',
  mixed: 'data: a\r\n\ndata: b\n\r\ndata: c\n\n',
  unicode: 'data: {"t":"héllo ✓ 𝄞"}\n\ndata: {"t":"末尾"}\n\n',
  noFinalBlankLine: 'data: first\n\ndata: last',
  // One leading BOM is dropped (the SSE spec); a second is then part of the first field's name.
  bom: '\uFEFFdata: first\n\ndata: second\n\n',
  twoBoms: '\uFEFF\uFEFFdata: lost\n\ndata: kept\n\ndata: also\n\n',
};

describe('SseReader', () => {
  it('finds the events the parser finds in the whole text, for 60 random cuttings of each stream', async () => {
    const r = seededRandom(18);
    for (const [name, text] of Object.entries(STREAMS)) {
      const bytes = new TextEncoder().encode(text);
      const want = reference(text);
      expect(want.length, name).toBeGreaterThan(1);
      for (let i = 0; i < 60; i++) {
        // Cut the bytes anywhere, mid-character and mid-CRLF included.
        const cuts = [...new Set(Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * bytes.length)))].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let from = 0;
        for (const c of [...cuts, bytes.length]) {
          parts.push(bytes.subarray(from, c));
          from = c;
        }
        const reader = new SseReader(
          (async function* () {
            yield* parts;
          })(),
        );
        expect(await all(reader), `${name}, cut at ${cuts.join(',')}`).toEqual(want);
      }
    }
  });

  it('parses a read an event at a time: the first event of a whole answer is handed over before the rest is parsed', async () => {
    const events = Array.from({ length: 20 }, (_, i) => `data: {"n":${i}}\n\n`);
    const reader = new SseReader(reads([events.join('')]));
    fed.length = 0;
    expect(await reader.next()).toEqual({ data: '{"n":0}' });
    expect(fed).toEqual([events[0]]);
    expect(await all(reader)).toHaveLength(19);
  });

  it('ready() is true only when the next event needs no further read', async () => {
    const gate: { open?: () => void } = {};
    const body = (async function* () {
      yield new TextEncoder().encode('data: a\n\ndata: b\n\n: ping\n\ndata: unfinished');
      await new Promise<void>((resolve) => {
        gate.open = resolve;
      });
      yield new TextEncoder().encode(' event\n\n');
    })();
    const reader = new SseReader(body);
    expect(await reader.next()).toEqual({ data: 'a' });
    expect(reader.ready()).toBe(true);
    expect(await reader.next()).toEqual({ data: 'b' });
    // A comment and half an event are left: nothing to hand over until the upstream sends more.
    expect(reader.ready()).toBe(false);
    const next = reader.next();
    gate.open!();
    expect(await next).toEqual({ data: 'unfinished event' });
    expect(await reader.next()).toBeNull();
  });

  it('pushed, finds the same events as pulled, for 60 random cuttings of each stream', async () => {
    const r = seededRandom(19);
    for (const [name, text] of Object.entries(STREAMS)) {
      const bytes = new TextEncoder().encode(text);
      const want = reference(text);
      for (let i = 0; i < 60; i++) {
        const cuts = [...new Set(Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * bytes.length)))].sort((a, b) => a - b);
        const { body, told, listen } = pushed();
        listen();
        let from = 0;
        for (const c of [...cuts, bytes.length]) {
          body.write(bytes.subarray(from, c));
          from = c;
          await tick();
        }
        body.end();
        await tick();
        expect(
          told.filter((t) => typeof t === 'object'),
          `${name}, cut at ${cuts.join(',')}`,
        ).toEqual(want);
        expect(told.at(-1), name).toBe('end');
      }
    }
  });

  it('pushed after pulling: the events already read go first, together, then each read is told as it arrives', async () => {
    const { body, reader, told, listen } = pushed();
    body.write('data: a\n\ndata: b\n\ndata: c');
    expect(await reader.next()).toEqual({ data: 'a' });
    listen();
    // b was read already; c is unfinished until the next read.
    expect(told).toEqual([{ data: 'b' }, 'read']);
    body.write('\n\ndata: d\n\n');
    await tick();
    expect(told).toEqual([{ data: 'b' }, 'read', { data: 'c' }, { data: 'd' }, 'read']);
    body.destroy(new Error('reset'));
    await tick();
    expect(told.at(-1)).toBe('error: reset');
  });

  it('pushed, an event past the size limit is a failure told once, and nothing after it', async () => {
    const { body, told, listen } = pushed();
    listen();
    body.write(`data: ${'x'.repeat(4 * 1024 * 1024 + 10)}`);
    await tick();
    body.write('\n\ndata: after\n\n');
    await tick();
    body.end();
    await tick();
    expect(told.filter((t) => typeof t === 'string' && t.startsWith('error'))).toHaveLength(1);
    expect(told.some((t) => typeof t === 'object' && t.data === 'after')).toBe(false);
    expect(told).not.toContain('end');
  });
});
