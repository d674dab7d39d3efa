/**
 * Rate limits fail open: when the table errs, this instance counts the request in its own memory
 * (agentgateway's per-proxy local limit, exactly) until the table answers again. So an outage never
 * refuses a request that the table would have admitted; the cost is that, while it lasts, each
 * instance spends its own budget (admitted in total: at most instances x (limit + burst) per unit).
 * The outage, its retry interval and its one line a minute are the eviction store's (fail-open.ts).
 */
import type { StoreOutage } from './fail-open.js';
import { MemoryRateLimits } from './memory-rate-limits.js';
import type { Admission, RateLimitBuckets, RateLimitStore } from './store.js';

export class FailOpenRateLimits implements RateLimitStore {
  private readonly memory = new MemoryRateLimits();

  constructor(
    private readonly inner: RateLimitStore,
    private readonly outage: StoreOutage,
  ) {}

  admit(buckets: RateLimitBuckets, now: number): Promise<Admission> {
    return this.outage.guard(
      now,
      () => this.inner.admit(buckets, now),
      () => this.memory.admit(buckets, now),
    );
  }

  charge(buckets: RateLimitBuckets, tokens: number, now: number): Promise<void> {
    return this.outage.guard(
      now,
      () => this.inner.charge(buckets, tokens, now),
      () => this.memory.charge(buckets, tokens, now),
    );
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
