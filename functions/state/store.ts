/**
 * Eviction state, shared by every instance that serves the same gateway (Lambda instances, or
 * several `modelgate serve` processes on one table). Shaped for a remote store: one batched read
 * per request, and writes that are atomic increments with a condition, so concurrent failures
 * are all counted and an eviction is written once. Rate-limit counters (RateLimitStore, below)
 * live in the same store, shaped the same way: one conditional increment admits a request.
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

/**
 * One `traffic.rateLimit.local` entry as a store counts it: agentgateway's token bucket, which holds
 * at most `perUnit + burst`, starts full, and gets `perUnit` back at the end of every `unitMs`.
 */
export interface BucketLimit {
  kind: 'requests' | 'tokens';
  perUnit: number;
  burst: number;
  unitMs: number;
}

/** The limits one request is counted against (one policy's `local` list), for one client: `key` names both. */
export interface RateLimitBuckets {
  /** Bounded (a policy id, a fingerprint and a hash of the client): the store's item key. */
  key: string;
  limits: readonly BucketLimit[];
}

/** A bucket as the `x-ratelimit-*` headers report it. */
export interface BucketStatus {
  /** The bucket's size, `perUnit + burst` (agentgateway's `x-ratelimit-limit` is its max_tokens). */
  limit: number;
  remaining: number;
  /** Epoch ms of the next refill. */
  resetAt: number;
}

export interface Admission {
  admitted: boolean;
  /** One per limit, in the policy's order. */
  statuses: readonly BucketStatus[];
  /** The index of the limit that refused the request. */
  refusedBy?: number;
}

/**
 * Rate-limit counters. `admit` is all or nothing: it takes one from every `requests` bucket and
 * checks that every `tokens` bucket has something left, or takes nothing. `charge` takes the
 * tokens an answer used from every `tokens` bucket (never below zero).
 */
export interface RateLimitStore {
  admit(buckets: RateLimitBuckets, now: number): Promise<Admission>;
  charge(buckets: RateLimitBuckets, tokens: number, now: number): Promise<void>;
  close?(): Promise<void>;
}

/** A store that keeps eviction state can keep the rate-limit counters too, in the same place. */
export interface WithRateLimits {
  rateLimits(): RateLimitStore;
}
