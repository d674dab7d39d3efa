/**
 * bodyChunks behaves as Node's async iterator over a Readable does where the engine relies on it
 * (each case is run through both): chunks in order, done at the end, the stream's own error, an
 * error for a close before the end, return() destroying the body; and it reads ahead at most one
 * chunk (the body is paused while one waits) and takes bytes already buffered at once.
 */
import { PassThrough, type Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyChunks } from '../../functions/engine/body-chunks.js';

type Open = (body: Readable) => AsyncIterator<Uint8Array>;
const WAYS: Array<[string, Open]> = [
  ["Node's iterator", (body) => body[Symbol.asyncIterator]()],
  ['bodyChunks', (body) => bodyChunks(body)],
];

const text = (r: IteratorResult<Uint8Array>) => (r.done ? null : Buffer.from(r.value).toString());

describe.each(WAYS)('%s', (_, open) => {
  it('hands over chunks in order, then done', async () => {
    const body = new PassThrough();
    const chunks = open(body);
    body.write('a');
    expect(text(await chunks.next())).toBe('a');
    const next = chunks.next();
    body.write('b');
    expect(text(await next)).toBe('b');
    body.end();
    expect((await chunks.next()).done).toBe(true);
  });

  it('throws the error the body was destroyed with, after the chunks before it', async () => {
    const body = new PassThrough();
    const chunks = open(body);
    body.write('a');
    expect(text(await chunks.next())).toBe('a');
    const next = chunks.next();
    body.destroy(new Error('no event for 50 ms'));
    await expect(next).rejects.toThrow('no event for 50 ms');
  });

  it('throws when the body closes before its end', async () => {
    const body = new PassThrough();
    const chunks = open(body);
    const next = chunks.next();
    body.destroy();
    await expect(next).rejects.toThrow(/premature close/i);
  });

  it('two reads asked for at once get the next two chunks, in order', async () => {
    const body = new PassThrough();
    const chunks = open(body);
    const first = chunks.next();
    const second = chunks.next();
    body.write('a');
    await new Promise((resolve) => setImmediate(resolve));
    body.write('b');
    expect([text(await first), text(await second)]).toEqual(['a', 'b']);
    body.destroy();
  });

  it('return() destroys the body', async () => {
    const body = new PassThrough();
    const chunks = open(body);
    body.write('a');
    await chunks.next();
    await chunks.return?.();
    expect(body.destroyed).toBe(true);
  });
});

describe('bodyChunks', () => {
  it('takes what the body holds already without waiting for it to flow', async () => {
    const body = new PassThrough();
    body.write('held');
    const chunks = bodyChunks(body);
    let settled = false;
    const next = chunks.next().then((r) => {
      settled = true;
      return r;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true); // a microtask or two, no tick
    expect(text(await next)).toBe('held');
  });

  it('reads at most one chunk ahead: the body pauses until the next one is asked for', async () => {
    const body = new PassThrough({ highWaterMark: 4 });
    const chunks = bodyChunks(body);
    body.write('one');
    await new Promise((resolve) => setImmediate(resolve));
    expect(body.isPaused()).toBe(true);
    let written = 0;
    for (let i = 0; i < 50; i++) if (body.write('xxxx')) written++;
    expect(written).toBe(0); // the write side sees back-pressure, nothing is drained into a queue
    expect(text(await chunks.next())).toBe('one');
    body.destroy();
  });

  it('a body that failed before it was opened throws its error', async () => {
    const body = new PassThrough();
    body.on('error', () => {});
    body.destroy(new Error('reset'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(bodyChunks(body).next()).rejects.toThrow('reset');
  });
});

describe('bodyChunks().listen: pushing instead of being pulled', () => {
  /** A listener that records what it is told, in order. */
  const recorder = () => {
    const told: string[] = [];
    return {
      told,
      handlers: {
        data: (c: Uint8Array) => told.push(Buffer.from(c).toString()),
        end: () => told.push('end'),
        error: (e: Error) => told.push(`error: ${e.message}`),
      },
    };
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('hands over the chunk read ahead at once, then each chunk as it arrives, then the end', async () => {
    const body = new PassThrough();
    const chunks = bodyChunks(body);
    body.write('a');
    expect(text(await chunks.next())).toBe('a');
    body.write('b'); // read ahead while nobody asks: queued, the body paused
    await tick();
    const { told, handlers } = recorder();
    chunks.listen(handlers);
    expect(told).toEqual(['b']);
    body.write('c');
    await tick();
    body.end();
    await tick();
    expect(told).toEqual(['b', 'c', 'end']);
  });

  it('tells a failure once: the error a body is destroyed with, or a close before the end', async () => {
    for (const [destroy, want] of [
      [(b: PassThrough) => b.destroy(new Error('no event for 50 ms')), 'error: no event for 50 ms'],
      [(b: PassThrough) => b.destroy(), 'error: Premature close'],
    ] as const) {
      const body = new PassThrough();
      const { told, handlers } = recorder();
      bodyChunks(body).listen(handlers);
      body.write('a');
      await tick();
      destroy(body);
      await tick();
      expect(told).toEqual(['a', want]);
    }
  });

  it('tells the end at once when the body ended before the listener came', async () => {
    const body = new PassThrough();
    const chunks = bodyChunks(body);
    body.end('a');
    expect(text(await chunks.next())).toBe('a');
    await tick();
    const { told, handlers } = recorder();
    chunks.listen(handlers);
    await tick();
    expect(told).toEqual(['end']);
  });

  it('pause() stops the chunks until resume(); return() stops them for good and destroys the body', async () => {
    const body = new PassThrough();
    const chunks = bodyChunks(body);
    const { told, handlers } = recorder();
    const flow = chunks.listen(handlers);
    flow.pause();
    body.write('a');
    await tick();
    expect(told).toEqual([]);
    // Held by the stream, not by a buffer of ours: the body's own buffer has it.
    expect(body.readableLength).toBe(1);
    flow.resume();
    await tick();
    expect(told).toEqual(['a']);
    await chunks.return!();
    expect(body.destroyed).toBe(true);
    body.write?.('b');
    await tick();
    expect(told).toEqual(['a']);
  });
});
