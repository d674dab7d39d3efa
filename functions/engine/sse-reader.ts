/**
 * Pull-based reading of an upstream event stream: bytes in, one parsed SSE event out per `next()`.
 * Pulling (rather than pushing callbacks) lets the engine hold a stream until its first content
 * event, then hand the rest to the client at the client's pace.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { EventReader, SseEvent } from '../providers/types.js';

/** An SSE line longer than this is not an LLM stream; stop before it eats memory. */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

export class SseReader implements EventReader {
  private readonly queue: SseEvent[] = [];
  private readonly decoder = new TextDecoder();
  private readonly parser;
  private readonly chunks: AsyncIterator<Uint8Array>;
  private parseError: Error | undefined;
  private ended = false;

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
      const queued = this.queue.shift();
      if (queued) return queued;
      if (this.parseError) throw this.parseError;
      if (this.ended) return null;
      const { value, done } = await this.chunks.next();
      if (done) {
        this.ended = true;
        // A last event without its blank line still counts (servers that close right after writing).
        this.parser.feed(`${this.decoder.decode()}\n\n`);
      } else {
        this.parser.feed(this.decoder.decode(value, { stream: true }));
      }
    }
  }

  ready(): boolean {
    return this.queue.length > 0;
  }

  /** Stops reading; the upstream connection is released. */
  async cancel(): Promise<void> {
    this.ended = true;
    await this.chunks.return?.();
  }
}
