/**
 * First-token deadlines and hedged requests (`modelgate.dev/` annotations on the backend), through the
 * engine with the official clients and raw HTTP against simulated providers that are slow to start:
 * a hedge races the next candidate, the first content wins, the loser's upstream connection is
 * closed and nothing is counted against it; without the annotations nothing changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../functions/simulator/faults.js';
import { answerText } from '../../functions/simulator/answer.js';
import { BACKEND, faultsByModel, HELLO, NAMESPACE, servedBy, startGateway, streamedText, type Gateway, type GatewayOptions } from '../support/harness.js';
import { PrometheusMetrics } from '../../functions/engine/prometheus.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}

/** Slow enough that a hedge after 150 ms always starts first on a loaded machine, short enough to end within a test's time. */
const SLOW: Fault = { kind: 'delay', ms: 4000 };
const hedgeAfter = (after: string, more: Record<string, string> = {}) => ({ 'modelgate.dev/hedge-after': after, ...more });
const three = (annotations?: Record<string, string>) => ({
  groups: [[{ name: 'a' }], [{ name: 'b' }], [{ name: 'c' }]],
  ...(annotations && { backendAnnotations: annotations }),
});
const state = (g: Gateway, name: string) => {
  const key = `${NAMESPACE}/${BACKEND}/${name}`;
  return g.store.readNow([key], g.clock.t).get(key);
};
/** The simulator sees the gateway close the cancelled call's connection (a real provider stops generating then). */
async function abandoned(g: Gateway, model: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const call = g.sim.calls.find((c) => c.model === model);
    if (call?.abandoned) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('without the annotations', () => {
  it('a slow provider is waited for: one call, no hedge header', async () => {
    const g = await start({ config: three(), faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 400 } }) });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'a', attempts: 'a:200' });
    expect(res.headers.get('x-modelgate-hedged')).toBeNull();
    expect(g.modelsCalled()).toEqual(['model-a']);
  });
});

describe('modelgate.dev/hedge-after', () => {
  it('buffered: the next candidate starts beside the slow one and wins; the slow call is closed and not counted', async () => {
    const g = await start({ config: three(hedgeAfter('150ms')), faults: faultsByModel({ 'model-a': SLOW }) });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'b', model: 'model-b', attempts: 'a:hedged,b:200' });
    expect(res.headers.get('x-modelgate-hedged')).toBe('1');
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe(answerText('model-b', 'Hello there'));
    expect(await abandoned(g, 'model-a')).toBe(true);
    // A cancelled hedge is not a failure of its provider.
    expect(state(g, 'a')?.consecutiveFailures ?? 0).toBe(0);
    expect(g.logger.entries.map((e) => e.event)).toEqual(expect.arrayContaining(['hedge', 'hedge_done']));
    const hedge = g.logger.entries.find((e) => e.event === 'hedge')!;
    expect(hedge.message).toBe('hedge llm: a has no first content yet; starting b as well (2 running)');
  });

  it('streamed, through the OpenAI SDK: the hedge’s stream is relayed whole', async () => {
    const g = await start({ config: three(hedgeAfter('150ms')), faults: faultsByModel({ 'model-a': SLOW }) });
    const { data: chunks, response } = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello there' }], stream: true }).withResponse();
    expect(servedBy(response.headers)).toMatchObject({ provider: 'b', attempts: 'a:hedged,b:200' });
    expect(response.headers.get('x-modelgate-hedged')).toBe('1');
    let text = '';
    for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(answerText('model-b', 'Hello there'));
    expect(await abandoned(g, 'model-a')).toBe(true);
  });

  it('streamed, through the Anthropic SDK on /v1/messages', async () => {
    const g = await start({ config: three(hedgeAfter('150ms')), faults: faultsByModel({ 'model-a': SLOW }) });
    const { data: stream, response } = await g.anthropic.messages
      .create({ model: 'x', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }], stream: true })
      .withResponse();
    expect(servedBy(response.headers)).toMatchObject({ provider: 'b', attempts: 'a:hedged,b:200' });
    let text = '';
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    expect(text).toBe(answerText('model-b', 'Hello there'));
  });

  it('the first attempt may still win: then the hedge is the one cancelled', async () => {
    const g = await start({ config: three(hedgeAfter('150ms')), faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 600 }, 'model-b': SLOW }) });
    const res = await g.chat({ ...HELLO, stream: true });
    expect(servedBy(res.headers)).toMatchObject({ provider: 'a', attempts: 'a:200,b:hedged' });
    expect(res.headers.get('x-modelgate-hedged')).toBe('1');
    expect(streamedText(await res.text())).toBe(answerText('model-a', 'Hello there'));
    expect(await abandoned(g, 'model-b')).toBe(true);
  });

  it('an answer before the hedge delay: no hedge at all', async () => {
    const g = await start({ config: three(hedgeAfter('3s')), faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 50 } }) });
    const res = await g.chat(HELLO);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'a', attempts: 'a:200' });
    expect(res.headers.get('x-modelgate-hedged')).toBeNull();
    expect(g.modelsCalled()).toEqual(['model-a']);
  });

  it('max-hedges 2: three attempts race, the third answers, two are cancelled', async () => {
    const g = await start({ config: three(hedgeAfter('150ms', { 'modelgate.dev/max-hedges': '2' })), faults: faultsByModel({ 'model-a': SLOW, 'model-b': SLOW }) });
    const res = await g.chat(HELLO);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'c', attempts: 'a:hedged,b:hedged,c:200' });
    expect(await abandoned(g, 'model-a')).toBe(true);
    expect(await abandoned(g, 'model-b')).toBe(true);
  });

  it('max-hedges 1 (the default): at most two attempts run at once', async () => {
    const g = await start({ config: three(hedgeAfter('150ms')), faults: faultsByModel({ 'model-a': SLOW, 'model-b': { kind: 'delay', ms: 1500 } }) });
    const res = await g.chat(HELLO);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'b', attempts: 'a:hedged,b:200' });
    expect(g.modelsCalled()).toEqual(['model-a', 'model-b']);
  });

  it('a hedge that fails is not the client’s concern: the slow attempt’s answer is served, and the failure counts for its provider', async () => {
    const g = await start({
      config: three(hedgeAfter('150ms')),
      faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 800 }, 'model-b': { kind: 'status', status: 503 } }),
    });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'a', attempts: 'a:200,b:503' });
    expect(state(g, 'b')?.consecutiveFailures).toBe(1);
    // A failed attempt ends hedging: c was never started.
    expect(g.modelsCalled()).toEqual(['model-a', 'model-b']);
  });

  it('hedge-budget 0%: a slow provider is waited for', async () => {
    const g = await start({ config: three(hedgeAfter('100ms', { 'modelgate.dev/hedge-budget': '0%' })), faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 500 } }) });
    const res = await g.chat(HELLO);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'a', attempts: 'a:200' });
    expect(g.modelsCalled()).toEqual(['model-a']);
  });

  it('the budget is shared by the requests of a window: a quiet backend hedges once, then waits', async () => {
    const g = await start({ config: three(hedgeAfter('100ms')), faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 700 } }) });
    const first = await g.chat(HELLO);
    expect(servedBy(first.headers)).toMatchObject({ provider: 'b', attempts: 'a:hedged,b:200' });
    const second = await g.chat(HELLO);
    expect(servedBy(second.headers)).toMatchObject({ provider: 'a', attempts: 'a:200' });
  });

  it('metrics count hedges started, won and cancelled', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const g = await start({ config: three(hedgeAfter('150ms')), faults: faultsByModel({ 'model-a': SLOW }), metrics });
    await (await g.chat(HELLO)).text();
    const text = await metrics.metrics();
    expect(text).toContain(`modelgate_hedges_total{backend="${NAMESPACE}/${BACKEND}",event="started"} 1`);
    expect(text).toContain(`modelgate_hedges_total{backend="${NAMESPACE}/${BACKEND}",event="won"} 1`);
    expect(text).toContain(`modelgate_hedges_total{backend="${NAMESPACE}/${BACKEND}",event="cancelled"} 1`);
    // The cancelled attempt is not a failover, nor an upstream attempt with an outcome.
    expect(text).not.toMatch(/modelgate_failovers_total\{[^}]*\} [1-9]/);
  });
});

describe('modelgate.dev/first-token-timeout', () => {
  it('an attempt with no answer by then fails as a timeout, counted against its provider, and the request fails over', async () => {
    const g = await start({ config: three({ 'modelgate.dev/first-token-timeout': '200ms' }), faults: faultsByModel({ 'model-a': SLOW }) });
    const res = await g.chat({ ...HELLO, stream: true });
    expect(res.status).toBe(200);
    expect(servedBy(res.headers)).toMatchObject({ provider: 'b', attempts: 'a:timeout,b:200' });
    expect(res.headers.get('x-modelgate-hedged')).toBeNull();
    expect(streamedText(await res.text())).toBe(answerText('model-b', 'Hello there'));
    expect(state(g, 'a')?.consecutiveFailures).toBe(1);
  });

  it('a stream that has started is not cut by it', async () => {
    const g = await start({ config: three({ 'modelgate.dev/first-token-timeout': '300ms' }), faults: faultsByModel({ 'model-a': { kind: 'delay', ms: 50 } }) });
    const res = await g.chat({ ...HELLO, stream: true });
    expect(servedBy(res.headers)).toMatchObject({ provider: 'a', attempts: 'a:200' });
    expect(streamedText(await res.text())).toBe(answerText('model-a', 'Hello there'));
  });
});
