/**
 * Eviction state, shared by every instance that serves the same gateway (Lambda instances, or
 * several `modelgate serve` processes on one table). Shaped for a remote store: one batched read
 * per request, and writes that are atomic increments with a condition, so concurrent failures
 * are all counted and an eviction is written once.
 */

/** What the store keeps per provider. Counters agentgateway keeps per endpoint. */
export interface ProviderState {
  /** Unhealthy answers in a row; reset by a healthy answer. */
  consecutiveFailures: number;
  /** Evictions since the last healthy answer: the multiplier of the next eviction's duration. */
  timesEvicted: number;
  /** Epoch ms until which the provider is evicted; 0 when it is not. */
  evictedUntil: number;
}

export const FRESH_STATE: ProviderState = Object.freeze({ consecutiveFailures: 0, timesEvicted: 0, evictedUntil: 0 });

/**
 * Given the state before this failure, how long to evict (ms), or undefined for no eviction.
 * Called by the store with the counters it has just incremented atomically.
 */
export type EvictionDecider = (before: ProviderState) => number | undefined;

export interface FailureOutcome {
  /** State after the failure was counted (and the eviction, if this call made it). */
  state: ProviderState;
  /** Set when this call evicted the provider, for this long. */
  evictedForMs?: number;
}

export interface EvictionStore {
  /** The state of these providers; missing ones are FRESH_STATE. Expired evictions read as 0. */
  read(ids: readonly string[], now: number): Promise<ReadonlyMap<string, ProviderState>>;
  /** Counts one unhealthy answer and evicts when `decide` says so and the provider is not evicted already. */
  recordFailure(id: string, decide: EvictionDecider, now: number): Promise<FailureOutcome>;
  /** A healthy answer: resets the counters. `known` is the state the caller read; nothing is written when it is fresh. */
  recordSuccess(id: string, known: ProviderState | undefined, now: number): Promise<void>;
  close?(): Promise<void>;
}
