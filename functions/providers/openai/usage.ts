/** OpenAI `usage` -> the engine's token counts. */
import type { TokenUsage } from '../types.js';

export function tokenUsageFromOpenAI(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const { prompt_tokens: input, completion_tokens: output } = usage as Record<string, unknown>;
  if (typeof input !== 'number' && typeof output !== 'number') return undefined;
  return { input: typeof input === 'number' ? input : 0, output: typeof output === 'number' ? output : 0 };
}
