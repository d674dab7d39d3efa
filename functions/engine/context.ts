/**
 * What a request needs from the engine around it: the clock, the store (failing open), this instance's load stats, the logger and the limits. Kept in one object so the request
 * path reads as a sequence of named steps.
 */
import type { CompiledBackend, CompiledProvider } from '../model/config.js';
import { MemoryStore } from '../state/memory.js';
import { FailOpenStore } from '../state/fail-open.js';
import type { EvictionDecider, EvictionStore, FailureOutcome, ProviderState } from '../state/store.js';
import type { LoadStats } from './load-stats.js';
import type { MemoryBudget } from './memory-budget.js';
import type { HedgeState } from './hedging.js';
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
  /** Times to first content and hedge budgets, for backends that hedge (hedging.ts). */
  hedges: HedgeState;
  readStates(backend: CompiledBackend): Promise<ReadonlyMap<string, ProviderState>>;
  recordFailure(provider: CompiledProvider, decide: EvictionDecider, now: number): Promise<FailureOutcome | undefined>;
  resetState(provider: CompiledProvider, known: ProviderState | undefined, now: number): void;
}

/**
 * The store as the request path uses it: failing open (state/fail-open.ts is the one place that
 * does), and a healthy answer's reset off the response path.
 */
export function storeAccess(store: EvictionStore, logger: Logger, now: () => number) {
  // Memory cannot fail; anything else is wrapped, unless it fails open already (DynamoDBStore does).
  const safe = store instanceof FailOpenStore || store instanceof MemoryStore ? store : new FailOpenStore(store, { name: 'eviction store', logger });
  return {
    readStates(backend: CompiledBackend): Promise<ReadonlyMap<string, ProviderState>> {
      return safe.read(
        backend.providers.map((p) => p.id),
        now(),
      );
    },
    recordFailure(provider: CompiledProvider, decide: EvictionDecider, at: number): Promise<FailureOutcome | undefined> {
      return safe.recordFailure(provider.id, decide, at);
    },
    resetState(provider: CompiledProvider, known: ProviderState | undefined, at: number): void {
      // Off the response path: a healthy answer never waits for bookkeeping.
      void safe.recordSuccess(provider.id, known, at);
    },
  };
}
