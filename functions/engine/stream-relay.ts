/**
 * The flowing part of a streamed answer: the held events, then the rest as the upstream sends them,
 * translated into the client's API and redacted. Once bytes went out there is no failing over: a
 * broken upstream ends the client's stream with an explicit error event and no [DONE], so a client
 * can never mistake a cut-off answer for a complete one.
 *
 * Two ways to take it, with one set of rules (`RelayState`):
 * - iterated (an async generator): what the answer guards (prompt-guard-answer.ts) consume;
 * - pumped (`pump(sink)`): the Node server's way, and the Lambda's (into its Readable). The upstream's
 *   reads are translated and written from the read's own callback, with no promise, generator step
 *   or tick per piece. Relaying 1,000 slow streams at once (a chunk every 50 ms for 10 s), the
 *   gateway's CPU went from 11.7–12.1 s to 10.2–10.4 s; a bare Node proxy takes ~6.7 s.
 */
import type { EventHandlers, EventReader, FlowControl, SseEvent, StreamTranslator, TokenUsage } from '../providers/types.js';
import type { AttemptInput, StreamEnd } from './attempt.js';
import type { Deadline } from './deadline.js';
import type { Pumpable, PumpHandle, StreamSink } from './types.js';
import type { UpstreamResponse } from './upstream.js';

/**
 * After the end of an answer (its [DONE]) the rest of the connection is read so it can be reused:
 * at most this many events, for at most this long. An upstream that sends [DONE] and never closes
 * must not hold a socket (and what reads it) for good.
 */
const DRAIN_EVENTS = 16;
const DRAIN_MS = 2_000;

/** What one relay knows, and what every way of taking it does with an event, an end or a break. */
class RelayState<Req> {
  ended: StreamEnd = { kind: 'cancelled' };
  /** Frames of events read, not yet handed on: one upstream read's events go out as one piece. */
  private frames: string[] = [];
  private silent = false;
  private readonly idle: NodeJS.Timeout;
  private finished = false;

  constructor(
    readonly reader: EventReader,
    response: UpstreamResponse,
    private readonly translator: StreamTranslator,
    private readonly deadline: Deadline,
    private readonly input: AttemptInput<Req>,
    private usage: TokenUsage | undefined,
  ) {
    // One timer, refreshed on every read: a provider that goes quiet is cut, and the read fails.
    this.idle = setTimeout(() => {
      this.silent = true;
      response.body.destroy(new Error(`no event for ${input.streamIdleMs} ms`));
    }, input.streamIdleMs);
    this.idle.unref?.();
  }

  redact(text: string): string {
    return this.input.redact(text);
  }

  get hasFrames(): boolean {
    return this.frames.length > 0;
  }

  /** The frames gathered so far, redacted as one piece. */
  take(): string {
    const text = this.input.redact(this.frames.join(''));
    this.frames = [];
    return text;
  }

  /** The idle window is the provider's silence: it starts again at each read. */
  refresh(): void {
    this.idle.refresh();
  }

  /** One upstream event; true when the answer is over (its last frames, or the error event, are gathered). */
  event(event: SseEvent): boolean {
    const step = this.translator.push(event);
    if (step.usage) this.usage = step.usage;
    if (step.failure) {
      // How it ended is set before the last frames go: a client that leaves meanwhile must not turn a broken stream into a cancelled one.
      this.ended = { kind: 'broken', reason: `${step.failure.type}: ${step.failure.message.slice(0, 200)}` };
      this.frames.push(this.input.api.streamError(step.failure.message, step.failure.type, step.failure.status));
      return true;
    }
    this.frames.push(...step.frames);
    if (step.done) this.ended = { kind: 'done' };
    return step.done;
  }

  /** The upstream closed the stream: complete if the translator says so, else broken. */
  closed(): void {
    const end = this.translator.finish?.();
    if (end?.done) {
      if (end.usage) this.usage = end.usage;
      this.frames.push(...end.frames);
      this.ended = { kind: 'done' };
      return;
    }
    this.ended = { kind: 'broken', reason: 'upstream closed the stream before it was complete' };
    this.frames.push(this.input.api.streamError('The upstream provider closed the stream before the answer was complete.', 'upstream_stream_broken'));
  }

  /** The read failed: the connection broke, the idle timer cut it, or the request was aborted. */
  failed(error: unknown): void {
    this.ended = { kind: 'broken', reason: this.silent ? `no event for ${this.input.streamIdleMs} ms` : error instanceof Error ? error.message : String(error) };
    // Say why the answer stops here (if the client is gone, the write goes nowhere, harmlessly).
    this.frames.push(
      this.input.api.streamError(
        `The upstream stream was interrupted: ${this.silent ? 'the provider went silent' : 'the connection broke or the request timed out'}.`,
        'upstream_stream_broken',
      ),
    );
  }

  /** Let go before its end: broken if the request's signal aborted the read, else cancelled. */
  abandoned(): void {
    const { signal } = this.deadline;
    if (signal.aborted) this.failed(signal.reason);
  }

  /**
   * Once, however it ended: timers off, the upstream let go (read a little further after a complete
   * answer, so its connection can be reused, unless `released`: the caller takes care of that), and
   * the end told — unless `silent`: an answer let go before anyone took a byte of it (a hedge that
   * lost) ends nothing of the request's.
   */
  finish(options: { released?: boolean; silent?: boolean } = {}): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.idle);
    this.deadline.dispose();
    if (!options.released) {
      if (this.ended.kind === 'done' && !options.silent) void drain(this.reader);
      else void this.reader.cancel().catch(() => {});
    }
    if (!options.silent) this.input.onStreamEnd?.(this.usage ? { ...this.ended, usage: this.usage } : this.ended);
  }
}

/** The relay's answer body: an async iterator, and pumpable when the reader can push. */
export function relay<Req>(
  held: string[],
  reader: EventReader,
  response: UpstreamResponse,
  translator: StreamTranslator,
  deadline: Deadline,
  input: AttemptInput<Req>,
  heldUsage: TokenUsage | undefined,
): AsyncIterableIterator<string> & Partial<Pumpable> {
  const state = new RelayState(reader, response, translator, deadline, input, heldUsage);
  return reader.listen ? new RelayBody(held, state) : iterated(held, state);
}

/**
 * Iterated or pumped, whichever the consumer asks for first. A class, its methods on the prototype:
 * with per-request functions stored as properties instead (on the generator, or on the engine's
 * wrapper), V8's allocation-site pretenuring started moving whole requests into the old generation
 * (measured: 38 % of what a young-generation collection found survived it, against 0.2 %; 5 ms
 * pauses instead of 1 ms, and the streaming p99 with them).
 */
class RelayBody<Req> implements AsyncIterableIterator<string>, Pumpable {
  private generator: AsyncGenerator<string, void, undefined> | undefined;
  private pumped: PumpHandle | undefined;

  constructor(
    private held: string[] | undefined,
    private state: RelayState<Req> | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<string, void>> {
    if (!this.generator) {
      if (!this.state) return Promise.resolve({ done: true, value: undefined });
      this.generator = iterated(this.held!, this.state);
      this.forget();
    }
    return this.generator.next();
  }

  /** Letting go (a hedge that lost, a drain, a client gone): a pump is cancelled, a generator returns. */
  return(): Promise<IteratorResult<string, void>> {
    if (this.pumped) this.pumped.cancel();
    else if (this.generator) return this.generator.return(undefined);
    // Never started: nothing else lets go of the upstream (a generator's finally only runs once it
    // started). Silently: nothing of it reached the client, and the request's end is another answer's.
    else this.state?.finish({ silent: true });
    this.forget();
    return Promise.resolve({ done: true, value: undefined });
  }

  pump(sink: StreamSink): PumpHandle {
    this.pumped = pump(this.held!, this.state!, sink);
    this.forget();
    return this.pumped;
  }

  /** The generator or the pump holds what the stream needs from here; this object (the attempt's reply) keeps nothing. */
  private forget(): void {
    this.held = undefined;
    this.state = undefined;
  }
}

async function* iterated<Req>(held: string[], state: RelayState<Req>): AsyncGenerator<string, void, undefined> {
  const { reader } = state;
  try {
    yield state.redact(held.join(''));
    for (;;) {
      // The events of one read go out together; the next read is awaited only once they have.
      if (state.hasFrames && !reader.ready?.()) yield state.take();
      // Refreshed after the hand-over: the idle window is the provider's silence, not the client's reading.
      state.refresh();
      const event = await reader.next();
      let over: boolean;
      if (event === null) {
        state.closed();
        over = true;
      } else over = state.event(event);
      if (over) {
        if (state.hasFrames) yield state.take();
        return;
      }
    }
  } catch (error) {
    state.failed(error);
    yield state.take();
  } finally {
    state.finish();
  }
}

function pump<Req>(held: string[], state: RelayState<Req>, sink: StreamSink): PumpHandle {
  const { reader } = state;
  let over = false;
  let flow: FlowControl | undefined;
  /** The sink asked to wait before listen() returned its controls. */
  let pauseAtStart = false;
  let drained = 0;
  let waiting = false;
  const send = (text: string) => {
    if (sink.write(text) || waiting) return;
    waiting = true;
    if (flow) flow.pause();
    else pauseAtStart = true;
    sink.onDrain(() => {
      waiting = false;
      if (over) return;
      state.refresh();
      flow?.resume();
    });
  };
  let drainTimer: NodeJS.Timeout | undefined;
  const release = () => {
    clearTimeout(drainTimer);
    void reader.cancel().catch(() => {});
  };
  const end = () => {
    over = true;
    try {
      if (state.hasFrames) sink.write(state.take());
    } finally {
      // A complete answer: the rest of the connection is read below (DRAIN_EVENTS, DRAIN_MS), then let go.
      const done = state.ended.kind === 'done';
      state.finish({ released: done });
      if (done) {
        drainTimer = setTimeout(release, DRAIN_MS);
        drainTimer.unref?.();
      }
      sink.end();
    }
  };
  /**
   * The handlers below run in the upstream's own event callbacks, where a throw would end the
   * process: a translator that cannot read an event (or anything after it) breaks this answer, as
   * the iterated relay's catch does, and nothing else. (Each catches for itself: a wrapper taking
   * `...args` cost an array per read.)
   */
  const broke = (error: unknown): void => {
    if (over) {
      release();
      return;
    }
    try {
      state.failed(error);
      end();
    } catch {
      // The sink itself failed: the answer is over all the same.
      release();
    }
  };
  const handlers: EventHandlers = {
    event(event: SseEvent) {
      try {
        if (over) {
          if (++drained === DRAIN_EVENTS) release();
          return;
        }
        if (state.event(event)) end();
      } catch (error) {
        broke(error);
      }
    },
    read() {
      try {
        if (over) return;
        state.refresh();
        if (state.hasFrames) send(state.take());
      } catch (error) {
        broke(error);
      }
    },
    end() {
      try {
        if (!over) {
          state.closed();
          end();
        }
        release(); // the body ended: nothing more to read on it
      } catch (error) {
        broke(error);
      }
    },
    error(error: Error) {
      try {
        if (over) {
          release();
          return;
        }
        state.failed(error);
        end();
      } catch (failure) {
        broke(failure);
      }
    },
  };
  try {
    send(state.redact(held.join('')));
  } catch (error) {
    broke(error);
  }
  if (!over) flow = reader.listen?.(handlers);
  if (!over && !flow) {
    // A reader that cannot push after all: the iterated relay, written into the sink.
    return pumpIterated(state, sink);
  }
  if (pauseAtStart && !over) flow?.pause();
  return {
    cancel: () => {
      if (over) return;
      over = true;
      // A client that left aborted the upstream read with the request's signal: recorded as a read
      // that failed (a broken stream), as the iterated relay records it when it is waiting on a read.
      state.abandoned();
      state.finish();
    },
  };
}

/** The iterated relay (the held events already sent) into a sink, for a reader that cannot push. */
function pumpIterated<Req>(state: RelayState<Req>, sink: StreamSink): PumpHandle {
  const generator = iterated([], state);
  let cancelled = false;
  void (async () => {
    for (let step = await generator.next(); !step.done && !cancelled; step = await generator.next()) {
      if (step.value !== '' && !sink.write(step.value)) await new Promise<void>((resume) => sink.onDrain(resume));
    }
    if (!cancelled) sink.end();
  })();
  return {
    cancel: () => {
      cancelled = true;
      void generator.return(undefined);
    },
  };
}

/** Reads what is left of a complete answer (its connection can then be reused), then lets it go. */
async function drain(reader: EventReader): Promise<void> {
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), DRAIN_MS);
  timer.unref?.();
  try {
    for (let i = 0; i < DRAIN_EVENTS && (await reader.next()) !== null; i++);
  } catch {
    // nothing to save (a cancel by the timer ends the read here)
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}
