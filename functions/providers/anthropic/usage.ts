/**
 * Anthropic usage -> OpenAI usage, as agentgateway reports it: `prompt_tokens` is Anthropic's
 * `input_tokens` (which excludes cache reads and writes); the cache counts ride along both in
 * `prompt_tokens_details` and under their Anthropic names.
 */
import type { TokenUsage } from '../types.js';
import type { Usage as OpenAIUsage } from '../openai/wire.js';
import type { Usage } from './wire.js';

function count(value: number | null | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  const prompt = count(usage.input_tokens) ?? 0;
  const completion = count(usage.output_tokens) ?? 0;
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  const out: OpenAIUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead !== undefined || cacheWrite !== undefined) {
    out.prompt_tokens_details = {
      ...(cacheRead !== undefined ? { cached_tokens: cacheRead } : {}),
      ...(cacheWrite !== undefined ? { cache_write_tokens: cacheWrite } : {}),
    };
  }
  if (cacheRead !== undefined) out.cache_read_input_tokens = cacheRead;
  if (cacheWrite !== undefined) out.cache_creation_input_tokens = cacheWrite;
  return out;
}

export function tokenUsage(usage: OpenAIUsage): TokenUsage {
  return { input: usage.prompt_tokens, output: usage.completion_tokens };
}

/**
 * Streams report usage twice: `message_start` has the input side, `message_delta` the final
 * counts (and, on newer API versions and compatible servers, the input side again). A field in
 * the later report wins.
 */
export function mergeUsage(earlier: Usage, later: Usage | undefined): Usage {
  return {
    input_tokens: later?.input_tokens ?? earlier.input_tokens,
    output_tokens: later?.output_tokens ?? earlier.output_tokens,
    cache_creation_input_tokens: later?.cache_creation_input_tokens ?? earlier.cache_creation_input_tokens,
    cache_read_input_tokens: later?.cache_read_input_tokens ?? earlier.cache_read_input_tokens,
    service_tier: later?.service_tier ?? earlier.service_tier,
  };
}
