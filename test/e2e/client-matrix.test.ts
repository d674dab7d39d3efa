/**
 * The client matrix: every common client library, unchanged, against the real `modelgate serve`
 * process, each request failing over before it is answered. The official `openai` SDK (chat
 * completions, Responses, their stream helpers, embeddings, models), `@anthropic-ai/sdk`
 * (messages, tools, stream, countTokens, models), the Vercel AI SDK (`ai` with `@ai-sdk/openai`'s
 * default Responses model, its chat model and embeddings, and `@ai-sdk/anthropic`; a tool round
 * trip on each language model) and LangChain's `ChatOpenAI` (invoke, stream, bindTools, and
 * `useResponsesApi`).
 *
 * One backend, four priority groups on loopback: `opus-gone` pins a model the simulated vendor does
 * not know (404, made a failover by the health condition, without eviction so every request
 * meets it), `sonnet` answers chat, Responses and Messages (the simulator) and counts tokens (the
 * fake counting upstream); `openai-emb` (scripted 429) and `azure-emb` serve one embedding model.
 * Each test checks the fake's own words came back and the failover trail: the
 * `x-modelgate-attempts` header where the client exposes headers, the gateway's log line where not.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/temp.js';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { embed, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, stop, type Served } from '../support/cli.js';
import { fakeTokenCount, fakeVector, startFakeUpstream, type FakeUpstream } from '../support/fake-embeddings-upstream.js';
import { gatewayYaml } from '../support/harness.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';

const CHAT = 'claude-sonnet-4-6';
const EMB = 'text-embedding-3-small';
/** The trail of every chat-shaped request: the unknown model's 404, then the answer. */
const FAILED_OVER = 'opus-gone:404,sonnet:200';
/** What the simulator says, playing the model `sonnet` pins. */
const said = (prompt: string) => `This answer comes from modelgate's simulated provider, playing ${CHAT}. You asked: "${prompt}".`;

/**
 * One loopback upstream for every provider: embeddings and token counting go to the fake counting
 * upstream, everything else (and any call naming a `-FAKE` model) to the simulator, which answers
 * unknown models and paths 404 in the vendor's shape.
 */
async function startRouter(sim: Simulator, fake: FakeUpstream): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://router').pathname;
      const fakeModel = /-FAKE"/.test(body.toString('utf8'));
      const target = !fakeModel && /(\/embeddings|\/count_tokens)$/.test(path) ? fake.port : sim.port;
      const upstream = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let sim: Simulator;
let fake: FakeUpstream;
let router: { port: number; close(): Promise<void> };
let served: Served;
let base: string;

beforeAll(async () => {
  sim = await startSimulator();
  fake = await startFakeUpstream();
  router = await startRouter(sim, fake);
  const yaml = gatewayYaml(
    {
      groups: [
        [{ name: 'opus-gone', kind: 'anthropic', model: 'claude-opus-FAKE' }],
        [{ name: 'sonnet', kind: 'anthropic', model: CHAT }],
        [{ name: 'openai-emb', kind: 'openai', model: EMB }],
        [{ name: 'azure-emb', kind: 'azureopenai', model: EMB }],
      ],
      // 404 fails over (a wrong model name); no eviction block, so no provider is ever set aside.
      backendPolicy: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429' } },
    },
    router.port,
  );
  const dir = tempDir('modelgate-e2e-clients-');
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, yaml);
  served = await serve(['-f', file, '--port', '0', '--admin-port', '0', '--metrics-port', '0', '--readiness-port', '0']);
  base = served.url;
});
afterAll(async () => {
  await stop(served);
  await router?.close();
  await fake?.close();
  await sim?.close();
});

/** The gateway's log line for the next request matching `pattern`, from log line `from` on (bounded wait: lines are written as answers finish). */
async function logLine(from: number, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = served.logs.slice(from).find((l) => pattern.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no log line ${pattern} in:\n${served.logs.slice(from).join('\n')}`);
}

const attemptsOf = (line: string) => /attempts=(\S+)/.exec(line)?.[1];

describe('openai SDK', () => {
  let client: OpenAI;
  beforeAll(() => {
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-checked', maxRetries: 0, timeout: 10_000 });
  });

  it('chat.completions.create, buffered', async () => {
    const { data, response } = await client.chat.completions.create({ model: CHAT, messages: [{ role: 'user', content: 'openai chat' }] }).withResponse();
    expect(data.choices[0]!.message.content).toContain(said('openai chat'));
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('chat.completions.create, streamed', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: CHAT, messages: [{ role: 'user', content: 'openai chat stream' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain(said('openai chat stream'));
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('responses.create, buffered', async () => {
    const { data, response } = await client.responses.create({ model: CHAT, input: 'openai responses' }).withResponse();
    expect(data.output_text).toContain(said('openai responses'));
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('responses.create, streamed', async () => {
    const { data: stream, response } = await client.responses.create({ model: CHAT, input: 'openai responses stream', stream: true }).withResponse();
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toContain(said('openai responses stream'));
    expect(completed).toBe(true);
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('the stream helpers: chat.completions.stream and responses.stream', async () => {
    let from = served.logs.length;
    const chat = client.chat.completions.stream({ model: CHAT, messages: [{ role: 'user', content: 'openai chat helper' }] });
    expect((await chat.finalContent()) ?? '').toContain(said('openai chat helper'));
    expect(attemptsOf(await logLine(from, /POST \/v1\/chat\/completions 200 .*\(streamed, done\)/))).toBe(FAILED_OVER);
    from = served.logs.length;
    const responses = client.responses.stream({ model: CHAT, input: 'openai responses helper' });
    expect((await responses.finalResponse()).output_text).toContain(said('openai responses helper'));
    expect(attemptsOf(await logLine(from, /POST \/v1\/responses 200 .*\(streamed, done\)/))).toBe(FAILED_OVER);
  });

  it('embeddings.create: a 429 fails over to the same model elsewhere', async () => {
    fake.fail(EMB, { status: 429 });
    const { data, response } = await client.embeddings.create({ model: EMB, input: ['one', 'two'] }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([fakeVector(EMB, 0).map(Math.fround), fakeVector(EMB, 1).map(Math.fround)]);
    expect(response.headers.get('x-modelgate-attempts')).toMatch(/openai-emb:429,azure-emb:200$/);
  });

  it('models.list', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining([CHAT, EMB]));
  });
});

describe('@anthropic-ai/sdk', () => {
  let client: Anthropic;
  beforeAll(() => {
    client = new Anthropic({ baseURL: base, apiKey: 'not-checked', maxRetries: 0, timeout: 10_000 });
  });

  it('messages.create', async () => {
    const { data, response } = await client.messages.create({ model: CHAT, max_tokens: 256, messages: [{ role: 'user', content: 'anthropic create' }] }).withResponse();
    const text = data.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expect(text).toContain(said('anthropic create'));
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('messages.stream', async () => {
    const stream = client.messages.stream({ model: CHAT, max_tokens: 256, messages: [{ role: 'user', content: 'anthropic stream' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    const { response } = await stream.withResponse();
    expect(text).toContain(said('anthropic stream'));
    expect(final.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('messages.create with a tool: a tool_use block', async () => {
    const tools = [
      { name: 'get_weather', description: 'Current weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } },
    ];
    const { data, response } = await client.messages
      .create({ model: CHAT, max_tokens: 256, tools, messages: [{ role: 'user', content: "What's the weather in Paris?" }] })
      .withResponse();
    expect(data.stop_reason).toBe('tool_use');
    expect(data.content.filter((b) => b.type === 'tool_use').map((b) => [b.name, b.input])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(response.headers.get('x-modelgate-attempts')).toBe(FAILED_OVER);
  });

  it('messages.countTokens', async () => {
    const messages = [{ role: 'user' as const, content: 'How many tokens is this?' }];
    const { data, response } = await client.messages.countTokens({ model: CHAT, messages }).withResponse();
    expect(data).toEqual({ input_tokens: fakeTokenCount(messages) });
    expect(response.headers.get('x-modelgate-attempts')).toMatch(/opus-gone:404,sonnet:200$/);
  });

  it('models.list', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining([CHAT, EMB]));
  });
});

describe('Vercel AI SDK (ai)', () => {
  const openai = () => createOpenAI({ baseURL: `${base}/v1`, apiKey: 'not-checked' });
  const anthropic = () => createAnthropic({ baseURL: `${base}/v1`, apiKey: 'not-checked' });

  it('generateText with the default OpenAI model (the Responses API)', async () => {
    const from = served.logs.length;
    const result = await generateText({ model: openai()(CHAT), prompt: 'vercel responses', maxRetries: 0 });
    expect(result.text).toContain(said('vercel responses'));
    expect(result.response.headers?.['x-modelgate-attempts']).toBe(FAILED_OVER);
    expect(attemptsOf(await logLine(from, /POST \/v1\/responses 200/))).toBe(FAILED_OVER);
  });

  it('streamText with the default OpenAI model', async () => {
    const from = served.logs.length;
    const result = streamText({ model: openai()(CHAT), prompt: 'vercel responses stream', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toContain(said('vercel responses stream'));
    expect((await result.response).headers?.['x-modelgate-attempts']).toBe(FAILED_OVER);
    expect(attemptsOf(await logLine(from, /POST \/v1\/responses 200/))).toBe(FAILED_OVER);
  });

  // A tool round trip on each language model: the simulated model calls the tool, the SDK runs it and sends the result back, the model answers with it.
  const weather = tool({
    description: 'Current weather in a city',
    inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
    execute: async ({ city }) => `18°C in ${city}`,
  });
  it.each([
    ['the default OpenAI model', () => openai()(CHAT), '/v1/responses'],
    ['the OpenAI chat model', () => openai().chat(CHAT), '/v1/chat/completions'],
    ['the Anthropic provider', () => anthropic()(CHAT), '/v1/messages'],
  ] as const)('generateText with a tool, %s: the call, the result, the answer', async (_, model, path) => {
    const from = served.logs.length;
    const result = await generateText({ model: model(), prompt: "What's the weather in Paris?", tools: { get_weather: weather }, stopWhen: stepCountIs(2), maxRetries: 0 });
    expect(result.steps[0]!.finishReason).toBe('tool-calls');
    expect(result.steps[0]!.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(result.text).toContain('The get_weather tool answered: 18°C in Paris');
    for (const step of result.steps) expect(step.response.headers?.['x-modelgate-attempts']).toBe(FAILED_OVER);
    expect(attemptsOf(await logLine(from, new RegExp(`POST ${path} 200`)))).toBe(FAILED_OVER);
  });

  it('embed with openai.embedding', async () => {
    fake.fail(EMB, { status: 429 });
    const result = await embed({ model: openai().embedding(EMB), value: 'vercel embed', maxRetries: 0 });
    expect(result.embedding).toEqual(fakeVector(EMB, 0));
    expect(result.response?.headers?.['x-modelgate-attempts']).toMatch(/openai-emb:429,azure-emb:200$/);
  });

  it('generateText with the Anthropic provider', async () => {
    const from = served.logs.length;
    const result = await generateText({ model: anthropic()(CHAT), prompt: 'vercel anthropic', maxRetries: 0 });
    expect(result.text).toContain(said('vercel anthropic'));
    expect(result.response.headers?.['x-modelgate-attempts']).toBe(FAILED_OVER);
    expect(attemptsOf(await logLine(from, /POST \/v1\/messages 200/))).toBe(FAILED_OVER);
  });

  it('streamText with the Anthropic provider', async () => {
    const from = served.logs.length;
    const result = streamText({ model: anthropic()(CHAT), prompt: 'vercel anthropic stream', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toContain(said('vercel anthropic stream'));
    expect((await result.response).headers?.['x-modelgate-attempts']).toBe(FAILED_OVER);
    expect(attemptsOf(await logLine(from, /POST \/v1\/messages 200/))).toBe(FAILED_OVER);
  });
});

describe('LangChain ChatOpenAI', () => {
  const chat = (fields: { useResponsesApi?: boolean } = {}) =>
    new ChatOpenAI({ configuration: { baseURL: `${base}/v1` }, apiKey: 'not-checked', model: CHAT, maxRetries: 0, timeout: 10_000, ...fields });

  it('invoke', async () => {
    const from = served.logs.length;
    const message = await chat().invoke('langchain invoke');
    expect(message.content).toContain(said('langchain invoke'));
    expect(attemptsOf(await logLine(from, /POST \/v1\/chat\/completions 200/))).toBe(FAILED_OVER);
  });

  it('stream', async () => {
    const from = served.logs.length;
    let text = '';
    for await (const chunk of await chat().stream('langchain stream')) text += typeof chunk.content === 'string' ? chunk.content : '';
    expect(text).toContain(said('langchain stream'));
    expect(attemptsOf(await logLine(from, /POST \/v1\/chat\/completions 200/))).toBe(FAILED_OVER);
  });

  it('bindTools: the tool call comes back parsed', async () => {
    const from = served.logs.length;
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_weather', description: 'Current weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      },
    ];
    const message = await chat().bindTools(tools).invoke("What's the weather in Paris?");
    expect(message.tool_calls?.map((c) => [c.name, c.args])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(attemptsOf(await logLine(from, /POST \/v1\/chat\/completions 200/))).toBe(FAILED_OVER);
  });

  it('invoke on the Responses API (useResponsesApi)', async () => {
    const from = served.logs.length;
    const message = await chat({ useResponsesApi: true }).invoke('langchain responses');
    expect(message.text).toContain(said('langchain responses'));
    expect(attemptsOf(await logLine(from, /POST \/v1\/responses 200/))).toBe(FAILED_OVER);
  });
});
