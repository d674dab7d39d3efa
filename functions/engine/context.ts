/**
 * What a request needs from the engine around it: the clock, the store (wrapped so that it fails
 * open), this instance's load stats, the logger and the limits. Kept in one object so the request
 * path reads as a sequence of named steps.
 */
import type { CompiledBackend, CompiledProvider } from '../model/config.js';
import { MemoryStore } from '../state/memory.js';
import type { EvictionDecider, EvictionStore, FailureOutcome, ProviderState } from '../state/store.js';
import type { LoadStats } from './load-stats.js';
import type { MemoryBudget } from './memory-budget.js';
import type { Logger } from '../core/log.js';

export interface EngineLimits {
  /** Attempts one request may make, whatever the retry policy says (no unbounded fan-out). */
  maxAttempts: number;
  /** An attempt's deadline when no policy sets one. */
  attemptTimeoutMs: number;
  /** Longest silence between two events of a flowing stream. */
  streamIdleMs: number;
  /** Bytes of buffered upstream answers held at once, process-wide; past it a buffered read gets a 503. */
  bufferedBytes: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxAttempts: 10,
  attemptTimeoutMs: 600_000,
  streamIdleMs: 300_000,
  bufferedBytes: 128 * 1024 * 1024,
};

export interface EngineContext {
  now: () => number;
  random: () => number;
  stats: LoadStats;
  logger: Logger;
  limits: EngineLimits;
  /** Redacts secrets by value from upstream bytes on their way to the client (see redact.ts). */
  redact: (text: string) => string;
  /** Memory for buffered upstream answers, shared by every request of this engine. */
  buffers: MemoryBudget;
  readStates(backend: CompiledBackend): Promise<ReadonlyMap<string, ProviderState>>;
  recordFailure(provider: CompiledProvider, decide: EvictionDecider, now: number): Promise<FailureOutcome | undefined>;
  resetState(provider: CompiledProvider, known: ProviderState | undefined, now: number): void;
}

/** How often a failing store is reported: once per interval, not once per request. */
const STORE_ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * The store seen through a fail-open lens: a store error never fails a request. While the store
 * fails, this instance keeps its own eviction state in memory (as DESIGN asks), with one log line
 * per interval; when the store answers again it is the source of truth again.
 */
export function failOpen(store: EvictionStore, logger: Logger, now: () => number) {
  const memory = new MemoryStore();
  let lastLogged = -Infinity;
  const report = (op: string, error: unknown) => {
    const t = now();
    if (t - lastLogged < STORE_ERROR_LOG_INTERVAL_MS) return;
    lastLogged = t;
    logger.log('error', 'store_error', `eviction store ${op} failed, using this instance's memory: ${(error as Error).message}`, { op });
  };
  return {
    async readStates(backend: CompiledBackend): Promise<ReadonlyMap<string, ProviderState>> {
      const ids = backend.providers.map((p) => p.id);
      try {
        return await store.read(ids, now());
      } catch (error) {
        report('read', error);
        return memory.read(ids, now());
      }
    },
    async recordFailure(provider: CompiledProvider, decide: EvictionDecider, at: number): Promise<FailureOutcome | undefined> {
      try {
        return await store.recordFailure(provider.id, decide, at);
      } catch (error) {
        report('write', error);
        return memory.recordFailure(provider.id, decide, at);
      }
    },
    resetState(provider: CompiledProvider, known: ProviderState | undefined, at: number): void {
      // Off the response path: a healthy answer never waits for bookkeeping, nor fails because of it
      // (a store that throws synchronously included).
      Promise.resolve()
        .then(() => store.recordSuccess(provider.id, known, at))
        .catch((error: unknown) => {
          report('write', error);
          return memory.recordSuccess(provider.id, known, at);
        });
    },
  };
}
