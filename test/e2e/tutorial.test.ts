/**
 * The tutorial end to end, through the real entry point: `modelgate serve` spawned as a process
 * on the tutorial's manifests (only `host`/`port` added so the providers are the simulator), and
 * the official `openai` SDK as the client.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../support/temp.js';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { ROOT, run, serve, stop, TUTORIAL, TUTORIAL_ENV, tutorialAgainst, type Served } from '../support/cli.js';

const TUTORIAL_REQUEST = {
  messages: [
    { role: 'system' as const, content: 'You are a skilled cloud-native network engineer.' },
    { role: 'user' as const, content: 'Write me a paragraph containing the best way to think about Istio Ambient Mesh' },
  ],
};

describe('the tutorial, through `modelgate serve` and the openai SDK', () => {
  let sim: Simulator;
  let served: Served;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator();
    dir = tempDir('modelgate-e2e-');
    const file = join(dir, 'tutorial.yaml');
    writeFileSync(file, tutorialAgainst(sim.port));
    served = await serve(['-f', file, '--port', '0']);
    // The tutorial's request names no model: each provider pins its own. The SDK insists on one.
    client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'not-checked', maxRetries: 0 });
  });
  afterAll(async () => {
    await stop(served);
    await sim?.close();
  });

  it('prints what it serves on start', () => {
    const text = served.logs.join('\n');
    expect(text).toMatch(/route agentgateway-system\/openshell-openai.*PathPrefix \/v1 -> agentgateway-system\/anthropic/);
    expect(text).toMatch(/group 1: anthropic-opus-46 \(anthropic claude-opus-4-6-FAKE/);
    expect(text).toMatch(/group 2: anthropic-sonnet-46 \(anthropic claude-sonnet-4-6/);
    expect(text).toMatch(/unhealthy when response\.code == 404 \|\| response\.code == 429; evicted for 10s/);
  });

  it("answers the FAKE model's 404 with sonnet in the same request, evicts opus, then skips it until the window ends", async () => {
    const first = await client.chat.completions.create({ model: '', ...TUTORIAL_REQUEST }).withResponse();
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('x-modelgate-attempts')).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    expect(first.response.headers.get('x-modelgate-provider')).toBe('anthropic-sonnet-46');
    expect(first.response.headers.get('x-modelgate-model')).toBe('claude-sonnet-4-6');
    expect(first.data.model).toBe('claude-sonnet-4-6');
    expect(first.data.choices[0]!.message.content).toContain('Istio Ambient Mesh');
    expect(served.logs.join('\n')).toMatch(/evicted anthropic-opus-46 .* for 10s after 404/);
    expect(served.logs.join('\n')).toMatch(/failover anthropic: anthropic-opus-46 answered 404 \(unhealthy\); trying anthropic-sonnet-46/);

    // Streaming, while opus is evicted: straight to sonnet.
    const opusCallsBefore = sim.calls.filter((c) => c.model === 'claude-opus-4-6-FAKE').length;
    const { data: stream, response } = await client.chat.completions.create({ model: '', ...TUTORIAL_REQUEST, stream: true }).withResponse();
    expect(response.headers.get('x-modelgate-attempts')).toBe('anthropic-sonnet-46:200');
    expect(response.headers.get('x-modelgate-model')).toBe('claude-sonnet-4-6');
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toContain('playing claude-sonnet-4-6');
    expect(finish).toBe('stop');
    expect(sim.calls.filter((c) => c.model === 'claude-opus-4-6-FAKE').length).toBe(opusCallsBefore);

    // After the 10 s window, opus is tried again (and, still FAKE, evicted again).
    await new Promise((r) => setTimeout(r, 10_300));
    const later = await client.chat.completions.create({ model: '', ...TUTORIAL_REQUEST }).withResponse();
    expect(later.response.headers.get('x-modelgate-attempts')).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    expect(served.logs.join('\n')).toMatch(/evicted anthropic-opus-46 .* for 20s after 404 \(eviction #2/);
  }, 30_000);

  it('streams the failover too: the 404 never reaches the client', async () => {
    // A process of its own: its eviction state is fresh, so the 404 is met again.
    const second = await serve(['-f', join(dir, 'tutorial.yaml'), '--port', '0']);
    try {
      const c = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const { data, response } = await c.chat.completions.create({ model: '', ...TUTORIAL_REQUEST, stream: true }).withResponse();
      expect(response.status).toBe(200);
      expect(response.headers.get('x-modelgate-attempts')).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
      const chunks = [];
      for await (const chunk of data) chunks.push(chunk);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    } finally {
      await stop(second);
    }
  });

  it('lists the served models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['claude-opus-4-6-FAKE', 'claude-sonnet-4-6']);
  });
});

describe('the modelgate command line', () => {
  it('reads manifests from stdin with -f - and writes JSON log lines with --log-format json', async () => {
    const sim = await startSimulator();
    const served = await serve(['-f', '-', '--port', '0', '--log-format', 'json'], tutorialAgainst(sim.port));
    try {
      const res = await fetch(`${served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(TUTORIAL_REQUEST),
      });
      expect(res.status).toBe(200);
      await res.text();
      await new Promise((r) => setTimeout(r, 100));
      const events = served.logs.map((l) => JSON.parse(l) as { event: string; provider?: string; from?: string; to?: string });
      expect(events.find((e) => e.event === 'eviction')).toMatchObject({ provider: 'anthropic-opus-46' });
      expect(events.find((e) => e.event === 'failover')).toMatchObject({ from: 'anthropic-opus-46', to: 'anthropic-sonnet-46' });
      expect(events.find((e) => e.event === 'request')).toMatchObject({ provider: 'anthropic-sonnet-46' });
    } finally {
      await stop(served);
      await sim.close();
    }
  });

  it('refuses an invalid manifest, naming the file, the object and the field', async () => {
    const dir = tempDir('modelgate-bad-');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, readFileSync(TUTORIAL, 'utf8').replace('duration: 10s', 'duration: 10 seconds'));
    const { code, output } = await run(['serve', '-f', file], TUTORIAL_ENV);
    expect(code).toBe(1);
    expect(output).toContain(`${file}: document 4: AgentgatewayPolicy failover-health: spec.backend.health.eviction.duration: should match`);
  });

  it('says in one line that the key is missing, and points to the demo', async () => {
    const { code, output } = await run(['serve', '-f', join(ROOT, 'examples/tutorial-failover.yaml')]);
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('ANTHROPIC_API_KEY is not set');
    expect(output).toContain('npm run demo');
  });

  it('validates without serving', async () => {
    const { code, output } = await run(['validate', '-f', TUTORIAL], TUTORIAL_ENV);
    expect(code).toBe(0);
    expect(output).toContain('group 2: anthropic-sonnet-46');
    expect(output).toContain(': valid');
  });
});
