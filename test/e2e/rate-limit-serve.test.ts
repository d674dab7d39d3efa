/**
 * Two `modelgate serve` processes on one DynamoDB table (dynalite) share one rate-limit budget:
 * across both, the requests admitted in a window never exceed limit + burst, and a token budget
 * spent by an answer streamed through one refuses on the other. With the table down both fail
 * open to their own memory (each its own limit + burst), in one log line each.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { serve, stop, type Served } from '../support/cli.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { rateLimitManifests } from '../support/rate-limits.js';
import { tempDir } from '../support/temp.js';

const HOUR = 3_600_000;
const LIMIT = 5;
const BURST = 2;
const CHAT = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };

async function chat(served: Served): Promise<number> {
  const res = await fetch(`${served.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CHAT),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.status;
}

/** `rounds` rounds of one request to each process at once; the statuses. */
async function rounds(one: Served, two: Served, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(...(await Promise.all([chat(one), chat(two)])));
  return out;
}

describe('two modelgate serve processes sharing one rate-limit budget', () => {
  let db: Dynalite;
  let sim: Simulator;
  let one: Served;
  let two: Served;

  beforeAll(async () => {
    db = await startDynalite();
    sim = await startSimulator();
    const file = join(tempDir('modelgate-rate-limit-'), 'limits.yaml');
    // Messages requests: a token budget; everything else: a request limit.
    writeFileSync(
      file,
      rateLimitManifests(
        sim.port,
        `{ conditional: [{ condition: 'request.path == "/v1/messages"', policy: { local: [{ tokens: 20, unit: Hours }] } }, { policy: { local: [{ requests: ${LIMIT}, burst: ${BURST}, unit: Hours }] } }] }`,
      ),
    );
    const env = { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const args = ['-f', file, '--port', '0', '--state-table', 'modelgate-rate-limits'];
    one = await serve([...args, '--create-table'], undefined, env);
    two = await serve(args, undefined, env);
  });
  afterAll(async () => {
    await stop(one);
    await stop(two);
    await sim?.close();
    await db?.close();
  });

  it('spend a token budget with an answer streamed through one process, and refuse on the other', async () => {
    const started = Date.now();
    const stream = await fetch(`${one.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('x-ratelimit-limit')).toBe('20');
    expect(await stream.text()).toContain('message_stop');
    // Charged (input + output, from the stream's usage) before the stream ended.
    const calls = sim.calls.length;
    const refused = await fetch(`${two.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    if (Math.floor(started / HOUR) !== Math.floor(Date.now() / HOUR)) return; // refilled meanwhile
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(sim.calls.length).toBe(calls);
  }, 30_000);

  it('admit at most limit + burst across both, and fail open to each its own budget with the table down', async () => {
    const started = Date.now();
    const calls = sim.calls.length;
    const shared = await rounds(one, two, 10);
    const admitted = shared.filter((s) => s === 200).length;
    const sameWindow = Math.floor(started / HOUR) === Math.floor(Date.now() / HOUR);
    // An hour boundary during the test would refill the bucket by LIMIT (then at most that many more).
    expect(admitted).toBe(sameWindow ? LIMIT + BURST : admitted);
    expect(admitted).toBeLessThanOrEqual(LIMIT + BURST + (sameWindow ? 0 : LIMIT));
    expect(shared.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(sim.calls.length - calls).toBe(admitted);
    for (const p of [one, two]) expect(p.logs.join('\n')).not.toContain('DynamoDB table modelgate-rate-limits failed');

    await db.stop();
    let down: number[];
    try {
      down = await rounds(one, two, 10);
    } finally {
      await db.start();
    }
    const admittedDown = down.filter((s) => s === 200).length;
    // Open: each process counts in its own memory, from a full bucket.
    expect(admittedDown).toBe(2 * (LIMIT + BURST));
    for (const p of [one, two]) {
      const lines = p.logs.filter((l) => l.includes('DynamoDB table modelgate-rate-limits failed'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('rate limits too: each instance counts its own budget');
    }
    console.log(
      `[rate-limit accuracy] two serve processes, limit ${LIMIT} + burst ${BURST}: ${admitted} of ${shared.length} admitted on the shared table; table down: ${admittedDown} of ${down.length} admitted`,
    );
  }, 60_000);
});
