/**
 * The eviction arithmetic as pure functions: `evictionFor`, Retry-After parsing, this instance's
 * EWMA load stats, and the memory store's counters.
 */
import { describe, expect, it } from 'vitest';
import { evictionFor, type EvictionInput } from '../../functions/engine/eviction.js';
import { DEFAULT_EVICTION_MS } from '../../functions/core/eviction-defaults.js';
import { LoadStats } from '../../functions/engine/load-stats.js';
import { MAX_RETRY_AFTER_MS, retryAfterMs } from '../../functions/engine/retry-after.js';
import { MemoryStore } from '../../functions/state/memory.js';
import { FRESH_STATE, type ProviderState } from '../../functions/state/store.js';

const state = (consecutiveFailures: number, timesEvicted = 0, evictedUntil = 0): ProviderState => ({ consecutiveFailures, timesEvicted, evictedUntil });

describe('evictionFor', () => {
  const base: EvictionInput = { eviction: undefined, before: FRESH_STATE, health: 1, retryAfterMs: undefined };
  it.each<[string, Partial<EvictionInput>, number | undefined]>([
    // No eviction block: only a Retry-After evicts, for exactly that long.
    ['no block, no Retry-After', {}, undefined],
    ['no block, Retry-After', { retryAfterMs: 5_000 }, 5_000],
    ['no block, Retry-After, counters ignored', { retryAfterMs: 5_000, before: state(7, 3) }, 5_000],
    // An eviction block without thresholds: every unhealthy answer evicts.
    ['default duration', { eviction: {} }, DEFAULT_EVICTION_MS],
    ['configured duration', { eviction: { durationMs: 10_000 } }, 10_000],
    ['second eviction: twice', { eviction: { durationMs: 10_000 }, before: state(1, 1) }, 20_000],
    ['third eviction: three times', { eviction: { durationMs: 10_000 }, before: state(2, 2) }, 30_000],
    ['default duration, second eviction', { eviction: {}, before: state(1, 1) }, 2 * DEFAULT_EVICTION_MS],
    ['a longer Retry-After wins', { eviction: { durationMs: 10_000 }, retryAfterMs: 30_000 }, 30_000],
    ['a shorter Retry-After loses', { eviction: { durationMs: 10_000 }, retryAfterMs: 2_000 }, 10_000],
    ['Retry-After against the multiplied duration', { eviction: { durationMs: 10_000 }, before: state(1, 2), retryAfterMs: 25_000 }, 30_000],
    // consecutiveFailures: the N-th unhealthy answer in a row.
    ['consecutiveFailures 3, first failure', { eviction: { consecutiveFailures: 3 } }, undefined],
    ['consecutiveFailures 3, second failure', { eviction: { consecutiveFailures: 3 }, before: state(1) }, undefined],
    ['consecutiveFailures 3, third failure', { eviction: { consecutiveFailures: 3 }, before: state(2) }, DEFAULT_EVICTION_MS],
    ['consecutiveFailures 3, tenth failure', { eviction: { consecutiveFailures: 3, durationMs: 1_000 }, before: state(9, 1) }, 2_000],
    ['consecutiveFailures 1 evicts at once', { eviction: { consecutiveFailures: 1 } }, DEFAULT_EVICTION_MS],
    // agentgateway: a threshold of 0 never triggers (health.rs consecutive_failures_zero_threshold_never_triggers).
    ['consecutiveFailures 0 never triggers', { eviction: { consecutiveFailures: 0 }, before: state(100) }, undefined],
    ['thresholds not reached: no eviction even with a Retry-After', { eviction: { consecutiveFailures: 3 }, retryAfterMs: 60_000 }, undefined],
    // healthThreshold: this instance's EWMA health below it.
    ['health below the threshold', { eviction: { healthThreshold: 0.5 }, health: 0.49 }, DEFAULT_EVICTION_MS],
    ['health at the threshold', { eviction: { healthThreshold: 0.5 }, health: 0.5 }, undefined],
    ['health above the threshold', { eviction: { healthThreshold: 0.5 }, health: 0.7 }, undefined],
    // Both: either one.
    ['both, health below only', { eviction: { healthThreshold: 0.5, consecutiveFailures: 5 }, health: 0.3 }, DEFAULT_EVICTION_MS],
    ['both, failures reached only', { eviction: { healthThreshold: 0.5, consecutiveFailures: 3 }, health: 0.9, before: state(2) }, DEFAULT_EVICTION_MS],
    ['both, neither', { eviction: { healthThreshold: 0.5, consecutiveFailures: 3 }, health: 0.9, before: state(1) }, undefined],
  ])('%s', (_label, input, expected) => {
    expect(evictionFor({ ...base, ...input })).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it.each<[string, Record<string, string>, number | undefined]>([
    ['seconds', { 'retry-after': '30' }, 30_000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1_500],
    ['padded', { 'retry-after': ' 30 ' }, 30_000],
    ['zero', { 'retry-after': '0' }, 0],
    ['an HTTP date 20 s ahead', { 'retry-after': new Date(now + 20_000).toUTCString() }, 20_000],
    ['an HTTP date in the past', { 'retry-after': new Date(now - 20_000).toUTCString() }, undefined],
    ['garbage', { 'retry-after': 'soon' }, undefined],
    ['retry-after-ms', { 'retry-after-ms': '1500' }, 1_500],
    ['retry-after-ms, the more precise, wins over retry-after', { 'retry-after': '2', 'retry-after-ms': '1500' }, 1_500],
    ['an unreadable retry-after-ms falls through to retry-after', { 'retry-after': '2', 'retry-after-ms': 'soon' }, 2_000],
    ['an unreadable retry-after falls through to retry-after-ms', { 'retry-after': 'later', 'retry-after-ms': '1500' }, 1_500],
    ['x-ratelimit-reset in seconds', { 'x-ratelimit-reset': '20' }, 20_000],
    ['x-ratelimit-reset as an epoch', { 'x-ratelimit-reset': String(now / 1000 + 60) }, 60_000],
    ['x-ratelimit-reset-requests as a Go duration', { 'x-ratelimit-reset-requests': '6m0s' }, 360_000],
    ['x-ratelimit-reset-tokens with a fraction', { 'x-ratelimit-reset-tokens': '1.5s' }, 1_500],
    ['x-ratelimit-reset-tokens in ms', { 'x-ratelimit-reset-tokens': '20ms' }, 20],
    ['the smaller of the two resets', { 'x-ratelimit-reset-requests': '1m', 'x-ratelimit-reset-tokens': '7s' }, 7_000],
    ['capped at a day', { 'retry-after': '999999' }, MAX_RETRY_AFTER_MS],
    ['nothing', {}, undefined],
  ])('%s', (_label, headers, expected) => {
    expect(retryAfterMs(headers, now)).toBe(expected);
  });
});

describe('LoadStats', () => {
  it('starts healthy and idle', () => {
    const stats = new LoadStats();
    expect(stats.get('p')).toEqual({ health: 1, latencySeconds: 0, pending: 0, evictedUntilSeen: 0 });
    expect(stats.score('p')).toBe(1);
  });

  it('health is an EWMA with alpha 0.3', () => {
    const stats = new LoadStats();
    stats.recordUnhealthy('p');
    expect(stats.get('p').health).toBeCloseTo(0.7, 10);
    stats.recordUnhealthy('p');
    expect(stats.get('p').health).toBeCloseTo(0.49, 10);
    stats.recordHealthy('p', 0);
    expect(stats.get('p').health).toBeCloseTo(0.3 + 0.7 * 0.49, 10);
  });

  it('latency: the first sample as is, then an EWMA; the score counts latency and queueing', () => {
    const stats = new LoadStats();
    stats.recordHealthy('p', 1_000);
    expect(stats.get('p').latencySeconds).toBe(1);
    expect(stats.score('p')).toBeCloseTo(0.5, 10);
    stats.recordHealthy('p', 2_000);
    expect(stats.get('p').latencySeconds).toBeCloseTo(1.3, 10);
    const idle = stats.score('p');
    for (let i = 0; i < 10; i++) stats.begin('p');
    expect(stats.score('p')).toBeCloseTo(1 / (1 + 1.3 * 2), 10);
    expect(stats.score('p')).toBeLessThan(idle);
  });

  it('pending never goes below zero', () => {
    const stats = new LoadStats();
    stats.end('p');
    stats.begin('p');
    stats.end('p');
    stats.end('p');
    expect(stats.get('p').pending).toBe(0);
  });

  it('restoreHealth applies once, when an eviction this instance saw has ended', () => {
    const stats = new LoadStats();
    stats.recordUnhealthy('p');
    stats.recordUnhealthy('p');
    const now = 1_000_000;
    stats.noteEviction('p', now + 10_000, now, 0.5);
    expect(stats.get('p').health).toBeCloseTo(0.49, 10); // still evicted: unchanged
    stats.noteEviction('p', now + 10_000, now + 5_000, 0.5);
    expect(stats.get('p').health).toBeCloseTo(0.49, 10);
    // Expired evictions read as 0 from the store.
    stats.noteEviction('p', 0, now + 10_000, 0.5);
    expect(stats.get('p').health).toBe(0.5);
    stats.recordUnhealthy('p');
    stats.noteEviction('p', 0, now + 20_000, 0.5);
    expect(stats.get('p').health).toBeCloseTo(0.35, 10); // not applied a second time
  });

  it('without restoreHealth, the health stays where the failures left it', () => {
    const stats = new LoadStats();
    stats.recordUnhealthy('p');
    stats.noteEviction('p', 2_000, 1_000, undefined);
    stats.noteEviction('p', 0, 3_000, undefined);
    expect(stats.get('p').health).toBeCloseTo(0.7, 10);
  });

  it('an eviction never seen by this instance restores nothing', () => {
    const stats = new LoadStats();
    stats.recordUnhealthy('p');
    stats.noteEviction('p', 0, 5_000, 1);
    expect(stats.get('p').health).toBeCloseTo(0.7, 10);
  });
});

describe('MemoryStore', () => {
  const now = 1_000_000;

  it('knows nothing about providers that never failed', async () => {
    const store = new MemoryStore();
    expect((await store.read(['a', 'b'], now)).size).toBe(0);
  });

  it('counts failures and passes the state before this one to the decider', async () => {
    const store = new MemoryStore();
    const seen: ProviderState[] = [];
    const keep = (before: ProviderState) => {
      seen.push(before);
      return undefined;
    };
    expect(await store.recordFailure('a', keep, now)).toEqual({ state: state(1) });
    expect(await store.recordFailure('a', keep, now)).toEqual({ state: state(2) });
    expect(seen).toEqual([FRESH_STATE, state(1)]);
    expect(store.readNow(['a'], now).get('a')).toEqual(state(2));
  });

  it('evicts when the decider says so, once, and failures while evicted neither extend nor count as another eviction', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const evict = () => {
      calls++;
      return 5_000;
    };
    expect(await store.recordFailure('a', evict, now)).toEqual({ state: state(1, 1, now + 5_000), evictedForMs: 5_000 });
    expect(await store.recordFailure('a', evict, now + 1_000)).toEqual({ state: state(2, 1, now + 5_000) });
    expect(calls).toBe(1);
    expect((await store.read(['a'], now + 4_999)).get('a')?.evictedUntil).toBe(now + 5_000);
    // Expired: reads as 0, the counters stay.
    expect((await store.read(['a'], now + 5_000)).get('a')).toEqual(state(2, 1, 0));
    // The next failure after the window decides again, with the counters as they are.
    expect(await store.recordFailure('a', (before) => (before.timesEvicted + 1) * 5_000, now + 6_000)).toEqual({ state: state(3, 2, now + 16_000), evictedForMs: 10_000 });
  });

  it('a zero duration is no eviction', async () => {
    const store = new MemoryStore();
    expect(await store.recordFailure('a', () => 0, now)).toEqual({ state: state(1) });
  });

  it('a healthy answer resets the counters and keeps a running eviction', async () => {
    const store = new MemoryStore();
    await store.recordFailure('a', () => 5_000, now);
    await store.recordSuccess('a', undefined, now + 1_000);
    expect(store.readNow(['a'], now + 1_000).get('a')).toEqual(state(0, 0, now + 5_000));
    await store.recordSuccess('b', undefined, now);
    expect(store.readNow(['b'], now).size).toBe(0);
  });

  it('keeps providers apart', async () => {
    const store = new MemoryStore();
    await store.recordFailure('a', () => 5_000, now);
    await store.recordFailure('b', () => undefined, now);
    const read = await store.read(['a', 'b', 'c'], now);
    expect(read.get('a')).toEqual(state(1, 1, now + 5_000));
    expect(read.get('b')).toEqual(state(1));
    expect(read.has('c')).toBe(false);
  });
});
