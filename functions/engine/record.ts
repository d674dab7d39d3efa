/**
 * The record step: what one attempt's verdict means for the provider — shared eviction counters
 * in the store, this instance's load and health scores in memory, and a log line when it evicts.
 */
import type { CompiledProvider } from '../model/config.js';
import type { ProviderState } from '../state/store.js';
import { formatDuration } from '../core/duration.js';
import type { AttemptResult } from './attempt.js';
import type { EngineContext } from './context.js';
import { evictionFor } from './eviction.js';
import { retryAfterMs } from './retry-after.js';
import type { GatewayRequest } from './types.js';

/**
 * Eviction bookkeeping for one attempt: shared counters in the store, this instance's scores in
 * memory. Returns how long the provider was evicted for, when this attempt evicted it.
 */
export async function record(
  ctx: EngineContext,
  req: GatewayRequest,
  provider: CompiledProvider,
  result: AttemptResult,
  unhealthy: boolean,
  known: ProviderState | undefined,
): Promise<number | undefined> {
  const now = ctx.now();
  if (!unhealthy) {
    ctx.stats.recordHealthy(provider.id, result.latencyMs);
    ctx.resetState(provider, known, now);
    return undefined;
  }
  const health = ctx.stats.get(provider.id).health;
  const reason = connectionReason(result);
  ctx.stats.recordUnhealthy(provider.id, { what: String(result.status ?? result.failure ?? 'unhealthy'), ...(reason !== undefined && { reason: ctx.redact(reason) }), at: now });
  const retryAfter = result.status === 429 || result.status === 503 ? retryAfterMs(result.upstreamHeaders, now) : undefined;
  const failure = await ctx.recordFailure(provider, (before) => evictionFor({ eviction: provider.health.eviction, before, health, retryAfterMs: retryAfter }), now);
  const evictedForMs = failure?.evictedForMs;
  if (failure === undefined || evictedForMs === undefined) return undefined;
  ctx.stats.noteEviction(provider.id, failure.state.evictedUntil, now, provider.health.eviction?.restoreHealth);
  ctx.logger.log(
    'warn',
    'eviction',
    `evicted ${provider.name} of ${provider.backendId} for ${formatDuration(evictedForMs)} after ${result.status ?? result.failure} (eviction #${failure.state.timesEvicted}, ${failure.state.consecutiveFailures} consecutive failure${failure.state.consecutiveFailures === 1 ? '' : 's'})`,
    {
      requestId: req.id,
      backend: provider.backendId,
      provider: provider.name,
      evictedForMs,
      evictedUntil: new Date(failure.state.evictedUntil).toISOString(),
      timesEvicted: failure.state.timesEvicted,
      consecutiveFailures: failure.state.consecutiveFailures,
      status: result.status ?? null,
      failure: result.failure ?? null,
    },
  );
  return evictedForMs;
}

/** A reason this long is a sentence already; past it, the JSON log's `reason` field has the rest. */
const MAX_SHORT_REASON_CHARS = 160;

/**
 * Why a connection failed, in the network stack's words: only for connect, reset and timeout
 * failures, whose reason is never an upstream's body. Node's `ENOTFOUND: getaddrinfo ENOTFOUND
 * host` says its code twice; once is enough.
 */
export function connectionReason(result: AttemptResult): string | undefined {
  if (result.failure !== 'connect' && result.failure !== 'reset' && result.failure !== 'timeout') return undefined;
  const doubled = /^([A-Z][A-Z0-9_]+): (.*\b\1\b.*)$/s.exec(result.reason.slice(0, 1_000));
  const text = doubled ? doubled[2]! : result.reason;
  return text.length <= MAX_SHORT_REASON_CHARS ? text : `${text.slice(0, MAX_SHORT_REASON_CHARS)}…`;
}
