/**
 * The eviction decision: one pure function of the provider's state before this answer, the
 * health policy and the answer's Retry-After. The rules are agentgateway's (http/health.rs),
 * with one change the gateway's users asked for: a provider's own Retry-After wins when it is
 * longer than the configured duration.
 *
 * - Only an unhealthy answer can evict.
 * - With no `eviction` block, only a Retry-After evicts, for exactly that long.
 * - With `eviction`: thresholds decide. `consecutiveFailures: N` (N > 0) evicts on the N-th
 *   unhealthy answer in a row; `healthThreshold: T` evicts when the instance's EWMA health is
 *   below T; with both, either one; with neither, every unhealthy answer evicts.
 * - Duration: `duration` (default 3 s) × (timesEvicted + 1), or the Retry-After if longer.
 */
import type { EvictionSettings } from '../model/config.js';
import type { ProviderState } from '../state/store.js';
import { DEFAULT_EVICTION_MS } from '../core/eviction-defaults.js';

export interface EvictionInput {
  eviction: EvictionSettings | undefined;
  /** State before this answer is counted. */
  before: ProviderState;
  /** This instance's EWMA health (0..1) before this answer. */
  health: number;
  /** The answer's Retry-After, in ms, when it had one. */
  retryAfterMs: number | undefined;
}

/** How long to evict for this unhealthy answer, or undefined to keep the provider. */
export function evictionFor({ eviction, before, health, retryAfterMs }: EvictionInput): number | undefined {
  if (!eviction) return retryAfterMs;
  const { consecutiveFailures, healthThreshold } = eviction;
  const thresholdsSet = consecutiveFailures !== undefined || healthThreshold !== undefined;
  const failuresReached = consecutiveFailures !== undefined && consecutiveFailures > 0 && before.consecutiveFailures + 1 >= consecutiveFailures;
  const healthBelow = healthThreshold !== undefined && health < healthThreshold;
  if (thresholdsSet && !failuresReached && !healthBelow) return undefined;
  const backoff = (eviction.durationMs ?? DEFAULT_EVICTION_MS) * (before.timesEvicted + 1);
  return Math.max(backoff, retryAfterMs ?? 0);
}
