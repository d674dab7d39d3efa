/** The start-up summary: what is served, where, and how it fails over — in a few readable lines. */
import { formatDuration } from '../core/duration.js';
import type { CompiledConfig, CompiledProvider, CompiledRule } from '../model/config.js';
import { DEFAULT_EVICTION_MS } from '../core/eviction-defaults.js';
import type { HedgingSettings } from '../model/compile-hedging.js';
import { credentialText } from '../providers/credentials/describe.js';
import { rateLimitText } from '../model/compile-rate-limit.js';

export function describeConfig(config: CompiledConfig): string[] {
  const lines: string[] = [];
  for (const rule of config.rules) {
    const matches = rule.matches.map((m) => `${m.method ? `${m.method} ` : ''}${m.path.type} ${m.path.value}`).join(' | ');
    lines.push(`route ${rule.id}: ${matches} -> ${rule.backends.map((b) => b.backend.id).join(', ') || '(no backend)'}${retryText(rule)}${rateLimitText(rule.rateLimit)}`);
  }
  for (const m of config.models ?? []) {
    const first = m.routes[0]?.rule;
    lines.push(`model ${m.id}: ${m.kind}, matches ${m.match}${m.visibility === 'Internal' ? ' (Internal: only through virtual models)' : ''}${first ? retryText(first) : ''}`);
    if (m.kind === 'conditional') {
      for (const r of m.routes)
        lines.push(`  ${r.when ? `when ${r.when.source}` : 'otherwise'} -> ${r.rule.backends.map((b) => b.backend.providers.map((p) => p.name).join(', ')).join(', ')}`);
    }
  }
  for (const backend of config.backends) {
    lines.push(`backend ${backend.id}:`);
    backend.groups.forEach((group, i) => {
      lines.push(`  group ${i + 1}: ${group.map(providerText).join('; ')}`);
    });
    const health = backend.providers.map(healthText);
    if (new Set(health).size === 1) lines.push(`  health: ${health[0]}`);
    else {
      for (const [i, p] of backend.providers.entries()) lines.push(`  health of ${p.name}: ${health[i]}`);
    }
    if (backend.hedging) lines.push(`  ${hedgingText(backend.hedging)}`);
  }
  return lines;
}

/** `hedging: after 800ms, at most 1 extra attempt at once, for up to 10% of requests; first-token timeout 5s`. */
function hedgingText(h: HedgingSettings): string {
  const parts: string[] = [];
  if (h.hedgeAfter !== undefined) {
    const after = h.hedgeAfter === 'auto' ? "after the provider's recent p95 time to first content (200ms-10s)" : `after ${formatDuration(h.hedgeAfter.ms)}`;
    parts.push(`hedging: ${after}, at most ${h.maxHedges} extra attempt${h.maxHedges === 1 ? '' : 's'} at once, for up to ${Math.round(h.budget * 1000) / 10}% of requests`);
  }
  if (h.firstTokenTimeoutMs !== undefined) parts.push(`first-token timeout ${formatDuration(h.firstTokenTimeoutMs)}`);
  return parts.join('; ');
}

function providerText(p: CompiledProvider): string {
  const where = p.target.baseUrl + (p.target.path ?? p.target.pathPrefix ?? '');
  const credential = p.target.credential
    ? credentialText(p.target.credential)
    : p.target.kind === 'bedrock'
      ? 'SigV4 from the AWS credential chain'
      : p.target.apiKey
        ? p.target.kind === 'vertexai'
          ? 'token set'
          : 'key set'
        : 'no key';
  return `${p.name} (${p.target.kind}${p.target.model ? ` ${p.target.model}` : ''} at ${where}, ${credential})`;
}

function healthText(p: CompiledProvider): string {
  const { condition, eviction } = p.health;
  const when = condition ? `unhealthy when ${condition.source}` : 'unhealthy on connection failure, timeout or 5xx';
  if (!eviction) return `${when}; evicted only for a provider's Retry-After`;
  const base = formatDuration(eviction.durationMs ?? DEFAULT_EVICTION_MS);
  const after = [
    eviction.consecutiveFailures ? `${eviction.consecutiveFailures} consecutive failure${eviction.consecutiveFailures === 1 ? '' : 's'}` : undefined,
    eviction.healthThreshold !== undefined ? `health below ${Math.round(eviction.healthThreshold * 100)}%` : undefined,
  ].filter(Boolean);
  return `${when}; evicted for ${base} × (times evicted + 1) after ${after.length ? after.join(' or ') : 'each unhealthy answer'}`;
}

function retryText(rule: CompiledRule): string {
  const r = rule.retry;
  if (r.attempts === undefined && !r.codes && !r.condition) return '';
  return ` (retry: ${r.attempts !== undefined ? `${r.attempts} ${r.attempts === 1 ? 'retry' : 'retries'}` : 'each provider once'}${r.codes ? ` on ${[...r.codes].join(',')}` : ''}${r.backoffMs ? `, backoff ${formatDuration(r.backoffMs)}` : ''})`;
}
