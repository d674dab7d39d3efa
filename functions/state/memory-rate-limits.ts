/**
 * Rate-limit buckets in this process's memory: agentgateway's local rate limit exactly (a bucket
 * of `perUnit + burst` that starts full and gets `perUnit` back at every refill), with refills on
 * epoch-aligned unit boundaries (agentgateway's count from the bucket's creation) so that
 * `x-ratelimit-reset` means the same on every instance. Used without a table, and by an instance
 * whose table is down (rate-limit-fail-open.ts).
 */
import type { Admission, BucketLimit, BucketStatus, RateLimitBuckets, RateLimitStore } from './store.js';

/** Buckets kept at once; past it the least recently used go (a bucket that goes starts full again). */
const MAX_BUCKETS = 10_000;

interface Bucket {
  level: number;
  /** The refill window `level` was computed in: floor(now / unitMs). */
  window: number;
}

export class MemoryRateLimits implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket[]>();

  admit(buckets: RateLimitBuckets, now: number): Promise<Admission> {
    const state = this.state(buckets, now);
    const refusedBy = buckets.limits.findIndex((_, i) => state[i]!.level < 1);
    if (refusedBy < 0) {
      buckets.limits.forEach((limit, i) => {
        if (limit.kind === 'requests') state[i]!.level -= 1;
      });
    }
    const statuses = statusesOf(buckets.limits, state);
    return Promise.resolve(refusedBy < 0 ? { admitted: true, statuses } : { admitted: false, statuses, refusedBy });
  }

  charge(buckets: RateLimitBuckets, tokens: number, now: number): Promise<void> {
    const state = this.state(buckets, now);
    // agentgateway's amend_tokens: the bucket never goes below zero.
    buckets.limits.forEach((limit, i) => {
      if (limit.kind === 'tokens') state[i]!.level = Math.max(0, state[i]!.level - tokens);
    });
    return Promise.resolve();
  }

  /** The buckets of `key`, refilled up to `now`; most recently used last in the map. */
  private state(buckets: RateLimitBuckets, now: number): Bucket[] {
    let state = this.buckets.get(buckets.key);
    if (state) this.buckets.delete(buckets.key);
    else if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    state ??= buckets.limits.map((l) => ({ level: capacity(l), window: windowOf(l, now) }));
    this.buckets.set(buckets.key, state);
    buckets.limits.forEach((limit, i) => {
      const bucket = state[i]!;
      const window = windowOf(limit, now);
      if (window > bucket.window) bucket.level = Math.min(capacity(limit), bucket.level + (window - bucket.window) * limit.perUnit);
      bucket.window = Math.max(bucket.window, window);
    });
    return state;
  }
}

export const capacity = (limit: BucketLimit) => limit.perUnit + limit.burst;
export const windowOf = (limit: BucketLimit, now: number) => Math.floor(now / limit.unitMs);
export const nextRefill = (limit: BucketLimit, now: number) => (windowOf(limit, now) + 1) * limit.unitMs;

function statusesOf(limits: readonly BucketLimit[], state: readonly Bucket[]): BucketStatus[] {
  return limits.map((limit, i) => ({ limit: capacity(limit), remaining: state[i]!.level, resetAt: (state[i]!.window + 1) * limit.unitMs }));
}
