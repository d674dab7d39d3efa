/**
 * The order one request tries a backend's providers in, and the verdict on one attempt.
 */
import { describe, expect, it } from 'vitest';
import { candidateOrder } from '../../functions/engine/choose.js';
import { LoadStats } from '../../functions/engine/load-stats.js';
import { judge, type VerdictInput } from '../../functions/engine/verdict.js';
import { compileCondition, type CelContext } from '../../functions/model/cel.js';
import type { CompiledBackend, CompiledProvider } from '../../functions/model/config.js';
import type { ProviderState } from '../../functions/state/store.js';

function backend(groups: string[][]): CompiledBackend {
  const compiled = groups.map((names, group) =>
    names.map(
      (name): CompiledProvider => ({
        id: `ns/b/${name}`,
        name,
        backendId: 'ns/b',
        group,
        target: { name, kind: 'anthropic', baseUrl: 'http://127.0.0.1:1', model: `m-${name}` },
        health: {},
        ai: {},
      }),
    ),
  );
  return { id: 'ns/b', name: 'b', namespace: 'ns', groups: compiled, providers: compiled.flat() };
}

const NOW = 1_000_000;
const evicted = (entries: Record<string, number>): Map<string, ProviderState> =>
  new Map(Object.entries(entries).map(([name, until]) => [`ns/b/${name}`, { consecutiveFailures: 1, timesEvicted: 1, evictedUntil: until }]));
const names = (order: CompiledProvider[]) => order.map((p) => p.name);
/** A random source that returns the given values in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('candidateOrder', () => {
  it('groups in list order when nothing is evicted', () => {
    expect(names(candidateOrder(backend([['a'], ['b'], ['c']]), new Map(), new LoadStats(), NOW, sequence(0)))).toEqual(['a', 'b', 'c']);
  });

  it('the first group with a live provider comes first; evicted providers go last', () => {
    const b = backend([['a'], ['b'], ['c']]);
    expect(names(candidateOrder(b, evicted({ a: NOW + 1_000 }), new LoadStats(), NOW))).toEqual(['b', 'c', 'a']);
    expect(names(candidateOrder(b, evicted({ a: NOW + 1_000, b: NOW + 500 }), new LoadStats(), NOW))).toEqual(['c', 'b', 'a']);
  });

  it('every provider evicted: the one whose eviction ends first leads, whatever its group', () => {
    const b = backend([['a', 'x'], ['b'], ['c']]);
    const order = candidateOrder(b, evicted({ a: NOW + 3_000, x: NOW + 4_000, b: NOW + 1_000, c: NOW + 2_000 }), new LoadStats(), NOW);
    expect(names(order)).toEqual(['b', 'c', 'a', 'x']);
  });

  it('an eviction that has ended counts as live', () => {
    const b = backend([['a'], ['b']]);
    expect(names(candidateOrder(b, evicted({ a: NOW }), new LoadStats(), NOW))).toEqual(['a', 'b']);
    expect(names(candidateOrder(b, evicted({ a: NOW - 1 }), new LoadStats(), NOW))).toEqual(['a', 'b']);
    expect(names(candidateOrder(b, evicted({ a: NOW + 1 }), new LoadStats(), NOW))).toEqual(['b', 'a']);
  });

  it('power of two choices in the first live group: between equals, the first random pick', () => {
    const b = backend([['a', 'b', 'c'], ['d']]);
    const stats = new LoadStats();
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0, 0)))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0.5, 0.9)))).toEqual(['b', 'a', 'c', 'd']);
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0.9, 0)))).toEqual(['c', 'a', 'b', 'd']);
  });

  it('power of two choices keeps the better score of the two picks', () => {
    const b = backend([['a', 'b']]);
    const stats = new LoadStats();
    stats.recordUnhealthy('ns/b/a');
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0, 0.9)))).toEqual(['b', 'a']);
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0.9, 0)))).toEqual(['b', 'a']);
    // Both picks on the worse one: it goes first (that is the spreading in P2C).
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0, 0)))).toEqual(['a', 'b']);
  });

  it('P2C applies to the first live group, even when an earlier group is fully evicted', () => {
    const b = backend([['a'], ['b', 'c']]);
    expect(names(candidateOrder(b, evicted({ a: NOW + 1_000 }), new LoadStats(), NOW, sequence(0.9, 0.9)))).toEqual(['c', 'b', 'a']);
  });

  it('the rest of a group, and later groups, by score', () => {
    const b = backend([['a'], ['b', 'c']]);
    const stats = new LoadStats();
    stats.recordHealthy('ns/b/b', 2_000); // slower
    stats.recordHealthy('ns/b/c', 100);
    expect(names(candidateOrder(b, new Map(), stats, NOW, sequence(0)))).toEqual(['a', 'c', 'b']);
  });

  it('live providers of a partly evicted group stay in it', () => {
    const b = backend([['a', 'x'], ['b']]);
    expect(names(candidateOrder(b, evicted({ a: NOW + 1_000 }), new LoadStats(), NOW, sequence(0)))).toEqual(['x', 'b', 'a']);
  });
});

describe('judge', () => {
  const ctx = (code: number | undefined, headers: Record<string, string> = {}): CelContext => ({
    request: { method: 'POST', path: '/v1/chat/completions', host: 'gw', headers: {} },
    ...(code !== undefined && { response: { code, headers } }),
    llm: { provider: 'anthropic', streaming: false },
  });
  const verdict = (status: number | undefined, options: Partial<Omit<VerdictInput, 'status' | 'context'>> & { headers?: Record<string, string> } = {}) =>
    judge({
      status,
      failure: options.failure ?? (status === undefined ? 'connect' : status >= 200 && status < 300 ? undefined : 'status'),
      health: options.health ?? {},
      retry: options.retry ?? {},
      context: () => ctx(status, options.headers),
    });
  const tutorial = { condition: compileCondition('response.code == 404 || response.code == 429') };

  it.each<[string, number | undefined, { unhealthy: boolean; retryable: boolean }]>([
    ['200', 200, { unhealthy: false, retryable: false }],
    ['400', 400, { unhealthy: false, retryable: false }],
    ['401', 401, { unhealthy: false, retryable: false }],
    ['404', 404, { unhealthy: false, retryable: false }],
    ['413', 413, { unhealthy: false, retryable: false }],
    ['429', 429, { unhealthy: false, retryable: true }],
    ['500', 500, { unhealthy: true, retryable: true }],
    ['503', 503, { unhealthy: true, retryable: true }],
    ['529', 529, { unhealthy: true, retryable: true }],
    ['no answer', undefined, { unhealthy: true, retryable: true }],
  ])('default policies: %s', (_label, status, expected) => {
    expect(verdict(status)).toEqual(expected);
  });

  it.each(['connect', 'timeout', 'reset'] as const)('no answer (%s) is unhealthy and retryable whatever the condition says', (failure) => {
    expect(verdict(undefined, { failure, health: { condition: compileCondition('false') } })).toEqual({ unhealthy: true, retryable: true });
    expect(verdict(undefined, { failure, health: tutorial, retry: { codes: new Set([404]) } })).toEqual({ unhealthy: true, retryable: true });
  });

  it('a malformed 200 is retryable, and unhealthy under the default policy', () => {
    expect(verdict(200, { failure: 'malformed' })).toEqual({ unhealthy: true, retryable: true });
  });

  it.each<[string, number, { unhealthy: boolean; retryable: boolean }]>([
    ['404', 404, { unhealthy: true, retryable: false }],
    ['429', 429, { unhealthy: true, retryable: true }],
    ['500', 500, { unhealthy: false, retryable: true }],
    ['200', 200, { unhealthy: false, retryable: false }],
  ])('the tutorial condition decides for answers: %s', (_label, status, expected) => {
    expect(verdict(status, { health: tutorial })).toEqual(expected);
  });

  it('a condition that fails to evaluate counts as healthy', () => {
    const health = { condition: compileCondition('response.headers["x-missing"] == "1"') };
    expect(verdict(404, { health })).toEqual({ unhealthy: false, retryable: false });
    expect(verdict(503, { health })).toEqual({ unhealthy: false, retryable: true });
    expect(verdict(503, { health, headers: { 'x-missing': '1' } })).toEqual({ unhealthy: true, retryable: true });
  });

  it('retry codes replace the default list', () => {
    const retry = { codes: new Set([404, 409]) };
    expect(verdict(404, { retry })).toEqual({ unhealthy: false, retryable: true });
    expect(verdict(409, { retry })).toEqual({ unhealthy: false, retryable: true });
    expect(verdict(429, { retry })).toEqual({ unhealthy: false, retryable: false });
    // Not retryable, but unhealthy by default: the engine still fails over.
    expect(verdict(500, { retry })).toEqual({ unhealthy: true, retryable: false });
  });

  it('a retry condition adds to the codes', () => {
    const retry = { codes: new Set([429]), condition: compileCondition('response.code == 418') };
    expect(verdict(418, { retry })).toEqual({ unhealthy: false, retryable: true });
    expect(verdict(400, { retry })).toEqual({ unhealthy: false, retryable: false });
  });
});
