/**
 * Eviction state in DynamoDB, shared by every Lambda instance (or `modelgate serve` process) on
 * the table. The rules it keeps:
 * - Reads: one Query per backend (all its providers share a partition), cached per instance for
 *   at most `stalenessMs`, so a healthy request usually reads nothing.
 * - A failure: one conditional UpdateItem that ADDs to the counter atomically (no lost counts
 *   however many instances fail at once). Crossing the threshold: one more conditional write,
 *   `evictedUntil` set only if not evicted already — so an eviction is written once, and a
 *   lost race returns the winner's item (ReturnValuesOnConditionCheckFailure), not a second read.
 * - A healthy answer writes only when a counter must go back to zero.
 * - Expiry is checked on every read and write: TTL deletion is lazy garbage collection.
 * - Fail open: `DynamoDBStore` is the table seen through `FailOpenStore` (fail-open.ts), so an
 *   error, throttle or timeout never fails a request. `DynamoDBTableStore` alone throws.
 * - Rate limits live in the same table (dynamodb-rate-limits.ts) and fail open with the same outage.
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../core/log.js';
import { DynamoDBRateLimits } from './dynamodb-rate-limits.js';
import { FailOpenStore } from './fail-open.js';
import { FailOpenRateLimits } from './rate-limit-fail-open.js';
import { queryPartition } from './query-partition.js';
import { FRESH_STATE, type EvictionDecider, type EvictionStore, type FailureOutcome, type ProviderState, type RateLimitStore, type WithRateLimits } from './store.js';
import { evictionKey, STATE_RETENTION_MS, TTL_ATTRIBUTE } from './table-layout.js';

interface DynamoDBStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** How old a cached read may be before the table is asked again. */
  stalenessMs?: number;
  /** After a table error, how long the instance serves from memory before trying the table again. */
  retryTableAfterMs?: number;
  /** Where the fail-open lines (`store_unavailable`, `store_available`) go. */
  logger?: Logger;
  /** Counts table operations (benchmarks and tests report reads and writes per request). */
  onOperation?: (op: 'read' | 'write') => void;
}

export const DEFAULT_STALENESS_MS = 1_000;

interface CachedPartition {
  at: number;
  states: Map<string, ProviderState>;
}

/** The gateway's eviction state and rate-limit counters in its DynamoDB table, failing open (one outage for both). */
export class DynamoDBStore extends FailOpenStore implements WithRateLimits {
  private readonly limits: DynamoDBRateLimits;
  private readonly failOpenLimits: FailOpenRateLimits;

  constructor(options: DynamoDBStoreOptions) {
    super(new DynamoDBTableStore(options), { name: `DynamoDB table ${options.table}`, logger: options.logger, retryAfterMs: options.retryTableAfterMs });
    this.limits = new DynamoDBRateLimits(options);
    this.failOpenLimits = new FailOpenRateLimits(this.limits, this.outage);
  }

  /** Rate limits shared by every instance on the table (dynamodb-rate-limits.ts). */
  rateLimits(): RateLimitStore {
    return this.failOpenLimits;
  }

  /** Lets charges in flight finish before the client goes. */
  override async close(): Promise<void> {
    await this.limits.close();
    await super.close();
  }
}

/** The table alone: every error reaches the caller. */
class DynamoDBTableStore implements EvictionStore {
  private readonly cache = new Map<string, CachedPartition>();
  /** The Query in flight for a partition, shared by every request that wants it meanwhile. */
  private readonly reading = new Map<string, Promise<Map<string, ProviderState>>>();
  /** This instance's writes to a partition while its Query is in flight (applied over what it reads). */
  private readonly writtenDuringRead = new Map<string, Map<string, ProviderState>>();
  /** Resets run off the request path; close() waits for them, so none reaches a table being shut. */
  private readonly resets = new Set<Promise<void>>();
  private readonly stalenessMs: number;

  constructor(private readonly options: DynamoDBStoreOptions) {
    this.stalenessMs = options.stalenessMs ?? DEFAULT_STALENESS_MS;
  }

  async read(ids: readonly string[], now: number): Promise<ReadonlyMap<string, ProviderState>> {
    const out = new Map<string, ProviderState>();
    const partitions = new Map<string, string[]>();
    for (const id of ids) {
      const { pk } = evictionKey(id);
      partitions.set(pk, [...(partitions.get(pk) ?? []), id]);
    }
    for (const [pk, members] of partitions) {
      const states = await this.partition(pk, now);
      for (const id of members) {
        const s = states.get(evictionKey(id).sk);
        if (s) out.set(id, s.evictedUntil > now ? s : { ...s, evictedUntil: 0 });
      }
    }
    return out;
  }

  async recordFailure(id: string, decide: EvictionDecider, now: number): Promise<FailureOutcome> {
    const after = await this.countFailure(id, now);
    const before: ProviderState = { ...after, consecutiveFailures: after.consecutiveFailures - 1 };
    const ms = after.evictedUntil > now ? undefined : decide(before);
    if (ms === undefined || ms <= 0) {
      this.remember(id, after, now);
      return { state: after };
    }
    const evicted = await this.evict(id, ms, now);
    this.remember(id, evicted.state, now);
    return evicted;
  }

  recordSuccess(id: string, known: ProviderState | undefined, now: number): Promise<void> {
    if (!known || (known.consecutiveFailures === 0 && known.timesEvicted === 0)) return Promise.resolve(); // nothing to reset: no write
    const reset = this.reset(id, now);
    this.resets.add(reset);
    // The caller (FailOpenStore) handles the error; this bookkeeping copy must not be unhandled.
    void reset.finally(() => this.resets.delete(reset)).catch(() => {});
    return reset;
  }

  /** Waits for background resets, then lets go of the client's connections. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.resets]);
    this.options.client.destroy();
  }

  private async reset(id: string, now: number): Promise<void> {
    const state = await this.update(id, {
      UpdateExpression: 'SET consecutiveFailures = :zero, timesEvicted = :zero, #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':zero': num(0), ':ttl': num(ttlFor(now, 0)) },
    });
    this.remember(id, state, now);
  }

  /** One atomic, conditional ADD; an expired (not yet deleted) item starts again from zero. */
  private async countFailure(id: string, now: number): Promise<ProviderState> {
    const nowSeconds = Math.floor(now / 1000);
    try {
      return await this.update(id, {
        UpdateExpression: 'ADD consecutiveFailures :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#ttl) OR #ttl >= :now',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': num(1), ':ttl': num(ttlFor(now, 0)), ':now': num(nowSeconds) },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The item had expired: TTL has not deleted it yet, but its counters are history.
      return this.update(id, {
        UpdateExpression: 'SET consecutiveFailures = :one, timesEvicted = :zero, evictedUntil = :zero, #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': num(1), ':zero': num(0), ':ttl': num(ttlFor(now, 0)) },
      });
    }
  }

  /** Sets the eviction unless another instance did first; the loser gets the winner's item back. */
  private async evict(id: string, ms: number, now: number): Promise<FailureOutcome> {
    const until = now + ms;
    try {
      const state = await this.update(id, {
        UpdateExpression: 'SET evictedUntil = :until, #ttl = :ttl ADD timesEvicted :one',
        ConditionExpression: 'attribute_not_exists(evictedUntil) OR evictedUntil <= :now',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':until': num(until), ':ttl': num(ttlFor(now, until)), ':one': num(1), ':now': num(now) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { state, evictedForMs: ms };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // DynamoDB returns the winner's item with the failure; an emulator may not, so read it then.
      return { state: error.Item ? parseState(error.Item) : await this.get(id) };
    }
  }

  private async update(id: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<ProviderState> {
    const { pk, sk } = evictionKey(id);
    this.options.onOperation?.('write');
    const result = await this.options.client.send(
      new UpdateItemCommand({ TableName: this.options.table, Key: { pk: { S: pk }, sk: { S: sk } }, ReturnValues: 'ALL_NEW', ...input }),
    );
    return parseState(result.Attributes ?? {});
  }

  private async get(id: string): Promise<ProviderState> {
    const { pk, sk } = evictionKey(id);
    this.options.onOperation?.('read');
    const result = await this.options.client.send(new GetItemCommand({ TableName: this.options.table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
    return parseState(result.Item ?? {});
  }

  /**
   * A backend's states: the cached read while it is fresh, else one Query, which every request
   * wanting the same partition meanwhile waits for. (Each used to send its own: at the moment a
   * cache went stale under 64 concurrent requests, 64 Queries for the same items, every
   * `stalenessMs`, on every instance.)
   */
  private partition(pk: string, now: number): Promise<Map<string, ProviderState>> | Map<string, ProviderState> {
    const cached = this.cache.get(pk);
    if (cached && now - cached.at < this.stalenessMs) return cached.states;
    let reading = this.reading.get(pk);
    if (!reading) {
      reading = this.query(pk, now).finally(() => this.reading.delete(pk));
      this.reading.set(pk, reading);
    }
    return reading;
  }

  private async query(pk: string, now: number): Promise<Map<string, ProviderState>> {
    const writes = new Map<string, ProviderState>();
    this.writtenDuringRead.set(pk, writes);
    try {
      const states = new Map<string, ProviderState>();
      for (const item of await queryPartition(this.options.client, this.options.table, pk, { onPage: () => this.options.onOperation?.('read') })) {
        const ttl = Number(item[TTL_ATTRIBUTE]?.N ?? Infinity);
        if (ttl * 1000 < now) continue; // expired: read as never written
        states.set(item.sk?.S ?? '', parseState(item));
      }
      // What this instance wrote while the Query was on its way may be newer than what it read.
      for (const [sk, state] of writes) states.set(sk, state);
      this.cache.set(pk, { at: now, states });
      return states;
    } finally {
      this.writtenDuringRead.delete(pk);
    }
  }

  /** This instance's own writes are visible to it at once, whatever the staleness bound. */
  private remember(id: string, state: ProviderState, now: number) {
    const { pk, sk } = evictionKey(id);
    this.writtenDuringRead.get(pk)?.set(sk, state);
    const cached = this.cache.get(pk);
    if (cached) cached.states.set(sk, state);
    else this.cache.set(pk, { at: now - this.stalenessMs, states: new Map([[sk, state]]) });
  }
}

/**
 * By name, not `instanceof`: the SDK's deserializer can build the error from another copy of the
 * class (one per bundled protocol package), and a missed condition failure would read as an outage.
 */
function isConditionFailure(error: unknown): error is { name: string; Item?: Record<string, AttributeValue> } {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

const num = (n: number): AttributeValue => ({ N: String(n) });

function ttlFor(now: number, evictedUntil: number): number {
  return Math.ceil((Math.max(now, evictedUntil) + STATE_RETENTION_MS) / 1000);
}

function parseState(item: Record<string, AttributeValue>): ProviderState {
  if (!item.consecutiveFailures && !item.timesEvicted && !item.evictedUntil) return FRESH_STATE;
  return {
    consecutiveFailures: Number(item.consecutiveFailures?.N ?? 0),
    timesEvicted: Number(item.timesEvicted?.N ?? 0),
    evictedUntil: Number(item.evictedUntil?.N ?? 0),
  };
}
