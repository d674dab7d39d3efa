/**
 * The DynamoDB eviction store against dynalite: counters, one eviction per threshold crossing
 * under concurrency, expiry enforced in reads, the staleness-bounded cache, and failing open.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../functions/core/log.js';
import { DynamoDBStore } from '../../functions/state/dynamodb.js';
import type { ProviderState } from '../../functions/state/store.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';

const TABLE = 'modelgate-test';
let db: Dynalite;
let seq = 0;
/** A provider id of its own per test, so tests share the table without sharing state. */
const providerId = () => `ns/backend-${++seq}/provider`;

beforeAll(async () => {
  db = await startDynalite([TABLE]);
});
afterAll(async () => {
  await db?.close();
});

function store(options: Partial<ConstructorParameters<typeof DynamoDBStore>[0]> = {}) {
  const ops = { read: 0, write: 0 };
  const s = new DynamoDBStore({ client: db.client(), table: TABLE, onOperation: (op) => ops[op]++, ...options });
  return { s, ops };
}

const evictAfter = (n: number, ms: number) => (before: ProviderState) => (before.consecutiveFailures + 1 >= n ? ms * (before.timesEvicted + 1) : undefined);

describe('DynamoDBStore', () => {
  it('counts failures atomically and evicts once per threshold crossing, across K instances × M concurrent failures', async () => {
    const id = providerId();
    const K = 4;
    const M = 10;
    const now = Date.now();
    const instances = Array.from({ length: K }, () => store().s);
    // Threshold K*M: only the last of the K*M concurrent failures crosses it.
    const outcomes = await Promise.all(instances.flatMap((s) => Array.from({ length: M }, () => s.recordFailure(id, evictAfter(K * M, 10_000), now))));
    const evictions = outcomes.filter((o) => o.evictedForMs !== undefined);
    expect(evictions).toHaveLength(1);
    const [state] = [...(await store().s.read([id], now)).values()];
    expect(state).toEqual({ consecutiveFailures: K * M, timesEvicted: 1, evictedUntil: now + 10_000 });
  });

  it('writes an eviction once even when every instance crosses the threshold together', async () => {
    const id = providerId();
    const now = Date.now();
    const instances = Array.from({ length: 8 }, () => store().s);
    // Threshold 1: every one of the 8 concurrent failures decides to evict; one wins.
    const outcomes = await Promise.all(instances.map((s) => s.recordFailure(id, evictAfter(1, 5_000), now)));
    expect(outcomes.filter((o) => o.evictedForMs !== undefined)).toHaveLength(1);
    const losers = outcomes.filter((o) => o.evictedForMs === undefined);
    // A lost race returns the winner's item, not a stale guess.
    for (const o of losers) expect(o.state.evictedUntil).toBe(now + 5_000);
    const state = (await store().s.read([id], now)).get(id)!;
    expect(state.timesEvicted).toBe(1);
    expect(state.consecutiveFailures).toBe(8);
  });

  it('doubles the next eviction and resets the counters on a healthy answer', async () => {
    const { s, ops } = store();
    const id = providerId();
    const t0 = Date.now();
    expect((await s.recordFailure(id, evictAfter(1, 1_000), t0)).evictedForMs).toBe(1_000);
    const t1 = t0 + 1_500; // the first eviction is over
    const second = await s.recordFailure(id, evictAfter(1, 1_000), t1);
    expect(second.evictedForMs).toBe(2_000);
    expect(second.state.timesEvicted).toBe(2);
    const writes = ops.write;
    await s.recordSuccess(id, second.state, t1 + 3_000);
    expect(ops.write).toBe(writes + 1);
    expect((await store().s.read([id], t1 + 3_000)).get(id)).toMatchObject({ consecutiveFailures: 0, timesEvicted: 0 });
  });

  it('does not write on a healthy answer when there is nothing to reset', async () => {
    const { s, ops } = store();
    await s.recordSuccess(providerId(), undefined, Date.now());
    await s.recordSuccess(providerId(), { consecutiveFailures: 0, timesEvicted: 0, evictedUntil: 0 }, Date.now());
    expect(ops).toEqual({ read: 0, write: 0 });
  });

  it('reads a backend with one Query, and not again while its cache is fresh', async () => {
    const { s, ops } = store({ stalenessMs: 1_000 });
    const ids = ['ns/shared-backend/a', 'ns/shared-backend/b', 'ns/shared-backend/c'];
    const now = Date.now();
    await s.read(ids, now);
    expect(ops.read).toBe(1);
    await s.read(ids, now + 500);
    expect(ops.read).toBe(1);
    await s.read(ids, now + 1_001);
    expect(ops.read).toBe(2);
  });

  it('requests that find a backend stale at once share one Query, and all get its answer', async () => {
    const { s, ops } = store({ stalenessMs: 1_000 });
    const id = providerId();
    const now = Date.now();
    await store().s.recordFailure(id, evictAfter(1, 30_000), now);
    await s.read([id], now);
    expect(ops.read).toBe(1);
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.read([id], now + 1_001)));
    expect(ops.read).toBe(2);
    for (const a of answers) expect(a.get(id)?.evictedUntil).toBe(now + 30_000);
  });

  it('a failure this instance records while its Query is on the way is not lost to that Query', async () => {
    // The Query is held back until the failure has been written, so it cannot have read it.
    let releaseQuery: () => void = () => {};
    const held = new Promise<void>((resolve) => (releaseQuery = resolve));
    const client = db.client();
    const slow = {
      send: async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        if (command.constructor.name === 'QueryCommand') {
          const answer = await (client.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
          await held;
          return answer;
        }
        return (client.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
      },
    };
    const { s } = store({ client: slow as never, stalenessMs: 1_000 });
    const id = providerId();
    const now = Date.now();
    const reading = s.read([id], now);
    await s.recordFailure(id, () => undefined, now);
    releaseQuery();
    // The Query was answered before the failure was written; what this instance wrote meanwhile
    // is laid over it, for that read and for the cache it fills.
    expect((await reading).get(id)?.consecutiveFailures).toBe(1);
    expect((await s.read([id], now + 10)).get(id)?.consecutiveFailures).toBe(1);
  });

  it("sees another instance's eviction within the staleness bound", async () => {
    const id = providerId();
    const reader = store({ stalenessMs: 1_000 }).s;
    const writer = store().s;
    const now = Date.now();
    expect((await reader.read([id], now)).get(id)).toBeUndefined();
    await writer.recordFailure(id, evictAfter(1, 30_000), now);
    // Still within the bound: the reader may not know yet.
    await reader.read([id], now + 999);
    // Past the bound: it must.
    expect((await reader.read([id], now + 1_000)).get(id)?.evictedUntil).toBe(now + 30_000);
  });

  it('ignores expired items that TTL has not deleted yet, and counts from zero again', async () => {
    const id = providerId();
    const [pk, sk] = [`evict#${id.slice(0, id.lastIndexOf('/'))}`, 'provider'];
    const now = Date.now();
    const long_ago = Math.floor(now / 1000) - 10;
    await db.client().send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: pk }, sk: { S: sk }, consecutiveFailures: { N: '7' }, timesEvicted: { N: '3' }, evictedUntil: { N: String(now + 60_000) }, ttl: { N: String(long_ago) } },
      }),
    );
    const { s } = store();
    expect((await s.read([id], now)).get(id)).toBeUndefined();
    const after = await s.recordFailure(id, () => undefined, now);
    expect(after.state).toEqual({ consecutiveFailures: 1, timesEvicted: 0, evictedUntil: 0 });
  });

  it('fails open while the table is down, logs once, and uses the table again when it is back', async () => {
    const logger = new MemoryLogger();
    const { s } = store({ logger, retryTableAfterMs: 200, client: db.client({ requestTimeoutMs: 300 }) });
    const id = providerId();
    const now = Date.now();
    await db.stop();
    try {
      // Requests are still served: reads answer from memory, failures are counted there.
      expect((await s.read([id], now)).size).toBe(0);
      const outcome = await s.recordFailure(id, evictAfter(1, 10_000), now + 1);
      expect(outcome.evictedForMs).toBe(10_000);
      expect((await s.read([id], now + 2)).get(id)?.evictedUntil).toBe(now + 10_001);
      expect(logger.entries.filter((e) => e.event === 'store_unavailable')).toHaveLength(1);
    } finally {
      await db.start();
    }
    // Back: after the retry interval the table is the source of truth again (it never saw the eviction).
    const later = now + 1_000;
    expect((await s.read([id], later)).get(id)).toBeUndefined();
    expect(logger.entries.some((e) => e.event === 'store_available')).toBe(true);
  });
});
