/**
 * Rate limits shared through the gateway's DynamoDB table (dynalite): two engines, each with its
 * own store and client on one table, as two instances would be. One budget for both, counted
 * atomically (admitted = limit + burst exactly, however the requests interleave), one write per
 * request; a token budget charged on one instance refuses on the other; with the table down both
 * fail open to their own memory, saying so in one line each.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { Engine } from '../../functions/engine/engine.js';
import type { GatewayRequest } from '../../functions/engine/types.js';
import { compileConfig } from '../../functions/model/compile.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { DynamoDBStore } from '../../functions/state/dynamodb.js';
import { rateLimitKey } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { FakeClock } from '../support/harness.js';
import { rateLimitManifests } from '../support/rate-limits.js';

const TABLE = 'modelgate-rate-limits';
const HOUR = 3_600_000;
const CHAT = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };

let db: Dynalite;
let sim: Simulator;
beforeAll(async () => {
  db = await startDynalite([TABLE]);
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

let ids = 0;
function request(body: unknown = CHAT): GatewayRequest {
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    query: '',
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(JSON.stringify(body)),
    signal: new AbortController().signal,
    id: `rl-${++ids}`,
  };
}

/** Two instances on one table, on one clock; `ops` counts each one's table reads and writes. */
function instances(rateLimit: string, clock: FakeClock, requestTimeoutMs = 10_000) {
  const config = compileConfig(parseManifests([{ name: 'rl.yaml', text: rateLimitManifests(sim.port, rateLimit) }]).objects);
  return [0, 1].map(() => {
    const logger = new MemoryLogger();
    const ops = { read: 0, write: 0 };
    const store = new DynamoDBStore({ client: db.client({ requestTimeoutMs }), table: TABLE, logger, onOperation: (op) => ops[op]++ });
    return { engine: new Engine({ config, logger, store, now: clock.now }), logger, ops, store };
  });
}

async function status(engine: Engine, body?: unknown): Promise<number> {
  const res = await engine.handle(request(body));
  if (typeof res.body !== 'string') for await (const _ of res.body);
  return res.status;
}

describe('rate limits in DynamoDB, shared by two instances', () => {
  it('admit limit + burst in total, one conditional write per request', async () => {
    // A new policy name per test would be cleaner; a clock in an hour of its own is enough: new window, new counters.
    const clock = new FakeClock(Math.floor(Date.now() / HOUR) * HOUR + 10 * HOUR + 1_000);
    const [a, b] = instances('{ local: [{ requests: 5, burst: 2, unit: Hours }] }', clock);
    const calls = sim.calls.length;
    // 40 requests at once, alternating instances: every conditional ADD races the others.
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => status((i % 2 ? b! : a!).engine)));
    const admitted = results.filter((s) => s === 200).length;
    // Healthy all along (dynalite on a busy machine is slow: the clients wait up to 10 s, not the default 1 s).
    expect([...a!.logger.entries, ...b!.logger.entries].filter((e) => e.event === 'store_unavailable')).toEqual([]);
    expect(admitted).toBe(7);
    expect(results.filter((s) => s === 429)).toHaveLength(33);
    expect(sim.calls.length - calls).toBe(7);
    // One write per request (admitted or refused); reads: one per instance for the window, and one per refusal when the emulator does not return the item.
    expect(a!.ops.write + b!.ops.write).toBe(40);
    console.log(
      `[rate-limit accuracy] two instances, limit 5 + burst 2, 40 concurrent requests: admitted ${admitted}; table writes ${a!.ops.write + b!.ops.write}, reads ${a!.ops.read + b!.ops.read}`,
    );
    // The next window allows `requests` again (the burst was spent): 5 more across both.
    clock.advance(HOUR);
    const next = await Promise.all(Array.from({ length: 20 }, (_, i) => status((i % 2 ? b! : a!).engine)));
    expect(next.filter((s) => s === 200)).toHaveLength(5);
    for (const i of [a!, b!]) await i.store.close();
  });

  it('share a token budget: an answer streamed through one instance spends it for the other', async () => {
    const clock = new FakeClock(Math.floor(Date.now() / HOUR) * HOUR + 20 * HOUR + 1_000);
    const [a, b] = instances('{ local: [{ tokens: 20, unit: Hours }] }', clock);
    expect(await status(a!.engine, { ...CHAT, stream: true, stream_options: { include_usage: true } })).toBe(200);
    // The charge is written before the stream ends: the table has it once the client has read the last byte.
    const bucket = a!.engine.config.rules[0]!.rateLimit!.choices[0]!.policy.id;
    const { pk, sk } = rateLimitKey(`${bucket}|*`);
    const { Item } = await db.client().send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
    const used = Number(Object.entries(Item ?? {}).find(([name]) => name.startsWith('n0_'))?.[1].N ?? 0);
    expect(used).toBeGreaterThan(20);
    const calls = sim.calls.length;
    const refused = await b!.engine.handle(request());
    expect(refused.status).toBe(429);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(sim.calls.length).toBe(calls);
    // Admitting on a token-only budget reads; it writes only the charge, once per answer.
    expect(b!.ops.write).toBe(0);
    expect(a!.ops.write).toBe(1);
    for (const i of [a!, b!]) await i.store.close();
  });

  it('fail open when the table goes down mid-run: each instance counts in its own memory, and says so once', async () => {
    const clock = new FakeClock(Math.floor(Date.now() / HOUR) * HOUR + 30 * HOUR + 1_000);
    const [a, b] = instances('{ local: [{ requests: 5, burst: 2, unit: Hours }] }', clock);
    const before = await Promise.all(Array.from({ length: 4 }, (_, i) => status((i % 2 ? b! : a!).engine)));
    expect(before).toEqual([200, 200, 200, 200]);
    await db.stop();
    let during: number[];
    try {
      during = [];
      for (let i = 0; i < 20; i++) during.push(await status((i % 2 ? b! : a!).engine));
    } finally {
      await db.start();
    }
    // Open: nothing is refused because of the outage; each instance's own bucket (limit + burst) applies.
    const admittedDuring = during.filter((s) => s === 200).length;
    expect(admittedDuring).toBe(14);
    for (const i of [a!, b!]) {
      const lines = i.logger.entries.filter((e) => e.event === 'store_unavailable');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.message).toContain('rate limits too');
    }
    console.log(
      `[rate-limit accuracy] table down mid-run, limit 5 + burst 2, two instances: admitted 4 before the outage, ${admittedDuring} of 20 during it (each instance its own 7)`,
    );
    for (const i of [a!, b!]) await i.store.close();
  });
});
