/** Anthropic `stop_reason` -> OpenAI `finish_reason`. */
import type { FinishReason } from '../openai/wire.js';
import type { StopReason } from './wire.js';

const FINISH_REASON: Readonly<Record<StopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  // The context window ran out before max_tokens did: still a truncation to the client.
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  // A server tool loop paused; OpenAI has no "continue me" reason, so the turn just ends.
  pause_turn: 'stop',
};

/** Unknown future reasons end the turn normally rather than breaking the response. */
export function finishReason(stop: string | null | undefined): FinishReason | null {
  if (stop === null || stop === undefined) return null;
  return FINISH_REASON[stop as StopReason] ?? 'stop';
}
