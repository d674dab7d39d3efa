/**
 * OpenAI streaming passthrough. Frames go to the client as they came; we only look inside to
 * tell the engine when real content starts (ending its hold), which model answered, the usage,
 * and whether the upstream slipped an error object into the 200 stream.
 */
import type { SseEvent, StreamStep, StreamTranslator } from '../types.js';
import { streamFailureFromOpenAIError } from './errors.js';
import { tokenUsageFromOpenAI } from './usage.js';

const DONE = '[DONE]';

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

/**
 * Whether a chunk carries something the client must see. The opening `{"role":"assistant",
 * "content":""}` delta does not: it can be held while the engine may still fail over.
 */
function carriesContent(chunk: Record<string, unknown>): boolean {
  const choices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : [];
  // The final `stream_options.include_usage` chunk has no choices, only usage.
  if (choices.length === 0) return typeof chunk.usage === 'object' && chunk.usage !== null;
  return choices.some((choice) => {
    if (typeof choice !== 'object' || choice === null) return false;
    const { delta, finish_reason } = choice as { delta?: Record<string, unknown>; finish_reason?: unknown };
    if (finish_reason !== null && finish_reason !== undefined) return true;
    if (!delta) return false;
    return (
      nonEmptyString(delta.content) ||
      nonEmptyString(delta.refusal) ||
      // Reasoning models behind OpenAI-compatible servers (DeepSeek, vLLM) stream this first.
      nonEmptyString(delta.reasoning_content) ||
      (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
      (typeof delta.function_call === 'object' && delta.function_call !== null)
    );
  });
}

/**
 * True when a chunk's text may carry usage: a `"usage"` key whose value is not `null`. With
 * `stream_options.include_usage` (which the gateway asks for on behalf of Messages and Responses
 * clients) every chunk says `"usage":null` until the last one.
 */
function namesUsage(data: string): boolean {
  const at = data.indexOf('"usage"');
  return at >= 0 && !/^"usage"\s*:\s*null\b/.test(data.slice(at, at + 32));
}

export class OpenAIStreamTranslator implements StreamTranslator {
  private modelSeen = false;
  /** Content has been passed: the hold is over, and an event matters only for an error, usage or the end. */
  private flowing = false;

  push(event: SseEvent): StreamStep {
    const frame = `data: ${event.data}\n\n`;
    // The trim (a copy) only for text that holds `[DONE]` at all: with spaces around, however many.
    if (event.data === DONE || (event.data.includes(DONE) && event.data.trim() === DONE)) return { frames: [`data: ${DONE}\n\n`], content: false, done: true };
    // Most of a stream: a chunk after the first content that names neither an error nor usage is
    // passed on without being parsed (parsing every chunk was most of a stream's cost in the gateway).
    if (this.flowing && !event.data.includes('"error"') && !namesUsage(event.data)) return { frames: [frame], content: true, done: false };

    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      // Not ours to judge: an odd compatible server may send keep-alive text. Forward it as is.
      return { frames: [frame], content: false, done: false };
    }
    if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) {
      return { frames: [frame], content: false, done: false };
    }
    const record = chunk as Record<string, unknown>;

    const failure = streamFailureFromOpenAIError(record);
    if (failure) return { frames: [], content: false, failure, done: false };

    const step: StreamStep = { frames: [frame], content: carriesContent(record), done: false };
    if (step.content) this.flowing = true;
    if (!this.modelSeen && typeof record.model === 'string' && record.model !== '') {
      this.modelSeen = true;
      step.model = record.model;
    }
    const usage = tokenUsageFromOpenAI(record.usage);
    if (usage) step.usage = usage;
    return step;
  }
}
