/**
 * The status as the DynamoDB table holds it: what every Lambda instance and `modelgate serve`
 * process on the table acts on, for `modelgate status --state-table NAME`. The items are read
 * directly, one consistent Query per backend, and not through DynamoDBStore: the store fails open
 * (a table error reads as "nothing evicted"), and a status that says all is well because the table
 * did not answer would mislead the operator who asked. Errors are thrown here.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CompiledBackend, CompiledConfig } from '../model/config.js';
import { queryPartition } from '../state/query-partition.js';
import type { ProviderState } from '../state/store.js';
import { evictionKey, evictionPartition, KEY, TTL_ATTRIBUTE } from '../state/table-layout.js';
import { statusOf, type StatusSnapshot } from './status.js';

export async function statusFromTable(client: DynamoDBClient, table: string, config: CompiledConfig, now: number = Date.now()): Promise<StatusSnapshot> {
  const read = async (backend: CompiledBackend): Promise<ReadonlyMap<string, ProviderState>> => {
    const bySortKey = new Map<string, ProviderState>();
    for (const item of await queryPartition(client, table, evictionPartition(backend.id), { consistent: true })) {
      const state = liveState(item, now);
      if (state) bySortKey.set(item[KEY.sort]?.S ?? '', state);
    }
    // The items are keyed as table-layout.ts says; the status is keyed by provider id.
    const out = new Map<string, ProviderState>();
    for (const p of backend.providers) {
      const state = bySortKey.get(evictionKey(p.id).sk);
      if (state) out.set(p.id, state);
    }
    return out;
  };
  return statusOf(config, { read }, now, { source: 'table', table });
}

/**
 * An item's counters as the data plane reads them: an item past its TTL (which DynamoDB deletes
 * lazily) was never written, and an eviction that has ended reads as none.
 */
function liveState(item: Record<string, AttributeValue>, now: number): ProviderState | undefined {
  const ttlSeconds = Number(item[TTL_ATTRIBUTE]?.N ?? Infinity);
  if (ttlSeconds * 1000 < now) return undefined;
  const evictedUntil = Number(item.evictedUntil?.N ?? 0);
  return {
    consecutiveFailures: Number(item.consecutiveFailures?.N ?? 0),
    timesEvicted: Number(item.timesEvicted?.N ?? 0),
    evictedUntil: evictedUntil > now ? evictedUntil : 0,
  };
}
