/**
 * The Prometheus sink: what one request with a failover leaves in the registry (requests,
 * attempts, failovers, evictions, per-attempt durations, time to first token, token usage by
 * model), through a real Engine against the simulator on loopback; and the bound on model label
 * values that keeps a client naming a new model per request from growing the registry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MetricValueWithName } from 'prom-client';
import { MAX_MODEL_LABEL_CHARS, ModelLabels, OTHER, PrometheusMetrics } from '../../functions/engine/prometheus.js';
import type { RequestOutcome } from '../../functions/engine/outcome.js';
import { BACKEND, faultsByModel, HELLO, NAMESPACE, startGateway, type Gateway, type GatewaySpec } from '../support/harness.js';
import { meteredEngine, send } from '../support/metered.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const BACKEND_ID = `${NAMESPACE}/${BACKEND}`;
const TWO: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'b' }]], backendPolicy: { health: { eviction: { duration: '10s' } } } };

/** The series of `name` whose labels include `labels`. */
async function series(metrics: PrometheusMetrics, name: string, labels: Record<string, string> = {}): Promise<Array<MetricValueWithName<string>>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  // A histogram's values name their series (`_bucket`, `_sum`, `_count`).
  const values = (await metric.get()).values as Array<MetricValueWithName<string>>;
  return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
}

async function value(metrics: PrometheusMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = await series(metrics, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0]!.value;
}

describe('PrometheusMetrics through the engine', () => {
  it('a streamed request that fails over: requests, attempts, failover, eviction, durations, time to first token, tokens by model', async () => {
    gw = await startGateway({ config: TWO, faults: faultsByModel({ 'model-a': { kind: 'status', status: 503 } }) });
    const metrics = new PrometheusMetrics();
    const { engine } = meteredEngine(gw, { metrics });
    const route = engine.config.rules[0]!.id;

    const res = await send(engine, { ...HELLO, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers['x-modelgate-attempts']).toBe('a:503,b:200');

    expect(await value(metrics, 'modelgate_requests_total', { route, backend: BACKEND_ID, provider: 'b', status: '200' })).toBe(1);
    expect(await value(metrics, 'modelgate_upstream_attempts_total', { provider: 'a', status: '503', failure: 'none', unhealthy: 'true' })).toBe(1);
    expect(await value(metrics, 'modelgate_upstream_attempts_total', { provider: 'b', status: '200', failure: 'none', unhealthy: 'false' })).toBe(1);
    expect(await value(metrics, 'modelgate_failovers_total', { backend: BACKEND_ID, provider: 'a' })).toBe(1);
    expect(await series(metrics, 'modelgate_failovers_total', { provider: 'b' })).toEqual([]);
    expect(await value(metrics, 'modelgate_evictions_total', { backend: BACKEND_ID, provider: 'a' })).toBe(1);
    expect(await value(metrics, 'modelgate_streams_total', { provider: 'b', end: 'done' })).toBe(1);
    for (const provider of ['a', 'b']) {
      expect(await value(metrics, 'modelgate_upstream_request_duration_seconds', { provider, le: '+Inf' })).toBe(1);
    }

    const genAi = {
      gen_ai_operation_name: 'chat',
      gen_ai_system: 'anthropic',
      gen_ai_request_model: 'client-model',
      gen_ai_response_model: 'model-b',
      route,
      backend: BACKEND_ID,
      provider: 'b',
    };
    expect(await value(metrics, 'modelgate_gen_ai_server_time_to_first_token', { ...genAi, le: '+Inf' })).toBe(1);
    expect(await value(metrics, 'modelgate_gen_ai_server_request_duration', { ...genAi, le: '+Inf' })).toBe(1);
    for (const type of ['input', 'output']) {
      expect(await value(metrics, 'modelgate_gen_ai_client_token_usage', { ...genAi, gen_ai_token_type: type, le: '+Inf' })).toBe(1);
      const sum = (await series(metrics, 'modelgate_gen_ai_client_token_usage', { ...genAi, gen_ai_token_type: type })).find((v) => v.metricName?.endsWith('_sum'));
      expect(sum?.value).toBeGreaterThan(0);
    }

    // The text exposition: the GenAI histograms, modelgate's counters and Node's process metrics.
    const text = await metrics.metrics();
    expect(text).toContain('# TYPE modelgate_gen_ai_server_time_to_first_token histogram');
    expect(text).toMatch(/^modelgate_failovers_total\{backend="gw\/llm",provider="a"\} 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('a buffered answer has no time to first token; a request with no route is counted, and nothing else is', async () => {
    gw = await startGateway({ config: TWO });
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const { engine } = meteredEngine(gw, { metrics });

    expect((await send(engine, HELLO)).status).toBe(200);
    expect(await series(metrics, 'modelgate_gen_ai_server_time_to_first_token')).toEqual([]);
    expect(await value(metrics, 'modelgate_gen_ai_server_request_duration', { provider: 'a', le: '+Inf' })).toBe(1);

    expect((await send(engine, HELLO, '/elsewhere/chat/completions')).status).toBe(404);
    expect(await value(metrics, 'modelgate_requests_total', { route: 'unknown', backend: 'unknown', provider: 'unknown', status: '404' })).toBe(1);
    expect(await value(metrics, 'modelgate_gen_ai_server_request_duration', { le: '+Inf' })).toBe(1);
  });

  it('a connection that failed is an attempt with its failure word and no status', async () => {
    gw = await startGateway({ config: { groups: [[{ name: 'a', port: 1 }], [{ name: 'b' }]] } });
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const { engine } = meteredEngine(gw, { metrics });
    expect((await send(engine, HELLO)).status).toBe(200);
    expect(await value(metrics, 'modelgate_upstream_attempts_total', { provider: 'a', status: 'none', failure: 'connect', unhealthy: 'true' })).toBe(1);
  });
});

describe('model label cardinality', () => {
  const outcome = (model: string): RequestOutcome => ({
    route: 'ns/r',
    backend: 'ns/b',
    provider: 'p',
    providerKind: 'openai',
    requestModel: model,
    model,
    streaming: true,
    timeToFirstTokenMs: 120,
    usage: { input: 10, output: 20 },
    attempts: [{ provider: 'p', status: 200, latencyMs: 100, unhealthy: false }],
  });

  it('10,000 distinct model names: a bounded number of series, the rest counted under `other`', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false, maxModelPairs: 50 });
    const name = (i: number) => `model-${i}-${'x'.repeat(300)}`;
    for (let i = 0; i < 100; i++) metrics.requestDone(outcome(name(i)), 200, 300);
    const sizeAfter100 = (await metrics.metrics()).length;
    for (let i = 100; i < 10_000; i++) metrics.requestDone(outcome(name(i)), 200, 300);

    const usage = await series(metrics, 'modelgate_gen_ai_client_token_usage', { le: '+Inf' });
    // 50 admitted pairs plus `other`, each with an input and an output series.
    expect(usage).toHaveLength((50 + 1) * 2);
    expect(await value(metrics, 'modelgate_gen_ai_client_token_usage', { gen_ai_request_model: OTHER, gen_ai_response_model: OTHER, gen_ai_token_type: 'input', le: '+Inf' })).toBe(
      10_000 - 50,
    );
    const ttft = await series(metrics, 'modelgate_gen_ai_server_time_to_first_token', { le: '+Inf' });
    expect(ttft).toHaveLength(51);
    // Every request is still counted.
    expect(await value(metrics, 'modelgate_requests_total')).toBe(10_000);
    // The exposition is bounded by the budget, not by the requests: counts grow, series do not.
    expect((await metrics.metrics()).length).toBeLessThan(sizeAfter100 * 1.05);
    // A label value is cut to a bounded length.
    expect(Math.max(...usage.map((v) => String(v.labels.gen_ai_request_model).length))).toBe(MAX_MODEL_LABEL_CHARS);
  });

  it('the same through the engine: clients naming 2,000 models the upstream answers', async () => {
    // No pinned model: the client's model is sent, and the simulator answers any model by name.
    gw = await startGateway({ config: { groups: [[{ name: 'a', model: null }]] } });
    const metrics = new PrometheusMetrics({ processMetrics: false, maxModelPairs: 20 });
    const { engine } = meteredEngine(gw, { metrics });
    // 100 times the budget: enough to show the bound; 10,000 above shows it at scale, without HTTP.
    const N = 2_000;
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const res = await send(engine, { ...HELLO, model: `attacker-${i}` });
        expect(res.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(await value(metrics, 'modelgate_requests_total')).toBe(N);
    const duration = await series(metrics, 'modelgate_gen_ai_server_request_duration', { le: '+Inf' });
    expect(duration).toHaveLength(21);
    expect(new Set(duration.map((v) => v.labels.gen_ai_request_model)).size).toBe(21);
  }, 60_000);
});

describe('ModelLabels', () => {
  it('admits a pair only when it was answered, and keeps admitted pairs for errors', () => {
    const labels = new ModelLabels(2);
    expect(labels.label('nope', undefined, false)).toEqual({ request: OTHER, response: OTHER });
    expect(labels.label('gpt', 'gpt-2025', true)).toEqual({ request: 'gpt', response: 'gpt-2025' });
    expect(labels.label('gpt', 'gpt-2025', false)).toEqual({ request: 'gpt', response: 'gpt-2025' });
    expect(labels.label(undefined, undefined, true)).toEqual({ request: 'unknown', response: 'unknown' });
    expect(labels.label('late', 'late', true)).toEqual({ request: OTHER, response: OTHER });
    expect(labels.size).toBe(2);
  });
});
