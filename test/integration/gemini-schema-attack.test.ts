/**
 * A small request whose tool schema multiplies when its `$ref`s are inlined (a `$defs` chain in
 * which each definition refers to the next one twice), sent through the real server to Gemini
 * and Vertex AI providers, as chat completions and as Anthropic Messages: a 400 in the client's
 * API shape naming the tool, no upstream call, and the event loop and memory left alone (without
 * the schema budget this request blocked the event loop ~10 s and added ~250 MB).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, HELLO, HELLO_MESSAGES, type Gateway, type GatewaySpec } from '../support/harness.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/**
 * A Gemini provider alone. (Behind it, a provider that can carry the schema would be tried
 * instead — a provider that cannot carry a request is passed over, see no-silent-drop.test.ts —
 * and the 400 is the answer only when no provider can.)
 */
const GEMINI: GatewaySpec = { groups: [[{ name: 'a', kind: 'gemini', model: 'gemini-2.5-flash' }]] };
const VERTEX: GatewaySpec = { groups: [[{ name: 'a', kind: 'vertexai', model: 'gemini-2.5-pro', options: { projectId: 'p', region: 'us-central1' } }]] };

type Json = Record<string, unknown>;

/** `def0` refers to `def1` twice, ... to `def20`: ~2 KB, 2^20 copies once inlined. */
function doublingChain(depth = 20): Json {
  const $defs: Json = {};
  for (let i = 0; i < depth; i++) $defs[`def${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/def${i + 1}` }, b: { $ref: `#/$defs/def${i + 1}` } } };
  $defs[`def${depth}`] = { type: 'string' };
  return { type: 'object', properties: { root: { $ref: '#/$defs/def0' } }, $defs };
}

const LOOKUP = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };
const ATTACK = { type: 'function', function: { name: 'explode', description: 'multiplies', parameters: doublingChain() } };

/**
 * Runs `f` while watching the event loop and the process's memory. The bounds the tests put on
 * these are loose (a second, 64 MB): far from what the unbounded expansion did, never tight.
 */
async function watched<T>(f: () => Promise<T>): Promise<{ result: T; maxDelayMs: number; rssGrowthMb: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const rssBefore = process.memoryUsage().rss;
  histogram.enable();
  try {
    // The histogram samples from its timer's second tick on: let it start before the request.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await f();
    // One more turn of the loop, so a block at the very end is sampled too.
    await new Promise((resolve) => setTimeout(resolve, 30));
    return { result, maxDelayMs: histogram.max / 1e6, rssGrowthMb: (process.memoryUsage().rss - rssBefore) / 2 ** 20 };
  } finally {
    histogram.disable();
  }
}

function expectQuiet(w: { maxDelayMs: number; rssGrowthMb: number }): void {
  expect(w.maxDelayMs).toBeLessThan(1_000);
  expect(w.rssGrowthMb).toBeLessThan(64);
}

describe.each([
  ['gemini', GEMINI],
  ['vertexai', VERTEX],
])('the doubling $defs chain, to a %s provider', (_kind, config) => {
  it('chat completions (raw): 400 in the OpenAI shape naming the tool; no upstream call; the loop not blocked', async () => {
    gw = await startGateway({ config });
    const body = { ...HELLO, tools: [LOOKUP, ATTACK] };
    expect(JSON.stringify(body).length).toBeLessThan(2_500);
    const w = await watched(async () => {
      const res = await gw!.chat(body);
      return { status: res.status, json: (await res.json()) as { error: { message: string; type: string; param?: string } } };
    });
    expect(w.result.status).toBe(400);
    expect(w.result.json.error.type).toBe('invalid_request_error');
    expect(w.result.json.error.param).toBe('tools[1].function.parameters');
    expect(w.result.json.error.message).toContain('"explode"');
    expect(gw.sim.calls).toHaveLength(0);
    expectQuiet(w);
  });

  it('the OpenAI SDK raises BadRequestError with the param', async () => {
    gw = await startGateway({ config });
    const w = await watched(() =>
      gw!.openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [ATTACK] as OpenAI.ChatCompletionTool[] }).catch((e: unknown) => e),
    );
    expect(w.result).toBeInstanceOf(OpenAI.BadRequestError);
    const error = w.result as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.status).toBe(400);
    expect(error.param).toBe('tools[0].function.parameters');
    expect(error.message).toContain('explode');
    expect(gw.sim.calls).toHaveLength(0);
    expectQuiet(w);
  });

  it('as a response_format schema: 400 naming response_format', async () => {
    gw = await startGateway({ config });
    const res = await gw.chat({ ...HELLO, response_format: { type: 'json_schema', json_schema: { name: 'out', schema: doublingChain() } } });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { param?: string } };
    expect(json.error.param).toBe('response_format.json_schema.schema');
    expect(gw.sim.calls).toHaveLength(0);
  });

  it('Anthropic Messages (tools[].input_schema): 400 in the Anthropic shape naming the tool', async () => {
    gw = await startGateway({ config });
    const w = await watched(async () => {
      const res = await gw!.messages({ ...HELLO_MESSAGES, tools: [{ name: 'explode', description: 'multiplies', input_schema: doublingChain() }] });
      return { status: res.status, json: (await res.json()) as { type: string; error: { type: string; message: string } } };
    });
    expect(w.result.status).toBe(400);
    expect(w.result.json.type).toBe('error');
    expect(w.result.json.error.type).toBe('invalid_request_error');
    expect(w.result.json.error.message).toContain('"explode"');
    expect(gw.sim.calls).toHaveLength(0);
    expectQuiet(w);
  });
});

describe('gemini schemas through the server: depth, and what still goes through', () => {
  it('a schema nested 100 levels (inside the body depth limit) is a 400 naming the tool, not a 500', async () => {
    gw = await startGateway({ config: GEMINI });
    let schema: Json = { type: 'string' };
    for (let i = 0; i < 100; i++) schema = { type: 'array', items: schema };
    const res = await gw.chat({ ...HELLO, tools: [{ type: 'function', function: { name: 'deep', parameters: schema } }] });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { message: string; param?: string } };
    expect(json.error.param).toBe('tools[0].function.parameters');
    expect(json.error.message).toContain('"deep"');
    expect(json.error.message).toContain('deeper than');
    expect(gw.sim.calls).toHaveLength(0);
  });

  it('a normal schema with shared $defs is inlined and sent', async () => {
    gw = await startGateway({ config: GEMINI });
    const parameters = {
      type: 'object',
      properties: { from: { $ref: '#/$defs/Place' }, to: { $ref: '#/$defs/Place', description: 'destination' } },
      required: ['from', 'to'],
      $defs: { Place: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
    };
    const res = await gw.chat({ ...HELLO, tools: [{ type: 'function', function: { name: 'route', parameters } }] });
    expect(res.status).toBe(200);
    const place = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    expect((gw.sim.calls[0]!.body as { tools: unknown }).tools).toEqual([
      {
        functionDeclarations: [
          { name: 'route', parameters: { type: 'object', properties: { from: place, to: { ...place, description: 'destination' } }, required: ['from', 'to'] } },
        ],
      },
    ]);
  });
});
