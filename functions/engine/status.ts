/**
 * What an operator asks of a gateway: for every backend, priority group and provider, whether the
 * provider is evicted and until when, the counters every instance shares (consecutive failures,
 * times evicted), and what only this instance knows (its health score, the last unhealthy answer
 * it saw). Built on demand — an admin request, `modelgate status` — never on the request path.
 *
 * No AWS SDK here: the engine imports this module, and the SDK costs a local gateway start-up
 * time it does not need (reading the table directly is status-from-table.ts).
 */
import { formatDuration } from '../core/duration.js';
import type { CompiledBackend, CompiledConfig, CompiledProvider } from '../model/config.js';
import type { ProviderState } from '../state/store.js';
import type { LoadStats } from './load-stats.js';

export interface ProviderStatus {
  name: string;
  /** `namespace/backend/provider`: the key of its eviction state. */
  id: string;
  kind: string;
  /** The model the provider pins, if it pins one. */
  model: string | null;
  /** ISO time the eviction ends, or null when the provider is not evicted. */
  evictedUntil: string | null;
  /** Evictions since the last healthy answer (the multiplier of the next eviction's length). */
  timesEvicted: number;
  consecutiveFailures: number;
  /** This instance's EWMA health score, 0 to 1; null when read from the table (no instance's own view). */
  health: number | null;
  /** This instance's last unhealthy answer from the provider; null when it saw none, or when read from the table. */
  lastFailure: { what: string; reason: string | null; at: string } | null;
}

interface GroupStatus {
  /** 1 for the first priority group, as `modelgate validate` numbers them. */
  group: number;
  providers: ProviderStatus[];
}

export interface BackendStatus {
  id: string;
  name: string;
  groups: GroupStatus[];
}

export interface StatusSnapshot {
  /** ISO time of the snapshot: evictions are relative to it. */
  at: string;
  /** `engine`: this process's view (the store it uses, plus its own scores); `table`: the DynamoDB items alone. */
  source: 'engine' | 'table';
  /** The table read, when `source` is `table`. */
  table?: string;
  backends: BackendStatus[];
}

interface StatusSources {
  /** The eviction state of a backend's providers (one store read per backend). */
  read(backend: CompiledBackend): Promise<ReadonlyMap<string, ProviderState>>;
  /** This instance's scores; absent when only the shared state is known. */
  stats?: LoadStats;
}

/** The status of every provider of `config`, read once per backend. */
export async function statusOf(
  config: CompiledConfig,
  sources: StatusSources,
  now: number,
  origin: { source: 'engine' } | { source: 'table'; table: string },
): Promise<StatusSnapshot> {
  const backends = await Promise.all(
    config.backends.map(async (backend): Promise<BackendStatus> => {
      const states = await sources.read(backend);
      return {
        id: backend.id,
        name: backend.name,
        groups: backend.groups.map((group, i) => ({ group: i + 1, providers: group.map((p) => providerStatus(p, states.get(p.id), sources.stats, now)) })),
      };
    }),
  );
  return { at: new Date(now).toISOString(), ...origin, backends };
}

function providerStatus(p: CompiledProvider, state: ProviderState | undefined, stats: LoadStats | undefined, now: number): ProviderStatus {
  const load = stats?.peek(p.id);
  const last = load?.lastFailure;
  return {
    name: p.name,
    id: p.id,
    kind: p.target.kind,
    model: p.target.model ?? null,
    evictedUntil: state && state.evictedUntil > now ? new Date(state.evictedUntil).toISOString() : null,
    timesEvicted: state?.timesEvicted ?? 0,
    consecutiveFailures: state?.consecutiveFailures ?? 0,
    // A provider this instance never called has the score a fresh one starts with.
    health: stats ? Math.round((load?.health ?? 1) * 1000) / 1000 : null,
    lastFailure: last ? { what: last.what, reason: last.reason ?? null, at: new Date(last.at).toISOString() } : null,
  };
}

const COLUMNS = ['GROUP', 'PROVIDER', 'STATE', 'FAILURES', 'EVICTIONS', 'HEALTH', 'LAST FAILURE'] as const;

/** The snapshot as plain text for a terminal: a heading per backend, one aligned row per provider. */
export function renderStatusTable(snapshot: StatusSnapshot): string {
  const now = Date.parse(snapshot.at);
  const lines = [
    snapshot.source === 'table'
      ? `eviction state in DynamoDB table ${snapshot.table ?? '?'} at ${snapshot.at} (shared by every instance; health and last failure are each instance's own, and not in the table)`
      : `status of this instance at ${snapshot.at}`,
  ];
  if (snapshot.backends.length === 0) lines.push('', 'no backends are configured');
  for (const backend of snapshot.backends) {
    const rows: string[][] = [];
    for (const group of backend.groups) {
      for (const p of group.providers) {
        rows.push([
          String(group.group),
          p.name,
          stateText(p, now),
          String(p.consecutiveFailures),
          String(p.timesEvicted),
          p.health === null ? '-' : p.health.toFixed(2),
          p.lastFailure ? `${p.lastFailure.what}${p.lastFailure.reason ? ` (${p.lastFailure.reason})` : ''} at ${p.lastFailure.at}` : '-',
        ]);
      }
    }
    lines.push('', `backend ${backend.id}`, ...aligned([[...COLUMNS], ...rows]).map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

function stateText(p: ProviderStatus, now: number): string {
  if (p.evictedUntil === null) return 'serving';
  // Whole seconds: the table is read by a person, and the ISO time beside it is exact.
  const left = Math.max(0, Date.parse(p.evictedUntil) - now);
  return `evicted until ${p.evictedUntil} (${formatDuration(Math.ceil(left / 1000) * 1000)} left)`;
}

/** Columns padded to their widest cell; the last column is not padded (no trailing spaces). */
function aligned(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}
