/**
 * The choose step: which backend of a route serves the request (`pickBackend`, by weight), and
 * the order in which the request tries that backend's providers. Groups are priorities: the first
 * group with a provider that is not evicted comes first, its providers picked by power of two
 * choices (as agentgateway does) and the rest by score; then the later groups in list order;
 * evicted providers last, the one whose eviction ends first at the front — so a request is never
 * refused without trying.
 */
import type { CompiledBackend, CompiledProvider, CompiledRule } from '../model/config.js';
import type { ProviderState } from '../state/store.js';
import type { LoadStats } from './load-stats.js';

type Random = () => number;

export function candidateOrder(
  backend: CompiledBackend,
  states: ReadonlyMap<string, ProviderState>,
  stats: LoadStats,
  now: number,
  random: Random = Math.random,
): CompiledProvider[] {
  const evictedUntil = (p: CompiledProvider) => {
    const until = states.get(p.id)?.evictedUntil ?? 0;
    return until > now ? until : 0;
  };
  const order: CompiledProvider[] = [];
  let first = true;
  for (const group of backend.groups) {
    const live = group.filter((p) => evictedUntil(p) === 0);
    if (live.length === 0) continue;
    const byScore = [...live].sort((a, b) => stats.score(b.id) - stats.score(a.id));
    if (first && live.length > 1) {
      const pick = powerOfTwo(live, stats, random);
      order.push(pick, ...byScore.filter((p) => p !== pick));
    } else {
      order.push(...byScore);
    }
    first = false;
  }
  const evicted = backend.providers.filter((p) => evictedUntil(p) !== 0).sort((a, b) => evictedUntil(a) - evictedUntil(b));
  return order.concat(evicted);
}

/** Two random picks (maybe the same one), keep the better score: spreads load, avoids the slow. */
function powerOfTwo(providers: readonly CompiledProvider[], stats: LoadStats, random: Random): CompiledProvider {
  const a = providers[Math.floor(random() * providers.length)]!;
  const b = providers[Math.floor(random() * providers.length)]!;
  return stats.score(b.id) > stats.score(a.id) ? b : a;
}

/** Gateway API weights: a backend is chosen in proportion to its weight; weight 0 is never chosen. */
export function pickBackend(rule: CompiledRule, random: () => number): CompiledBackend | undefined {
  if (rule.backends.length === 1) return rule.backends[0]!.weight > 0 ? rule.backends[0]!.backend : undefined;
  const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
  if (total <= 0) return undefined;
  let at = random() * total;
  for (const b of rule.backends) {
    at -= b.weight;
    if (at < 0) return b.backend;
  }
  return rule.backends.at(-1)!.backend;
}
