/**
 * Fail open, written once: any eviction store seen through this wrapper never fails a request.
 * When the store errs (a throttle, a timeout, a table that is gone), this instance keeps its own
 * eviction state in memory for `retryAfterMs` (so a dead store does not cost every request its
 * timeout), says so in one `store_unavailable` line per interval, and goes back to the store when
 * it answers again, with one `store_available` line: the store is the source of truth again.
 * Rate limits on the same store fail open the same way, through the same outage
 * (rate-limit-fail-open.ts).
 */
import type { Logger } from '../core/log.js';
import { MemoryStore } from './memory.js';
import type { EvictionDecider, EvictionStore, FailureOutcome, ProviderState } from './store.js';

export interface FailOpenOptions {
  /** What the log lines call the store, e.g. `DynamoDB table modelgate-state`. */
  name: string;
  logger?: Logger | undefined;
  /** After an error, how long this instance serves from memory before asking the store again. */
  retryAfterMs?: number | undefined;
}

const DEFAULT_RETRY_STORE_AFTER_MS = 5_000;
/** How often an unavailable store is reported: once per interval, not once per request. */
const LOG_INTERVAL_MS = 60_000;

/**
 * One store's outage, as every wrapper of that store sees it (eviction state and rate limits share
 * one table, so they share one outage): after an error the store is left alone for `retryAfterMs`,
 * and the outage is logged once per LOG_INTERVAL_MS, however many requests and wrappers meet it.
 */
export class StoreOutage {
  private readonly retryAfterMs: number;
  private downUntil = 0;
  private lastLogged = -Infinity;

  constructor(private readonly options: FailOpenOptions) {
    this.retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_STORE_AFTER_MS;
  }

  /** `fromStore`, or `fromMemory` while the store is down or when it fails now. */
  async guard<T>(now: number, fromStore: () => Promise<T>, fromMemory: () => Promise<T>): Promise<T> {
    if (now < this.downUntil) return fromMemory();
    let result: T;
    try {
      // Called inside the try: a store that throws synchronously fails open too.
      result = await fromStore();
    } catch (error) {
      this.failed(error, now);
      return fromMemory();
    }
    this.answered();
    return result;
  }

  private failed(error: unknown, now: number): void {
    this.downUntil = now + this.retryAfterMs;
    if (now - this.lastLogged < LOG_INTERVAL_MS) return;
    this.lastLogged = now;
    const e = error as { name?: string; message?: string } | null;
    const name = e?.name ?? 'Error';
    this.options.logger?.log(
      'error',
      'store_unavailable',
      `${this.options.name} failed (${name}: ${e?.message ?? String(error)}); serving eviction state from this instance's memory (rate limits too: each instance counts its own budget), retrying it every ${this.retryAfterMs} ms`,
      { store: this.options.name, error: name },
    );
  }

  private answered(): void {
    if (this.downUntil === 0) return;
    this.downUntil = 0;
    this.lastLogged = -Infinity;
    this.options.logger?.log('info', 'store_available', `${this.options.name} answers again; eviction state and rate limits are shared again`, { store: this.options.name });
  }
}

export class FailOpenStore implements EvictionStore {
  private readonly memory = new MemoryStore();
  /** Shared with the rate-limit wrapper of the same store (rate-limit-fail-open.ts). */
  protected readonly outage: StoreOutage;

  constructor(
    private readonly inner: EvictionStore,
    options: FailOpenOptions,
  ) {
    this.outage = new StoreOutage(options);
  }

  read(ids: readonly string[], now: number): Promise<ReadonlyMap<string, ProviderState>> {
    return this.outage.guard(
      now,
      () => this.inner.read(ids, now),
      () => this.memory.read(ids, now),
    );
  }

  recordFailure(id: string, decide: EvictionDecider, now: number): Promise<FailureOutcome> {
    return this.outage.guard(
      now,
      () => this.inner.recordFailure(id, decide, now),
      () => this.memory.recordFailure(id, decide, now),
    );
  }

  recordSuccess(id: string, known: ProviderState | undefined, now: number): Promise<void> {
    return this.outage.guard(
      now,
      () => this.inner.recordSuccess(id, known, now),
      () => this.memory.recordSuccess(id, known, now),
    );
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
