/**
 * Pull-based reading of an upstream event stream: bytes in, one parsed SSE event out per `next()`.
 * Pulling (rather than pushing callbacks) lets the engine hold a stream until its first content
 * event, then hand the rest to the client at the client's pace.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { EventHandlers, EventReader, FlowControl, SseEvent } from '../providers/types.js';
import type { BodyChunks } from './body-chunks.js';

/** An SSE line longer than this is not an LLM stream; stop before it eats memory. */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/**
 * Text read from the upstream is parsed one event at a time, as events are asked for: a provider
 * (or a fast loopback one) can deliver a whole answer in one read, and parsing all of it before
 * handing over the first event made the first token wait for the last. Events end with a blank
 * line; a stream whose lines end in CRLF has no "\n\n", and its reads are parsed whole, as before.
 * Any split is valid input for the parser, so where the text is cut only decides how many events
 * one feed yields.
 */
const EVENT_END = '\n\n';

export class SseReader implements EventReader {
  private readonly queue: SseEvent[] = [];
  /**
   * Node's decoder, not TextDecoder: 0.1 µs a read against 0.25 µs, on every read of every stream.
   * It keeps a leading BOM, which the parser drops (exactly one, as the SSE spec says).
   */
  private readonly decoder = new StringDecoder('utf8');
  private readonly parser;
  private readonly chunks: AsyncIterator<Uint8Array> & Partial<Pick<BodyChunks, 'listen'>>;
  private parseError: Error | undefined;
  private ended = false;
  /** Text read and decoded, not yet given to the parser. */
  private unparsed = '';

  constructor(body: AsyncIterable<Uint8Array>) {
    this.chunks = body[Symbol.asyncIterator]();
    this.parser = createParser({
      maxBufferSize: MAX_EVENT_BYTES,
      onEvent: (e: EventSourceMessage) => this.queue.push(e.event === undefined ? { data: e.data } : { event: e.event, data: e.data }),
      onError: (error) => {
        // Only an oversized event is fatal. An unknown field or an unreadable `retry:` is legal
        // SSE that a reader must ignore (WHATWG HTML §9.2.6); treating it as an error used to
        // break a healthy answer mid-stream, after its content had gone out.
        if (error.type === 'max-buffer-size-exceeded') this.parseError = error;
      },
    });
  }

  /** The next event, or null when the upstream closed the stream. Throws when the connection broke. */
  async next(): Promise<SseEvent | null> {
    for (;;) {
      if (this.queue.length === 0) this.parseAhead();
      const queued = this.queue.shift();
      if (queued) return queued;
      if (this.parseError) throw this.parseError;
      if (this.ended) return null;
      const { value, done } = await this.chunks.next();
      if (done) {
        this.ended = true;
        // A last event without its blank line still counts (servers that close right after writing).
        this.parser.feed(`${this.decoder.end()}\n\n`);
      } else {
        this.unparsed = this.decoder.write(value);
      }
    }
  }

  /**
   * Switches from pulling to pushing: the events already read go to `handlers` at once, then each
   * read's events as the read arrives, then `read()` (the read is used up), and the end or a
   * failure. Undefined when the body cannot push (then the caller keeps pulling).
   */
  listen(handlers: EventHandlers): FlowControl | undefined {
    const { listen } = this.chunks;
    if (!listen) return undefined;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      handlers.error(error);
    };
    // Everything read is parsed at once here: the events go out together, as the read they came in.
    const deliver = (): boolean => {
      if (failed) return false;
      if (this.unparsed.length > 0) {
        this.parser.feed(this.unparsed);
        this.unparsed = '';
      }
      while (this.queue.length > 0) handlers.event(this.queue.shift()!);
      if (this.parseError) {
        fail(this.parseError);
        return false;
      }
      return true;
    };
    if (!deliver()) return { pause: () => {}, resume: () => {} };
    handlers.read();
    return listen.call(this.chunks, {
      // Nothing is parsed after a failure (the parser refuses to be fed once it gave up on an event).
      data: (chunk) => {
        if (failed) return;
        this.unparsed = this.decoder.write(chunk);
        if (deliver()) handlers.read();
      },
      end: () => {
        if (failed) return;
        this.ended = true;
        // A last event without its blank line still counts (servers that close right after writing).
        this.parser.feed(`${this.decoder.end()}\n\n`);
        if (deliver()) handlers.end();
      },
      error: fail,
    });
  }

  /** True when `next()` has an event without waiting for the upstream (what was read holds one more). */
  ready(): boolean {
    if (this.queue.length === 0) this.parseAhead();
    return this.queue.length > 0;
  }

  /**
   * Gives the parser the text read so far up to the end of the next event; all of it when there is
   * no event end in it (an unfinished event, which the parser keeps until the rest arrives, or CRLF
   * lines). Events that yield nothing (comments) are passed over until one does or the text is used up.
   */
  private parseAhead(): void {
    while (this.queue.length === 0 && this.unparsed.length > 0) {
      const end = this.unparsed.indexOf(EVENT_END);
      if (end === -1) {
        this.parser.feed(this.unparsed);
        this.unparsed = '';
      } else {
        this.parser.feed(this.unparsed.slice(0, end + EVENT_END.length));
        this.unparsed = this.unparsed.slice(end + EVENT_END.length);
      }
    }
  }

  /** Stops reading; the upstream connection is released. */
  async cancel(): Promise<void> {
    this.ended = true;
    await this.chunks.return?.();
  }
}
