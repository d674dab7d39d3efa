/** The reader for each upstream stream framing an adapter can declare. */
import type { EventReader, StreamFormat } from '../providers/types.js';
import { AwsEventStreamReader } from '../providers/bedrock/event-stream-reader.js';
import { SseReader } from './sse-reader.js';

export function openEventReader(format: StreamFormat, body: AsyncIterable<Uint8Array>): EventReader {
  return format === 'aws-eventstream' ? new AwsEventStreamReader(body) : new SseReader(body);
}
