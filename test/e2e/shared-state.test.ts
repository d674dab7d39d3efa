/**
 * Two `modelgate serve` processes on one DynamoDB table (dynalite), as two Lambda instances would
 * be: an eviction recorded by one is respected by the other within the staleness bound; with the
 * table down both keep serving, and once it is back they share state again.
 */
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/temp.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { serve, stop, TUTORIAL_ENV, tutorialAgainst, type Served } from '../support/cli.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';

const REQUEST = { messages: [{ role: 'user', content: 'Write me a paragraph about Istio Ambient Mesh' }] };

async function attempts(served: Served): Promise<string> {
  const res = await fetch(`${served.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(REQUEST),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-modelgate-attempts') ?? '';
}

describe('two modelgate serve processes sharing one DynamoDB table', () => {
  let db: Dynalite;
  let sim: Simulator;
  let one: Served;
  let two: Served;

  beforeAll(async () => {
    db = await startDynalite();
    sim = await startSimulator();
    const file = join(tempDir('modelgate-shared-'), 'tutorial.yaml');
    writeFileSync(file, tutorialAgainst(sim.port));
    const env = {
      ...process.env,
      ...TUTORIAL_ENV,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const args = ['-f', file, '--port', '0', '--state-table', 'modelgate-shared', '--state-staleness-ms', '500'];
    one = await serve([...args, '--create-table'], undefined, env);
    two = await serve(args, undefined, env);
  });
  afterAll(async () => {
    await stop(one);
    await stop(two);
    await sim?.close();
    await db?.close();
  });

  it('respects an eviction the other process recorded, within the staleness bound', async () => {
    expect(one.logs.join('\n')).toContain('DynamoDB table modelgate-shared created');
    expect(await attempts(one)).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    await new Promise((r) => setTimeout(r, 600)); // past process two's staleness bound
    expect(await attempts(two)).toBe('anthropic-sonnet-46:200');
  });

  it('keeps serving while the table is down, and shares state again once it is back', async () => {
    await db.stop();
    await new Promise((r) => setTimeout(r, 600)); // both caches stale: the next requests must ask the table
    try {
      // Still answered: each process falls back to its own memory.
      expect(await attempts(one)).toMatch(/anthropic-sonnet-46:200$/);
      expect(await attempts(two)).toMatch(/anthropic-sonnet-46:200$/);
      for (const p of [one, two]) expect(p.logs.join('\n')).toMatch(/DynamoDB table modelgate-shared failed .* serving eviction state from this instance's memory/);
    } finally {
      await db.start();
    }
    // Back: after the retry interval (5 s) the table answers again and is the source of truth.
    await new Promise((r) => setTimeout(r, 5_200));
    await attempts(two);
    expect(two.logs.join('\n')).toContain('DynamoDB table modelgate-shared answers again');
  }, 20_000);
});
