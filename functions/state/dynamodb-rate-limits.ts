/**
 * Rate-limit buckets in the gateway's DynamoDB table, shared by every instance on it (Lambda
 * instances, several `modelgate serve` processes). One item per policy and client
 * (table-layout.ts); per limit and refill window, two numbers: `n<i>_<w>` (used) and `a<i>_<w>`
 * (what the window allows).
 *
 * agentgateway's bucket, approximated by window counters: at the start of a window the bucket
 * holds min(limit + burst, limit + what the previous window left), so a window allows
 *   a(w) = min(perUnit + burst, perUnit + max(0, a(w-1) - n(w-1)))      (no item for w-1: full)
 * and a request is admitted while n(w) < a(w). For request limits this is agentgateway's bucket
 * (refilled on epoch-aligned boundaries) with two approximations, both towards admitting more:
 * after two or more idle windows the bucket is taken as full (exact when burst <= perUnit), and
 * charges landing in w-1 after an instance computed a(w) are not seen by it. The first writer of a
 * window fixes a(w) for everyone (`if_not_exists`), so instances never disagree on it.
 *
 * Writes, on the healthy path: admitting a request with `requests` limits is ONE conditional
 * UpdateItem (ADD 1 to every requests counter, on condition that every counter is under its
 * allowance: atomic, so concurrent instances never admit past a(w)); a policy of `tokens` limits
 * only admits on a consistent GetItem (no write) and writes once when the answer ends (ADD the
 * tokens). A policy mixing both kinds writes at both ends. Besides, an instance reads the item
 * once per window (to compute a(w)) and after a refusal when DynamoDB did not return the item.
 *
 * Expiry is checked on read (dynalite and TTL's lag leave expired items behind): an item past its
 * `ttl` reads as empty. Counters of past windows are removed by the next write that sees them.
 * Errors reach the caller: rate-limit-fail-open.ts is where they turn into this instance's memory.
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { capacity, nextRefill, windowOf } from './memory-rate-limits.js';
import type { Admission, BucketLimit, BucketStatus, RateLimitBuckets, RateLimitStore } from './store.js';
import { rateLimitKey, TTL_ATTRIBUTE } from './table-layout.js';

interface DynamoDBRateLimitsOptions {
  client: DynamoDBClient;
  table: string;
  onOperation?: ((op: 'read' | 'write') => void) | undefined;
}

type Item = Record<string, AttributeValue>;

/** Items cached per instance (only to compute a window's allowance); past it the oldest go. */
const MAX_CACHED = 10_000;
/** An item outlives its last write by two of its longest unit (a(w) reads w-1) and this margin. */
const TTL_MARGIN_MS = 60_000;
/** Old counters one write removes at most (an item idle for long has a few per limit). */
const MAX_REMOVED = 32;

export class DynamoDBRateLimits implements RateLimitStore {
  private readonly cache = new Map<string, { at: number; item: Item }>();
  /** Charges run off the response path; close() waits for them. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Window reads in flight, by bucket key. */
  private readonly reading = new Map<string, Promise<Item>>();

  constructor(private readonly options: DynamoDBRateLimitsOptions) {}

  async admit(buckets: RateLimitBuckets, now: number): Promise<Admission> {
    const { limits } = buckets;
    if (!limits.some((l) => l.kind === 'requests')) {
      // Tokens only: nothing to take yet, so a read says whether anything is left.
      const statuses = statusesOf(limits, await this.view(buckets, now, true), now);
      return decide(statuses);
    }
    const view = await this.view(buckets, now, false);
    try {
      const item = await this.update(buckets, now, view, { admit: true });
      return { admitted: true, statuses: statusesOf(limits, item, now) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // DynamoDB returns the item that failed the condition; an emulator may not, so read it then.
      const item = error.Item ? this.remember(buckets.key, error.Item, now) : await this.read(buckets.key, now);
      const decided = decide(statusesOf(limits, item, now));
      // The item moved on between the condition and the read: still refused, by the emptiest bucket.
      return decided.admitted ? { admitted: false, statuses: decided.statuses, refusedBy: emptiest(decided.statuses) } : decided;
    }
  }

  charge(buckets: RateLimitBuckets, tokens: number, now: number): Promise<void> {
    if (!(tokens > 0) || !buckets.limits.some((l) => l.kind === 'tokens')) return Promise.resolve();
    const charged = (async () => {
      const view = await this.view(buckets, now, false);
      await this.update(buckets, now, view, { tokens: Math.ceil(tokens) });
    })();
    this.pending.add(charged);
    // The caller (FailOpenRateLimits) handles the error; this bookkeeping copy must not be unhandled.
    void charged.finally(() => this.pending.delete(charged)).catch(() => {});
    return charged;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /**
   * The item as far as a(w) needs it: cached, unless `fresh` is asked for or the cached copy was
   * read in an earlier window of one of the limits (then w-1's final counts must be read).
   */
  private async view(buckets: RateLimitBuckets, now: number, fresh: boolean): Promise<Item> {
    const cached = this.cache.get(buckets.key);
    if (!fresh && cached && buckets.limits.every((l) => windowOf(l, cached.at) === windowOf(l, now))) return cached.item;
    if (fresh) return this.read(buckets.key, now);
    // Requests that arrive together at a new window share one read.
    let reading = this.reading.get(buckets.key);
    if (!reading) {
      reading = this.read(buckets.key, now).finally(() => this.reading.delete(buckets.key));
      this.reading.set(buckets.key, reading);
    }
    return reading;
  }

  private async read(bucketKey: string, now: number): Promise<Item> {
    const { pk, sk } = rateLimitKey(bucketKey);
    this.options.onOperation?.('read');
    const result = await this.options.client.send(new GetItemCommand({ TableName: this.options.table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
    return this.remember(bucketKey, result.Item ?? {}, now);
  }

  /** Admission (`admit`: ADD 1 to requests counters, all counters under their allowance) or a charge (ADD tokens to tokens counters). */
  private async update(buckets: RateLimitBuckets, now: number, view: Item, op: { admit: true } | { tokens: number }): Promise<Item> {
    const names: Record<string, string> = { '#ttl': TTL_ATTRIBUTE };
    const values: Item = { ':ttl': num(ttlOf(buckets.limits, now)) };
    const sets = ['#ttl = :ttl'];
    const adds: string[] = [];
    const conditions: string[] = [];
    buckets.limits.forEach((limit, i) => {
      if ('tokens' in op && limit.kind !== 'tokens') return;
      const w = windowOf(limit, now);
      names[`#n${i}`] = counter('n', i, w);
      names[`#a${i}`] = counter('a', i, w);
      values[`:a${i}`] = num(allowanceOf(limit, i, w, view));
      sets.push(`#a${i} = if_not_exists(#a${i}, :a${i})`);
      if ('admit' in op) {
        conditions.push(`(attribute_not_exists(#n${i}) OR #n${i} < #a${i})`);
        if (limit.kind === 'requests') adds.push(`#n${i} :one`);
      } else {
        adds.push(`#n${i} :tokens`);
      }
    });
    if ('admit' in op) values[':one'] = num(1);
    else values[':tokens'] = num(op.tokens);
    const removes = staleCounters(buckets.limits, view, now).map((name, r) => {
      names[`#r${r}`] = name;
      return `#r${r}`;
    });
    const { pk, sk } = rateLimitKey(buckets.key);
    this.options.onOperation?.('write');
    const result = await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.table,
        Key: { pk: { S: pk }, sk: { S: sk } },
        UpdateExpression: `SET ${sets.join(', ')}${adds.length > 0 ? ` ADD ${adds.join(', ')}` : ''}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ...(conditions.length > 0 && { ConditionExpression: conditions.join(' AND '), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return this.remember(buckets.key, result.Attributes ?? {}, now);
  }

  /** Caches what the table said (an expired item as empty: TTL deletion is lazy) and returns it. */
  private remember(bucketKey: string, item: Item, now: number): Item {
    const ttl = Number(item[TTL_ATTRIBUTE]?.N ?? Infinity);
    const live = ttl * 1000 < now ? {} : item;
    this.cache.delete(bucketKey);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(bucketKey, { at: now, item: live });
    return live;
  }
}

const counter = (kind: 'n' | 'a', index: number, window: number) => `${kind}${index}_${window}`;
const num = (n: number): AttributeValue => ({ N: String(n) });
const numberIn = (item: Item, name: string): number | undefined => (item[name]?.N === undefined ? undefined : Number(item[name].N));

/** a(w): what the bucket holds when window w starts, from what w-1 allowed and used; full without a w-1. */
function allowanceOf(limit: BucketLimit, i: number, w: number, item: Item): number {
  const previous = numberIn(item, counter('a', i, w - 1));
  if (previous === undefined) return capacity(limit);
  const left = Math.max(0, previous - (numberIn(item, counter('n', i, w - 1)) ?? 0));
  return Math.min(capacity(limit), limit.perUnit + left);
}

function statusesOf(limits: readonly BucketLimit[], item: Item, now: number): BucketStatus[] {
  return limits.map((limit, i) => {
    const w = windowOf(limit, now);
    const allowed = numberIn(item, counter('a', i, w)) ?? allowanceOf(limit, i, w, item);
    const used = numberIn(item, counter('n', i, w)) ?? 0;
    return { limit: capacity(limit), remaining: Math.max(0, allowed - used), resetAt: nextRefill(limit, now) };
  });
}

function decide(statuses: BucketStatus[]): Admission {
  const refusedBy = statuses.findIndex((s) => s.remaining < 1);
  return refusedBy < 0 ? { admitted: true, statuses } : { admitted: false, statuses, refusedBy };
}

const emptiest = (statuses: readonly BucketStatus[]) => statuses.reduce((best, s, i) => (s.remaining < statuses[best]!.remaining ? i : best), 0);

/** Counters of windows before w-1 (or of limits the policy no longer has): removed by the next write. */
function staleCounters(limits: readonly BucketLimit[], item: Item, now: number): string[] {
  const stale: string[] = [];
  for (const name of Object.keys(item)) {
    const m = /^[na](\d+)_(\d+)$/.exec(name);
    if (!m) continue;
    const limit = limits[Number(m[1])];
    if (limit && Number(m[2]) >= windowOf(limit, now) - 1) continue;
    stale.push(name);
    if (stale.length >= MAX_REMOVED) break;
  }
  return stale;
}

function ttlOf(limits: readonly BucketLimit[], now: number): number {
  const longest = Math.max(...limits.map((l) => l.unitMs));
  return Math.ceil((now + 2 * longest + TTL_MARGIN_MS) / 1000);
}

/** By name, not `instanceof` (see dynamodb.ts). */
function isConditionFailure(error: unknown): error is { name: string; Item?: Item } {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
