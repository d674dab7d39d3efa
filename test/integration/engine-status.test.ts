/**
 * The status an operator reads: every backend → group → provider with its eviction, the shared
 * counters and this instance's health and last failure — from a running engine, and from the
 * DynamoDB table alone (what `modelgate status --state-table` shows of a Lambda fleet), as JSON
 * and as a plain-text table. Also: a failover line in the text log says why a connection failed.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/core/log.js';
import { statusFromTable } from '../../functions/engine/status-from-table.js';
import { renderStatusTable, type ProviderStatus, type StatusSnapshot } from '../../functions/engine/status.js';
import { DynamoDBStore } from '../../functions/state/dynamodb.js';
import { evictionKey, TTL_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { BACKEND, faultsByModel, HELLO, NAMESPACE, startGateway, type Gateway, type GatewaySpec } from '../support/harness.js';
import { meteredEngine, send } from '../support/metered.js';

const TABLE = 'modelgate-status-test';
let db: Dynalite;
let gw: Gateway | undefined;
beforeAll(async () => {
  db = await startDynalite([TABLE]);
});
afterAll(async () => {
  await db?.close();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const BACKEND_ID = `${NAMESPACE}/${BACKEND}`;
const THREE: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'b' }, { name: 'c' }]], backendPolicy: { health: { eviction: { duration: '10s' } } } };

function provider(snapshot: StatusSnapshot, name: string): ProviderStatus {
  const found = snapshot.backends.flatMap((b) => b.groups.flatMap((g) => g.providers)).find((p) => p.name === name);
  if (!found) throw new Error(`no provider ${name} in the snapshot`);
  return found;
}

describe('Engine.status()', () => {
  it('shows an eviction, the shared counters, the health score and the last failure', async () => {
    gw = await startGateway({ config: THREE, faults: faultsByModel({ 'model-a': { kind: 'status', status: 503 } }) });
    const res = await gw.chat(HELLO);
    expect(res.status).toBe(200);
    const failedAt = gw.clock.t;
    gw.clock.advance(2_500);

    const snapshot = await gw.engine.status();
    expect(snapshot.source).toBe('engine');
    expect(snapshot.at).toBe(new Date(gw.clock.t).toISOString());
    expect(snapshot.backends).toHaveLength(1);
    const backend = snapshot.backends[0]!;
    expect(backend).toMatchObject({ id: BACKEND_ID, name: BACKEND });
    expect(backend.groups.map((g) => [g.group, g.providers.map((p) => p.name)])).toEqual([
      [1, ['a']],
      [2, ['b', 'c']],
    ]);

    const a = provider(snapshot, 'a');
    expect(a).toMatchObject({
      id: `${BACKEND_ID}/a`,
      kind: 'anthropic',
      model: 'model-a',
      evictedUntil: new Date(failedAt + 10_000).toISOString(),
      timesEvicted: 1,
      consecutiveFailures: 1,
      lastFailure: { what: '503', reason: null, at: new Date(failedAt).toISOString() },
    });
    expect(a.health).toBeLessThan(1);
    const served = provider(snapshot, res.headers.get('x-modelgate-provider')!);
    expect(served).toMatchObject({ evictedUntil: null, timesEvicted: 0, consecutiveFailures: 0, health: 1, lastFailure: null });

    // Once the eviction is over, the provider reads as serving again; the counters stay until a healthy answer.
    gw.clock.advance(10_000);
    expect(provider(await gw.engine.status(), 'a')).toMatchObject({ evictedUntil: null, timesEvicted: 1, consecutiveFailures: 1 });
  });

  it('a provider that cannot be reached: the last failure says why, and so does the text log', async () => {
    gw = await startGateway({ config: { groups: [[{ name: 'a', port: 1 }], [{ name: 'b' }]] } });
    expect((await gw.chat(HELLO)).status).toBe(200);

    const a = provider(await gw.engine.status(), 'a');
    expect(a.lastFailure).toMatchObject({ what: 'connect' });
    expect(a.lastFailure!.reason).toContain('ECONNREFUSED 127.0.0.1:1');

    // In the text format only the message is printed: the reason must be in it.
    const lines: string[] = [];
    const text = createLogger('text', (l) => lines.push(l));
    for (const e of gw.logger.entries.filter((e) => e.event === 'failover')) text.log(e.level, e.event, e.message, e.fields);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/failover llm: a failed with connect: connect ECONNREFUSED 127\.0\.0\.1:1 \(unhealthy\); trying b$/);
  });

  it("a status 404 keeps the tutorial's wording", async () => {
    // The tutorial's rule: a 404 (a model that does not exist) is unhealthy.
    const config: GatewaySpec = { ...THREE, backendPolicy: { health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '10s' } } } };
    gw = await startGateway({ config, faults: faultsByModel({ 'model-a': { kind: 'status', status: 404 } }) });
    expect((await gw.chat(HELLO)).status).toBe(200);
    const line = gw.logger.entries.find((e) => e.event === 'failover')!;
    expect(line.message).toMatch(/^failover llm: a answered 404 \(unhealthy\); trying [bc]$/);
  });
});

describe('statusFromTable', () => {
  it('reads the eviction items of every backend, as every instance on the table sees them', async () => {
    gw = await startGateway({ config: THREE, faults: faultsByModel({ 'model-a': { kind: 'status', status: 503 } }) });
    const store = new DynamoDBStore({ client: db.client(), table: TABLE, stalenessMs: 0 });
    const { engine } = meteredEngine(gw, { store });
    const before = Date.now();
    expect((await send(engine, HELLO)).status).toBe(200);

    const snapshot = await statusFromTable(db.client(), TABLE, engine.config);
    expect(snapshot).toMatchObject({ source: 'table', table: TABLE });
    const a = provider(snapshot, 'a');
    expect(a).toMatchObject({ timesEvicted: 1, consecutiveFailures: 1, health: null, lastFailure: null });
    expect(Date.parse(a.evictedUntil!)).toBeGreaterThanOrEqual(before + 10_000);
    for (const name of ['b', 'c']) expect(provider(snapshot, name)).toMatchObject({ evictedUntil: null, timesEvicted: 0, consecutiveFailures: 0 });

    // The engine's own view agrees on what the table holds, and adds its own.
    const own = provider(await engine.status(), 'a');
    expect(own).toMatchObject({ evictedUntil: a.evictedUntil, timesEvicted: 1, consecutiveFailures: 1, lastFailure: { what: '503' } });
  });

  it('an item past its TTL reads as never written; an eviction that ended reads as none', async () => {
    gw = await startGateway({ config: THREE });
    const now = Date.now();
    const put = (name: string, fields: Record<string, number>) => {
      const { pk, sk } = evictionKey(`${BACKEND_ID}/${name}`);
      const item: Record<string, { S: string } | { N: string }> = { pk: { S: pk }, sk: { S: sk } };
      for (const [k, v] of Object.entries(fields)) item[k] = { N: String(v) };
      return db.client().send(new PutItemCommand({ TableName: TABLE, Item: item }));
    };
    await put('a', { consecutiveFailures: 7, timesEvicted: 2, evictedUntil: now + 60_000, [TTL_ATTRIBUTE]: Math.floor(now / 1000) - 10 });
    await put('b', { consecutiveFailures: 3, timesEvicted: 1, evictedUntil: now - 1_000, [TTL_ATTRIBUTE]: Math.ceil(now / 1000) + 3_600 });
    const snapshot = await statusFromTable(db.client(), TABLE, gw.engine.config, now);
    expect(provider(snapshot, 'a')).toMatchObject({ evictedUntil: null, timesEvicted: 0, consecutiveFailures: 0 });
    expect(provider(snapshot, 'b')).toMatchObject({ evictedUntil: null, timesEvicted: 1, consecutiveFailures: 3 });
  });

  it('a table that does not answer is an error, not an all-clear', async () => {
    gw = await startGateway({ config: THREE });
    await expect(statusFromTable(db.client(), 'no-such-table', gw.engine.config)).rejects.toThrow(/non-existent table|not found/i);
  });
});

describe('renderStatusTable', () => {
  const snapshot: StatusSnapshot = {
    at: '2025-06-01T08:10:35.000Z',
    source: 'engine',
    backends: [
      {
        id: 'gw/llm',
        name: 'llm',
        groups: [
          {
            group: 1,
            providers: [
              {
                name: 'opus',
                id: 'gw/llm/opus',
                kind: 'anthropic',
                model: 'claude-opus-4-6',
                evictedUntil: '2025-06-01T08:10:43.000Z',
                timesEvicted: 1,
                consecutiveFailures: 1,
                health: 0.7,
                lastFailure: { what: '404', reason: null, at: '2025-06-01T08:10:33.000Z' },
              },
            ],
          },
          {
            group: 2,
            providers: [
              {
                name: 'sonnet',
                id: 'gw/llm/sonnet',
                kind: 'anthropic',
                model: 'claude-sonnet-4-6',
                evictedUntil: null,
                timesEvicted: 0,
                consecutiveFailures: 0,
                health: 1,
                lastFailure: null,
              },
              {
                name: 'haiku',
                id: 'gw/llm/haiku',
                kind: 'anthropic',
                model: null,
                evictedUntil: null,
                timesEvicted: 0,
                consecutiveFailures: 2,
                health: 0.49,
                lastFailure: { what: 'connect', reason: 'getaddrinfo ENOTFOUND api.anthropic.com', at: '2025-06-01T08:10:30.000Z' },
              },
            ],
          },
        ],
      },
    ],
  };

  it('one aligned row per provider under its backend', () => {
    const text = renderStatusTable(snapshot);
    expect(text.split('\n')).toEqual([
      'status of this instance at 2025-06-01T08:10:35.000Z',
      '',
      'backend gw/llm',
      '  GROUP  PROVIDER  STATE                                             FAILURES  EVICTIONS  HEALTH  LAST FAILURE',
      '  1      opus      evicted until 2025-06-01T08:10:43.000Z (8s left)  1         1          0.70    404 at 2025-06-01T08:10:33.000Z',
      '  2      sonnet    serving                                           0         0          1.00    -',
      '  2      haiku     serving                                           2         0          0.49    connect (getaddrinfo ENOTFOUND api.anthropic.com) at 2025-06-01T08:10:30.000Z',
      '',
    ]);
  });

  it('from the table: says so, and shows no per-instance columns', () => {
    const fromTable: StatusSnapshot = {
      ...snapshot,
      source: 'table',
      table: 'gw-state',
      backends: snapshot.backends.map((b) => ({ ...b, groups: b.groups.map((g) => ({ ...g, providers: g.providers.map((p) => ({ ...p, health: null, lastFailure: null })) })) })),
    };
    const text = renderStatusTable(fromTable);
    expect(text).toMatch(/^eviction state in DynamoDB table gw-state at 2025-06-01T08:10:35\.000Z/);
    expect(text).toContain('  1      opus      evicted until 2025-06-01T08:10:43.000Z (8s left)  1         1          -       -');
  });
});
