/**
 * Pull-based reading of an AWS event stream (Bedrock's ConverseStream): bytes in, one decoded
 * message out per `next()`, as the SSE reader does for text streams. This module finds where each
 * binary frame ends (its prelude states its length); the SDK's codec decodes and checks it.
 */
import { decodeEventStreamFrame, EventStreamError } from './event-stream.js';
import type { EventReader, SseEvent } from '../types.js';

/** A frame larger than this is not an LLM stream; stop before it eats memory. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Total length, headers length, prelude CRC: 3 × 4 bytes. */
const PRELUDE_BYTES = 12;
/** Prelude plus the message CRC: the smallest frame there is. */
const MIN_FRAME_BYTES = 16;

export class AwsEventStreamReader implements EventReader {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(body: AsyncIterable<Uint8Array>) {
    this.chunks = body[Symbol.asyncIterator]();
  }

  /**
   * The next message, or null when the upstream closed the stream between two frames. Throws when
   * the connection broke, or a frame is corrupt or cut short (a close inside a frame is a break).
   */
  async next(): Promise<SseEvent | null> {
    for (;;) {
      const frame = this.takeFrame();
      if (frame) return decodeEventStreamFrame(frame);
      if (this.ended) {
        // Cut mid-frame: the connection broke (a reset), not a frame the codec refused.
        if (this.buffer.length > 0) throw new Error(`event stream ended inside a frame (${this.buffer.length} bytes left over)`);
        return null;
      }
      const { value, done } = await this.chunks.next();
      if (done) this.ended = true;
      else this.buffer = this.buffer.length === 0 ? Buffer.from(value) : Buffer.concat([this.buffer, value]);
    }
  }

  private takeFrame(): Uint8Array | undefined {
    if (this.buffer.length < PRELUDE_BYTES) return undefined;
    const total = this.buffer.readUInt32BE(0);
    if (total < MIN_FRAME_BYTES || total > MAX_FRAME_BYTES) throw new EventStreamError(`event stream frame of ${total} bytes`);
    if (this.buffer.length < total) return undefined;
    const frame = this.buffer.subarray(0, total);
    this.buffer = this.buffer.subarray(total);
    return frame;
  }

  async cancel(): Promise<void> {
    this.ended = true;
    this.buffer = Buffer.alloc(0);
    await this.chunks.return?.();
  }
}
