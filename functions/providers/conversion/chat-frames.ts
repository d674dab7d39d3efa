/**
 * What a provider's chat stream translator produced, read back as chat chunks, for the
 * translations that turn those chunks into another client API's events (Messages, Responses).
 */
import type { ChatCompletionChunk } from '../openai/wire.js';

/** One chat frame, read: a chunk, or the `[DONE]` marker. */
export type ChatFrame = { done: true } | { done: false; chunk: ChatCompletionChunk };

/**
 * The chunks and `[DONE]` markers in `frames` (`data: {...}\n\n` each), in order. A frame with no
 * data, or data that is not a JSON object (keep-alive text from an odd compatible server), is
 * nothing a client of another API could use, and is skipped.
 */
export function readChatFrames(frames: readonly string[]): ChatFrame[] {
  const out: ChatFrame[] = [];
  for (const frame of frames) {
    const lines = frame.split('\n').filter((l) => l.startsWith('data:'));
    if (lines.length === 0) continue;
    const data = lines.map((l) => l.slice(5).trimStart()).join('\n');
    if (data.trim() === '[DONE]') {
      out.push({ done: true });
      continue;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      continue;
    }
    if (typeof chunk === 'object' && chunk !== null) out.push({ done: false, chunk: chunk as ChatCompletionChunk });
  }
  return out;
}
