/**
 * The relay's body, pumped and iterated, over a real SseReader and body: every way an answer ends
 * is told once (`onStreamEnd`), the sink is ended once, the upstream is let go, and nothing a bad
 * event does escapes into the body's event callbacks (where it would end the process). An answer
 * let go before anyone took a byte of it (a hedge that lost) ends nothing of the request's.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptInput, StreamEnd } from '../../functions/engine/attempt.js';
import { bodyChunks } from '../../functions/engine/body-chunks.js';
import { Deadline } from '../../functions/engine/deadline.js';
import { SseReader } from '../../functions/engine/sse-reader.js';
import { relay } from '../../functions/engine/stream-relay.js';
import type { StreamSink } from '../../functions/engine/types.js';
import type { UpstreamResponse } from '../../functions/engine/upstream.js';
import { OpenAIStreamTranslator } from '../../functions/providers/openai/stream.js';
import type { StreamTranslator } from '../../functions/providers/types.js';

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);

afterEach(() => {
  process.off('uncaughtException', onUncaught);
  expect(uncaught.splice(0)).toEqual([]);
});

/** An OpenAI translator that throws, as a converter reading a field that is not there does, on events naming `word`. */
function throwingOn(word: string, message: string): StreamTranslator {
  const translator = new OpenAIStreamTranslator();
  const push = translator.push.bind(translator);
  translator.push = (event) => {
    if (event.data.includes(word)) throw new TypeError(message);
    return push(event);
  };
  return translator;
}

function setup(translator: StreamTranslator = new OpenAIStreamTranslator()) {
  process.on('uncaughtException', onUncaught);
  const upstream = new PassThrough();
  const ends: StreamEnd[] = [];
  const controller = new AbortController();
  const input = {
    redact: (text: string) => text.replaceAll('sk-secret-1', '[redacted]'),
    api: { streamError: (message: string, code: string) => `data: ${JSON.stringify({ error: { message, code } })}\n\n` },
    streamIdleMs: 60_000,
    onStreamEnd: (end: StreamEnd) => ends.push(end),
  } as unknown as AttemptInput<unknown>;
  const reader = new SseReader(bodyChunks(upstream));
  const body = relay([chunk('held ')], reader, { body: upstream } as unknown as UpstreamResponse, translator, new Deadline(controller.signal, undefined, 'test'), input, undefined);
  const written: string[] = [];
  let ended = 0;
  const sink: StreamSink = {
    write: (text) => {
      written.push(text);
      return true;
    },
    onDrain: () => {},
    end: () => ended++,
  };
  return { upstream, body, ends, written, sink, ended: () => ended, controller, text: () => written.join('') };
}

describe('the pumped relay', () => {
  it('writes the held events, then each read, redacted; a whole answer ends once, and the body is let go at its end', async () => {
    const s = setup();
    s.body.pump!(s.sink);
    s.upstream.write(chunk('one ') + chunk('sk-secret-1'));
    await tick();
    s.upstream.end(`${chunk('two')}data: [DONE]\n\n`);
    await tick();
    expect(s.written).toEqual([chunk('held '), chunk('one ') + chunk('[redacted]'), `${chunk('two')}data: [DONE]\n\n`]);
    expect(s.ended()).toBe(1);
    expect(s.ends).toEqual([{ kind: 'done' }]);
    expect(s.upstream.destroyed).toBe(true);
  });

  it('an event the translator cannot read breaks the answer with an error event, told once, and nothing escapes', async () => {
    const throwing = throwingOn('bad', "Cannot read properties of undefined (reading 'type')");
    for (const whenPumped of ['before the bad read', 'after it was read']) {
      const s = setup(throwing);
      if (whenPumped === 'after it was read') {
        // Read during the hold: queued in the reader when the pump starts, told from inside pump().
        s.upstream.write(chunk('bad'));
        await s.body.next(); // the held piece, iterated once so the reader holds the next read
      }
      if (whenPumped === 'before the bad read') {
        s.body.pump!(s.sink);
        s.upstream.write(chunk('bad'));
      }
      await tick();
      await tick();
      if (whenPumped === 'after it was read') {
        // Iterated: the generator's catch turns it into the error event.
        const rest: string[] = [];
        for await (const piece of s.body) rest.push(piece);
        expect(rest.join('')).toContain('upstream_stream_broken');
      } else {
        expect(s.text()).toContain('upstream_stream_broken');
        expect(s.ended()).toBe(1);
      }
      expect(s.ends).toHaveLength(1);
      expect(s.ends[0]!.kind).toBe('broken');
      expect(s.upstream.destroyed).toBe(true);
    }
  });

  it('a bad event already read when the pump starts is the same: one error event, one end', async () => {
    const throwing = throwingOn('bad', 'unreadable');
    const s = setup(throwing);
    s.upstream.write(chunk('ok ') + chunk('bad'));
    await tick();
    s.body.pump!(s.sink);
    await tick();
    expect(s.text()).toContain('upstream_stream_broken');
    expect(s.text()).toContain('ok ');
    expect(s.ended()).toBe(1);
    expect(s.ends.map((e) => e.kind)).toEqual(['broken']);
  });

  it('a connection that breaks, or an upstream that closes before the end, is told once as broken, with the error event', async () => {
    for (const cut of [(u: PassThrough) => u.destroy(new Error('socket hang up')), (u: PassThrough) => u.end()]) {
      const s = setup();
      s.body.pump!(s.sink);
      s.upstream.write(chunk('one '));
      await tick();
      cut(s.upstream);
      await tick();
      expect(s.text()).toContain('upstream_stream_broken');
      expect(s.ended()).toBe(1);
      expect(s.ends.map((e) => e.kind)).toEqual(['broken']);
    }
  });

  it('cancelled by the consumer: told once, as cancelled, or as broken when the request was aborted; the upstream let go', async () => {
    for (const aborted of [false, true]) {
      const s = setup();
      const handle = s.body.pump!(s.sink);
      s.upstream.write(chunk('one '));
      await tick();
      if (aborted) s.controller.abort(new Error('client disconnected'));
      handle.cancel();
      handle.cancel();
      await tick();
      expect(s.ends.map((e) => e.kind)).toEqual([aborted ? 'broken' : 'cancelled']);
      expect(s.ended()).toBe(0);
      expect(s.upstream.destroyed).toBe(true);
    }
  });

  it('let go before anyone took a byte of it (a hedge that lost): the upstream is let go, and no end is told', async () => {
    const s = setup();
    await s.body.return!(undefined);
    await tick();
    expect(s.ends).toEqual([]);
    expect(s.upstream.destroyed).toBe(true);
  });

  it('a reader that cannot push after all (its body has no listen): the pump iterates instead, same pieces, one end', async () => {
    process.on('uncaughtException', onUncaught);
    const ends: StreamEnd[] = [];
    const input = {
      redact: (text: string) => text,
      api: { streamError: (message: string) => `data: ${JSON.stringify({ error: { message } })}\n\n` },
      streamIdleMs: 60_000,
      onStreamEnd: (end: StreamEnd) => ends.push(end),
    } as unknown as AttemptInput<unknown>;
    const reader = new SseReader(
      (async function* () {
        yield new TextEncoder().encode(chunk('one '));
        yield new TextEncoder().encode(`${chunk('two')}data: [DONE]\n\n`);
      })(),
    );
    const body = relay(
      [chunk('held ')],
      reader,
      { body: new PassThrough() } as unknown as UpstreamResponse,
      new OpenAIStreamTranslator(),
      new Deadline(new AbortController().signal, undefined, 't'),
      input,
      undefined,
    );
    const written: string[] = [];
    const done = new Promise<void>((resolve) => body.pump!({ write: (t) => written.push(t) > 0, onDrain: () => {}, end: resolve }));
    await done;
    expect(written.join('')).toBe(`${chunk('held ')}${chunk('one ')}${chunk('two')}data: [DONE]\n\n`);
    expect(ends).toEqual([{ kind: 'done' }]);
  });

  it('an upstream that sends [DONE] and never closes is let go after a bounded wait, pumped or iterated', async () => {
    for (const how of ['pumped', 'iterated']) {
      const s = setup();
      if (how === 'pumped') s.body.pump!(s.sink);
      s.upstream.write(`${chunk('one')}data: [DONE]\n\n`);
      if (how === 'iterated') for await (const piece of s.body) s.written.push(piece);
      await tick();
      expect(s.text()).toContain('[DONE]');
      expect(s.ends.map((e) => e.kind)).toEqual(['done']);
      // Read on for the connection's sake, but not for good (DRAIN_MS, 2 s).
      expect(s.upstream.destroyed).toBe(false);
      const began = Date.now();
      while (!s.upstream.destroyed && Date.now() - began < 5_000) await new Promise((r) => setTimeout(r, 50));
      expect(s.upstream.destroyed, how).toBe(true);
    }
  }, 15_000);
});
