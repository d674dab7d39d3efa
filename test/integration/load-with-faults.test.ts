/**
 * Load with faults: thousands of requests, many in flight, against providers that fail at random
 * (seeded, so a failure reproduces) while one provider stays healthy. Every request must be
 * answered successfully, none may hang, and the books must balance: the attempts the gateway
 * reports in `x-modelgate-attempts` are exactly the calls the upstream received.
 * Run once with the memory store, once with the DynamoDB store while dynalite is stopped and
 * started again mid-run.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../functions/engine/engine.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import type { Fault } from '../../functions/simulator/faults.js';
import { startSimulator } from '../../functions/simulator/server.js';
import { DynamoDBStore } from '../../functions/state/dynamodb.js';
import type { EvictionStore } from '../../functions/state/store.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { compileYaml } from '../support/harness.js';

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 5_000);
const CONCURRENCY = 50;
const FAILURE_RATE = Number(process.env.LOAD_FAILURE_RATE ?? 0.3);
const SEED = Number(process.env.LOAD_SEED ?? 20261126);

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed with LOAD_SEED. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS: Fault[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 429 },
  { kind: 'status', status: 529 },
  { kind: 'reset' },
  { kind: 'malformed-json' },
  { kind: 'stream-error-before-content' },
];

function yaml(port: number): string {
  const provider = (name: string) =>
    `{ name: ${name}, anthropic: { model: model-${name} }, host: 127.0.0.1, port: ${port}, policies: { auth: { key: sk-test-${name}-0123456789 } } }`;
  return `apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: llm, namespace: load }
spec:
  ai:
    groups:
      - providers: [${provider('a')}, ${provider('b')}]
      - providers: [${provider('c')}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: health, namespace: load }
spec:
  targetRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }]
  backend:
    health:
      eviction: { duration: 1s, consecutiveFailures: 3 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: load, namespace: load }
spec:
  rules:
    - backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }]`;
}

interface Run {
  answered: number;
  failed: string[];
  attemptsReported: number;
  upstreamCalls: number;
  failovers: number;
  streams: number;
}

async function load(store: EvictionStore | undefined, midRun?: (done: number) => Promise<void> | void): Promise<Run> {
  const random = seeded(SEED);
  // a and b fail at FAILURE_RATE with a random fault each time; c never fails.
  const sim = await startSimulator({ faults: (call) => (call.model !== 'model-c' && random() < FAILURE_RATE ? FAULTS[Math.floor(random() * FAULTS.length)] : undefined) });
  const logger = new MemoryLogger();
  const engine = new Engine({ config: compileYaml(yaml(sim.port)), logger, ...(store && { store }) });
  const server: Server = createGatewayServer((req) => engine.handle(req));
  const { port } = await listen(server, 0, '127.0.0.1');
  const run: Run = { answered: 0, failed: [], attemptsReported: 0, upstreamCalls: 0, failovers: 0, streams: 0 };
  let next = 0;
  let done = 0;
  try {
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        const stream = i % 5 === 0;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ messages: [{ role: 'user', content: `request ${i}` }], ...(stream && { stream: true }) }),
            signal: AbortSignal.timeout(15_000), // a hang fails the test instead of stalling it
          });
          const text = await res.text();
          const attempts = (res.headers.get('x-modelgate-attempts') ?? '').split(',').filter(Boolean);
          run.attemptsReported += attempts.length;
          if (attempts.length > 1) run.failovers++;
          const complete = stream ? text.trimEnd().endsWith('data: [DONE]') && !text.includes('data: {"error"') : JSON.parse(text).choices?.[0]?.message?.content !== undefined;
          if (res.status === 200 && complete) run.answered++;
          else run.failed.push(`#${i} ${res.status} ${attempts.join(',')} ${text.slice(0, 120)}`);
          if (stream) run.streams++;
        } catch (error) {
          run.failed.push(`#${i} ${(error as Error).message}`);
        }
        done++;
        await midRun?.(done);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    run.upstreamCalls = sim.calls.length;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sim.close();
  }
  return run;
}

function report(name: string, run: Run) {
  console.log(
    `${name}: ${REQUESTS} requests, concurrency ${CONCURRENCY}, failure rate ${FAILURE_RATE} on 2 of 3 providers (seed ${SEED}): ${run.answered} answered, ${run.failed.length} failed, ${run.failovers} failed over, ${run.streams} streamed; attempts reported ${run.attemptsReported} = upstream calls ${run.upstreamCalls}`,
  );
}

describe('load with random faults, one provider always healthy', () => {
  it(`answers all ${REQUESTS} requests with the memory store, and the attempt counts add up`, async () => {
    const run = await load(undefined);
    report('memory store', run);
    expect(run.failed).toEqual([]);
    expect(run.answered).toBe(REQUESTS);
    expect(run.failovers).toBeGreaterThan(0);
    expect(run.attemptsReported).toBe(run.upstreamCalls);
  }, 120_000);

  describe('with the DynamoDB store', () => {
    let db: Dynalite;
    beforeAll(async () => {
      db = await startDynalite(['modelgate-load']);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('answers all of them even while dynalite is stopped and started again mid-run', async () => {
      const logger = new MemoryLogger();
      const store = new DynamoDBStore({ client: db.client({ requestTimeoutMs: 500 }), table: 'modelgate-load', logger, retryTableAfterMs: 300 });
      let stopped = false;
      let restarted = false;
      const run = await load(store, async (done) => {
        if (!stopped && done >= REQUESTS / 3) {
          stopped = true;
          await db.stop();
        } else if (stopped && !restarted && done >= (2 * REQUESTS) / 3) {
          restarted = true;
          await db.start();
        }
      });
      // Healthy answers reset counters in the background: wait for them before dynalite closes.
      await store.close();
      report('DynamoDB store, table down for the middle third', run);
      expect(run.failed).toEqual([]);
      expect(run.answered).toBe(REQUESTS);
      expect(run.attemptsReported).toBe(run.upstreamCalls);
      expect(logger.entries.some((e) => e.event === 'store_unavailable')).toBe(true);
      expect(logger.entries.some((e) => e.event === 'store_available')).toBe(true);
    }, 120_000);
  });
});
