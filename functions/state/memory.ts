/** The default eviction store: this process's memory. Exact, and free of I/O. */
import { MemoryRateLimits } from './memory-rate-limits.js';
import { FRESH_STATE, type EvictionDecider, type EvictionStore, type FailureOutcome, type ProviderState, type RateLimitStore, type WithRateLimits } from './store.js';

export class MemoryStore implements EvictionStore, WithRateLimits {
  private readonly states = new Map<string, ProviderState>();
  private readonly limits = new MemoryRateLimits();

  /** Rate limits counted in this process (memory-rate-limits.ts). */
  rateLimits(): RateLimitStore {
    return this.limits;
  }

  read(ids: readonly string[], now: number): Promise<ReadonlyMap<string, ProviderState>> {
    return Promise.resolve(this.readNow(ids, now));
  }

  /** The synchronous read behind `read`, for callers that can skip the promise. */
  readNow(ids: readonly string[], now: number): Map<string, ProviderState> {
    const out = new Map<string, ProviderState>();
    for (const id of ids) {
      const s = this.states.get(id);
      if (s) out.set(id, s.evictedUntil > now ? s : { ...s, evictedUntil: 0 });
    }
    return out;
  }

  recordFailure(id: string, decide: EvictionDecider, now: number): Promise<FailureOutcome> {
    const before = this.states.get(id) ?? FRESH_STATE;
    const after: ProviderState = { ...before, consecutiveFailures: before.consecutiveFailures + 1 };
    let evictedForMs: number | undefined;
    // Failures while evicted neither extend the eviction nor count as another one (agentgateway).
    if (before.evictedUntil <= now) {
      evictedForMs = decide(before);
      if (evictedForMs !== undefined && evictedForMs > 0) {
        after.evictedUntil = now + evictedForMs;
        after.timesEvicted = before.timesEvicted + 1;
      } else {
        evictedForMs = undefined;
      }
    }
    this.states.set(id, after);
    return Promise.resolve(evictedForMs === undefined ? { state: after } : { state: after, evictedForMs });
  }

  recordSuccess(id: string, _known: ProviderState | undefined, _now: number): Promise<void> {
    const s = this.states.get(id);
    // Keep an eviction that is still running: a healthy answer from an evicted provider (tried
    // because everything was evicted) does not bring it back early, as in agentgateway.
    if (s && (s.consecutiveFailures !== 0 || s.timesEvicted !== 0)) {
      this.states.set(id, { consecutiveFailures: 0, timesEvicted: 0, evictedUntil: s.evictedUntil });
    }
    return Promise.resolve();
  }
}
