/**
 * AWS event stream messages (`application/vnd.amazon.eventstream`), as Bedrock's ConverseStream
 * sends them: typed headers, a payload, two CRCs. Decoding and encoding are the AWS SDK's own
 * codec (`@smithy/core/event-streams`), so a corrupt frame is an error, never a guess. Framing
 * (where one message ends) is the engine's reader; this module handles one whole frame.
 *
 * A message becomes one event shaped like an SSE one: `event` is its `:event-type` and `data` its
 * JSON payload; an `exception` (or `error`) message carries its `:exception-type` (`:error-code`).
 */
import { EventStreamCodec } from '@smithy/core/event-streams';
import type { Message } from '@smithy/types';
import type { SseEvent } from '../types.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const codec = new EventStreamCodec(
  (bytes) => decoder.decode(bytes),
  (text) => encoder.encode(text),
);

export class EventStreamError extends Error {
  override name = 'EventStreamError';
}

/** One whole frame -> one event. Throws `EventStreamError` for a frame that does not decode (bad CRC, bad headers). */
export function decodeEventStreamFrame(frame: Uint8Array): SseEvent {
  let message: Message;
  try {
    message = codec.decode(frame);
  } catch (error) {
    throw new EventStreamError(`undecodable event stream frame: ${(error as Error).message}`);
  }
  const header = (name: string): string | undefined => {
    const h = message.headers[name];
    return h && h.type === 'string' ? h.value : undefined;
  };
  const data = decoder.decode(message.body);
  const messageType = header(':message-type') ?? 'event';
  if (messageType === 'exception') {
    const type = header(':exception-type') ?? 'exception';
    return { event: type, data, exception: type };
  }
  if (messageType === 'error') {
    const code = header(':error-code') ?? 'error';
    return { event: code, data: JSON.stringify({ message: header(':error-message') ?? data }), exception: code };
  }
  return { event: header(':event-type'), data };
}

/** Encodes one message with string headers (the simulator speaks Bedrock with it): the same codec, the other way. */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: string): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { type: 'string' as const, value }])),
    body: encoder.encode(payload),
  });
}

/** A ConverseStream event as Bedrock frames it. */
export function bedrockEvent(eventType: string, payload: unknown): Uint8Array {
  return encodeEventStreamMessage({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload));
}

/** An exception inside a ConverseStream (`throttlingException`, `modelStreamErrorException`, ...). */
export function bedrockStreamException(exceptionType: string, message: string): Uint8Array {
  return encodeEventStreamMessage({ ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' }, JSON.stringify({ message }));
}
