/**
 * Never a silent drop: every part of a request is either carried to the provider in the
 * provider's own form — asserted on the body the (simulated, loopback) upstream received — or
 * refused with a 400 in the client API's error shape naming the field, before any upstream call.
 * Through raw HTTP and the official SDKs, for both client APIs and each provider kind; and in a
 * failover, a provider that cannot carry the request is passed over, never hiding an answer.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { servedBy, startGateway, type Gateway, type GatewaySpec, type ProviderKindSpec } from '../support/harness.js';
import type { Fault } from '../../functions/simulator/faults.js';
import { MAX_REQUEST_BODY } from '../../functions/engine/engine.js';
import { useEnv } from '../support/env.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAMODELGATETEST01', AWS_SECRET_ACCESS_KEY: 'modelgate-test-secret-key-0123456789' };
useEnv(CREDENTIALS);

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const MODEL: Record<string, string> = {
  anthropic: 'claude-sonnet-4-6',
  openai: 'gpt-4o-mini',
  gemini: 'gemini-2.5-flash',
  bedrock: 'anthropic.claude-3-haiku',
  vertexai: 'gemini-2.5-pro',
  azureopenai: 'gpt-4o',
};

async function only(kind: ProviderKindSpec, faults?: (model: string) => Fault | undefined): Promise<Gateway> {
  gw = await startGateway({ config: { groups: [[{ name: 'p', kind, model: MODEL[kind]! }]] }, ...(faults && { faults: (call) => faults(call.model) }) });
  return gw;
}

/** The body the upstream received in call `i`. */
const received = (g: Gateway, i: number): Record<string, any> => g.sim.calls[i]!.body as Record<string, any>;

async function json(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

const PDF = 'JVBERi0xLjQK';
const WAV = 'UklGRiQAAABXQVZF';
const pdfPart = { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF}` } };
const audioPart = { type: 'input_audio', input_audio: { data: WAV, format: 'wav' } };
const chatWith = (...parts: unknown[]) => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise this.' }, ...parts] }] });

/** A 400 in OpenAI's shape naming `param`, and the upstream never called. */
async function refusedChat(g: Gateway, res: Response, param: string, words: RegExp): Promise<void> {
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body.error.param).toBe(param);
  expect(body.error.type).toBe('invalid_request_error');
  expect(body.error.message).toMatch(words);
  expect(g.sim.calls).toHaveLength(0);
}

describe('chat completions: file (PDF) parts', () => {
  it('anthropic: a document block', async () => {
    const g = await only('anthropic');
    expect((await g.chat(chatWith(pdfPart))).status).toBe(200);
    expect(received(g, 0).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Summarise this.' },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'report.pdf' },
        ],
      },
    ]);
  });

  it('gemini: an inline_data part', async () => {
    const g = await only('gemini');
    expect((await g.chat(chatWith(pdfPart))).status).toBe(200);
    expect(received(g, 0).contents).toEqual([{ role: 'user', parts: [{ text: 'Summarise this.' }, { inlineData: { mimeType: 'application/pdf', data: PDF } }] }]);
  });

  it('bedrock: a Converse document block (a valid name from the file name)', async () => {
    const g = await only('bedrock');
    expect((await g.chat(chatWith(pdfPart, { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF}` } }))).status).toBe(200);
    expect(received(g, 0).messages).toEqual([
      {
        role: 'user',
        content: [
          { text: 'Summarise this.' },
          { document: { format: 'pdf', name: 'report', source: { bytes: PDF } } },
          { document: { format: 'pdf', name: 'report (2)', source: { bytes: PDF } } },
        ],
      },
    ]);
  });

  it('openai: passed as it came', async () => {
    const g = await only('openai');
    const sent = chatWith(pdfPart, audioPart);
    expect((await g.chat(sent)).status).toBe(200);
    expect(received(g, 0).messages).toEqual(sent.messages);
  });

  it('a file by id: refused by every translation, naming the part', async () => {
    for (const kind of ['anthropic', 'gemini', 'bedrock'] as const) {
      const g = await only(kind);
      await refusedChat(g, await g.chat(chatWith({ type: 'file', file: { file_id: 'file-abc' } })), 'messages[0].content[1]', /file by id/);
      await g.close();
      gw = undefined;
    }
  });

  it('anthropic: a non-PDF file is refused', async () => {
    const g = await only('anthropic');
    await refusedChat(g, await g.chat(chatWith({ type: 'file', file: { filename: 'a.csv', file_data: 'data:text/csv;base64,YSxi' } })), 'messages[0].content[1]', /text\/csv/);
  });
});

describe('chat completions: the vertex and custom adapters', () => {
  it('vertexai: Gemini models take the file inline; Claude models take it as a document and refuse audio', async () => {
    gw = await startGateway({ config: { groups: [[{ name: 'p', kind: 'vertexai', model: null, options: { projectId: 'proj' } }]] } });
    expect((await gw.chat({ ...chatWith(pdfPart), model: 'gemini-2.5-pro' })).status).toBe(200);
    expect(received(gw, 0).contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'application/pdf', data: PDF } });
    expect((await gw.chat({ ...chatWith(pdfPart), model: 'claude-sonnet-4-5' })).status).toBe(200);
    expect(gw.sim.calls[1]!.path).toMatch(/publishers\/anthropic\/models\/claude-sonnet-4-5:rawPredict$/);
    expect(received(gw, 1).messages[0].content[1]).toMatchObject({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } });
    const res = await gw.chat({ ...chatWith(audioPart), model: 'claude-sonnet-4-5' });
    expect(res.status).toBe(400);
    expect((await json(res)).error.param).toBe('messages[0].content[1]');
    expect(gw.sim.calls).toHaveLength(2);
  });

  it('custom: a host that speaks Messages gets the document; audio is refused', async () => {
    gw = await startGateway({ config: { groups: [[{ name: 'p', kind: 'custom', model: 'local-claude', options: { formats: [{ type: 'Messages' }] } }]] } });
    expect((await gw.chat(chatWith(pdfPart))).status).toBe(200);
    expect(gw.sim.calls[0]!.api).toBe('anthropic');
    expect(received(gw, 0).messages[0].content[1]).toMatchObject({ type: 'document' });
    const res = await gw.chat(chatWith(audioPart));
    expect(res.status).toBe(400);
    expect((await json(res)).error.param).toBe('messages[0].content[1]');
    expect(gw.sim.calls).toHaveLength(1);
  });
});

describe('chat completions: input_audio parts', () => {
  it('gemini: inline audio', async () => {
    const g = await only('gemini');
    expect((await g.chat(chatWith(audioPart))).status).toBe(200);
    expect(received(g, 0).contents).toEqual([{ role: 'user', parts: [{ text: 'Summarise this.' }, { inlineData: { mimeType: 'audio/wav', data: WAV } }] }]);
  });

  it('anthropic and bedrock: refused, naming the part, never sent without it', async () => {
    for (const kind of ['anthropic', 'bedrock'] as const) {
      const g = await only(kind);
      await refusedChat(g, await g.chat(chatWith(audioPart)), 'messages[0].content[1]', /input_audio/);
      // A message of nothing but audio is refused too: never `"messages": []` upstream.
      await refusedChat(g, await g.chat({ model: 'm', messages: [{ role: 'user', content: [audioPart] }] }), 'messages[0].content[0]', /input_audio/);
      await g.close();
      gw = undefined;
    }
  });

  it('the official openai SDK gets the 400 as a BadRequestError naming the param', async () => {
    const g = await only('anthropic');
    const error = await g.openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: WAV, format: 'wav' } }] }] })
      .catch((e: unknown) => e as { status: number; param: string });
    expect(error).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
    expect(g.sim.calls).toHaveLength(0);
  });
});

describe('chat completions: content parts checked at parse time', () => {
  it('an unknown part type: a 400 naming it, whatever the provider', async () => {
    const g = await only('openai');
    await refusedChat(g, await g.chat(chatWith({ type: 'video_url', video_url: { url: 'x' } })), 'messages[0].content[1].type', /video_url/);
    // Parts a role cannot hold, and known parts without their fields.
    await refusedChat(
      g,
      await g.chat({ model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
      'messages[0].content[0].type',
      /system/,
    );
    await refusedChat(g, await g.chat(chatWith({ type: 'input_audio', input_audio: { data: WAV } })), 'messages[0].content[1].input_audio', /format/);
  });
});

describe('chat completions: n, seed, logprobs', () => {
  it('anthropic and bedrock: n > 1, seed, logprobs, penalties, logit_bias refused by name; their neutral values pass', async () => {
    for (const kind of ['anthropic', 'bedrock'] as const) {
      const g = await only(kind);
      for (const [field, value] of [
        ['n', 2],
        ['seed', 7],
        ['logprobs', true],
        ['top_logprobs', 3],
        ['presence_penalty', 0.5],
        ['logit_bias', { '50256': -100 }],
        ['functions', [{ name: 'f' }]],
      ] as const) {
        await refusedChat(g, await g.chat({ ...chatWith(), [field]: value }), field, /cannot carry/);
      }
      const res = await g.chat({ ...chatWith(), n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false, logit_bias: {}, store: false, user: 'u' });
      expect(res.status).toBe(200);
      await g.close();
      gw = undefined;
    }
  });

  it('sampling settings extended thinking refuses: named, never dropped (anthropic temperature, bedrock top_k)', async () => {
    const a = await only('anthropic');
    await refusedChat(a, await a.chat({ ...chatWith(), reasoning_effort: 'high', temperature: 0.2 }), 'temperature', /reasoning_effort/);
    await a.close();
    const b = await only('bedrock');
    await refusedChat(b, await b.chat({ ...chatWith(), reasoning_effort: 'high', top_k: 5 }), 'top_k', /reasoning_effort/);
    expect((await b.chat({ ...chatWith(), top_k: 5 })).status).toBe(200);
    expect(received(b, 0).additionalModelRequestFields).toEqual({ top_k: 5 });
  });

  it('the refusal names the provider (OpenAI shape)', async () => {
    const g = await only('anthropic');
    const body = await json(await g.chat({ ...chatWith(), n: 2 }));
    expect(body.error.message).toMatch(/^provider "p" \(anthropic\): Anthropic cannot carry several choices \(`n`\)/);
  });

  it('gemini: seed -> generationConfig.seed; n -> candidateCount with every candidate a choice', async () => {
    const g = await only('gemini');
    const res = await g.chat({ ...chatWith(), seed: 42, n: 2, presence_penalty: 0.5 });
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(received(g, 0).generationConfig).toEqual({ seed: 42, candidateCount: 2, presencePenalty: 0.5 });
    expect(body.choices.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(body.choices[1].message.content).toMatch(/\(candidate 2\)$/);
  });

  it('gemini: n > 1 streamed, and logprobs, are refused (no way to map them back)', async () => {
    const g = await only('gemini');
    await refusedChat(g, await g.chat({ ...chatWith(), n: 2, stream: true }), 'n', /Gemini \(streaming\)/);
    await refusedChat(g, await g.chat({ ...chatWith(), logprobs: true }), 'logprobs', /log probabilities/);
  });

  it('openai and azure: everything passes as it came', async () => {
    for (const kind of ['openai', 'azureopenai'] as const) {
      const g = await only(kind);
      const sent = { ...chatWith(), n: 2, seed: 7, logprobs: true, top_logprobs: 2 };
      expect((await g.chat(sent)).status).toBe(200);
      expect(g.sim.calls[0]!.body).toMatchObject({ n: 2, seed: 7, logprobs: true, top_logprobs: 2 });
      await g.close();
      gw = undefined;
    }
  });
});

describe('chat completions: tool settings', () => {
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];

  it('parallel_tool_calls: false — anthropic carries it, gemini and bedrock refuse it', async () => {
    const a = await only('anthropic');
    expect((await a.chat({ ...chatWith(), tools, parallel_tool_calls: false })).status).toBe(200);
    expect(received(a, 0).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    await a.close();
    for (const kind of ['gemini', 'bedrock'] as const) {
      const g = await only(kind);
      await refusedChat(g, await g.chat({ ...chatWith(), tools, parallel_tool_calls: false }), 'parallel_tool_calls', /one tool call at a time/);
      expect((await g.chat({ ...chatWith(), tools, parallel_tool_calls: true })).status).toBe(200);
      await g.close();
      gw = undefined;
    }
  });

  it('bedrock: tool_choice none offers no tools (Converse has no `none`)', async () => {
    const g = await only('bedrock');
    expect((await g.chat({ ...chatWith(), tools, tool_choice: 'none' })).status).toBe(200);
    expect(received(g, 0).toolConfig).toBeUndefined();
  });
});

describe('failover: a provider that cannot carry the request', () => {
  const health = { health: { unhealthyCondition: 'response.code == 503', eviction: { duration: '10s' } } };

  it('is passed over: the next provider that can carry it answers, and the trail says why', async () => {
    // Every answered attempt counts as unhealthy here, so the log shows whose health was judged.
    const judgeAll = { health: { unhealthyCondition: 'response.code >= 200', eviction: { duration: '10s' } } };
    const spec: GatewaySpec = {
      groups: [[{ name: 'claude', kind: 'anthropic', model: MODEL.anthropic! }], [{ name: 'gpt', kind: 'openai', model: MODEL.openai! }]],
      backendPolicy: judgeAll,
    };
    gw = await startGateway({ config: spec });
    const { data, response } = await gw.openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 2 }).withResponse();
    expect(servedBy(response.headers).attempts).toBe('claude:unsupported,gpt:200');
    expect(gw.sim.calls.map((c) => c.api)).toEqual(['openai']);
    expect(received(gw, 0).n).toBe(2);
    expect(data.choices).toHaveLength(1); // the simulated OpenAI answers one choice; the point is that n reached it
    // Not held against the provider: no eviction for a request it could not carry.
    const evictions = gw.logger.entries.filter((e) => e.event === 'eviction').map((e) => e.message);
    expect(evictions.some((m) => m.startsWith('evicted gpt'))).toBe(true);
    expect(evictions.some((m) => m.includes('claude'))).toBe(false);
  });

  it("a fallback that cannot carry it never hides the first provider's answer", async () => {
    const spec: GatewaySpec = {
      groups: [[{ name: 'gpt', kind: 'openai', model: MODEL.openai! }], [{ name: 'claude', kind: 'anthropic', model: MODEL.anthropic! }]],
      backendPolicy: health,
    };
    gw = await startGateway({ config: spec, faults: (call) => (call.api === 'openai' ? { kind: 'status', status: 503 } : undefined) });
    const res = await gw.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], seed: 3 });
    expect(res.status).toBe(503);
    expect(servedBy(res.headers).attempts).toBe('gpt:503,claude:unsupported');
    expect(gw.sim.calls.map((c) => c.api)).toEqual(['openai']);
  });

  it('when no provider can carry it: a 400 naming the field and the first provider, no upstream call', async () => {
    const spec: GatewaySpec = { groups: [[{ name: 'claude', kind: 'anthropic', model: MODEL.anthropic! }], [{ name: 'nova', kind: 'bedrock', model: MODEL.bedrock! }]] };
    gw = await startGateway({ config: spec });
    const res = await gw.chat(chatWith(audioPart));
    const body = await json(res);
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({ param: 'messages[0].content[1]', type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/^provider "claude" \(anthropic\)/);
    expect(servedBy(res.headers).attempts).toBe('claude:unsupported,nova:unsupported');
    expect(gw.sim.calls).toHaveLength(0);
  });
});

// ---------------------------------------------------------------- Anthropic Messages clients

const pdfBlock = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Q3 report' };
const messagesWith = (...blocks: unknown[]) => ({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise this.' }, ...blocks] }] });

/** A 400 in Anthropic's shape naming the block or field, and the upstream never called. */
async function refusedMessages(g: Gateway, res: Response, words: RegExp): Promise<void> {
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  expect(body.error.message).toMatch(words);
  expect(g.sim.calls).toHaveLength(0);
}

describe('Messages: document blocks', () => {
  it('openai: a file part', async () => {
    const g = await only('openai');
    expect((await g.messages(messagesWith(pdfBlock))).status).toBe(200);
    expect(received(g, 0).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Summarise this.' },
          { type: 'file', file: { filename: 'Q3 report', file_data: `data:application/pdf;base64,${PDF}` } },
        ],
      },
    ]);
  });

  it('gemini: inline data; bedrock: a Converse document', async () => {
    const gem = await only('gemini');
    expect((await gem.messages(messagesWith(pdfBlock))).status).toBe(200);
    expect(received(gem, 0).contents).toEqual([{ role: 'user', parts: [{ text: 'Summarise this.' }, { inlineData: { mimeType: 'application/pdf', data: PDF } }] }]);
    await gem.close();
    const bed = await only('bedrock');
    expect((await bed.messages(messagesWith(pdfBlock))).status).toBe(200);
    expect(received(bed, 0).messages).toEqual([
      { role: 'user', content: [{ text: 'Summarise this.' }, { document: { format: 'pdf', name: 'Q3 report', source: { bytes: PDF } } }] },
    ]);
  });

  it('anthropic: passed as it came', async () => {
    const g = await only('anthropic');
    const sent = messagesWith(pdfBlock, { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } });
    expect((await g.messages(sent)).status).toBe(200);
    expect(received(g, 0).messages).toEqual(sent.messages);
  });

  it('a document by URL: refused where it cannot go, naming the block', async () => {
    const g = await only('openai');
    await refusedMessages(g, await g.messages(messagesWith({ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } })), /messages\.0\.content\.1/);
  });

  it('images in a tool result: the user message after the tool message (openai)', async () => {
    const g = await only('openai');
    const res = await g.messages({
      model: 'm',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Take a screenshot' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [
                { type: 'text', text: 'done' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              ],
            },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(received(g, 0).messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'done' }] },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
    ]);
  });
});

describe('Messages: fields and blocks a target cannot carry', () => {
  it("an unknown block type: a 400 at parse time, in Anthropic's shape", async () => {
    const g = await only('anthropic');
    await refusedMessages(g, await g.messages(messagesWith({ type: 'hologram', data: 'x' })), /messages\.0\.content\.1\.type.*hologram/);
  });

  it('server tools and their blocks: refused by chat completions and Bedrock targets', async () => {
    for (const kind of ['openai', 'bedrock'] as const) {
      const g = await only(kind);
      await refusedMessages(g, await g.messages({ ...messagesWith(), tools: [{ type: 'web_search_20250305', name: 'web_search' }] }), /server tool.*tools\.0/);
      await g.close();
      gw = undefined;
    }
  });

  it('top_k: gemini carries it (topK), openai refuses it (the SDK sees a BadRequestError)', async () => {
    const gem = await only('gemini');
    expect((await gem.messages({ ...messagesWith(), top_k: 5 })).status).toBe(200);
    expect(received(gem, 0).generationConfig).toMatchObject({ topK: 5 });
    await gem.close();
    const g = await only('openai');
    const params = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], top_k: 5 } as Anthropic.MessageCreateParamsNonStreaming;
    const error = (await g.anthropic.messages.create(params).catch((e: unknown) => e)) as { status: number; message: string };
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/top_k/);
    expect(g.sim.calls).toHaveLength(0);
  });

  it("a tool result marked is_error: said in the tool message's text (chat completions has no flag)", async () => {
    const g = await only('openai');
    const res = await g.messages({
      model: 'm',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Look it up' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: 'not found' }] },
      ],
    });
    expect(res.status).toBe(200);
    expect(received(g, 0).messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 't1',
      content: [
        { type: 'text', text: 'Error: ' },
        { type: 'text', text: 'not found' },
      ],
    });
  });

  it('thinking with a budget: reasoning_effort for chat completions targets', async () => {
    const g = await only('openai');
    expect((await g.messages({ ...messagesWith(), max_tokens: 5000, thinking: { type: 'enabled', budget_tokens: 4000 } })).status).toBe(200);
    expect(received(g, 0).reasoning_effort).toBe('high');
  });
});

describe('bounds', () => {
  it('base64 parts count against the body limit: an oversized PDF is a 413 before any upstream call', async () => {
    const g = await only('anthropic');
    const big = 'A'.repeat(MAX_REQUEST_BODY + 1);
    const res = await g.chat(chatWith({ type: 'file', file: { filename: 'big.pdf', file_data: `data:application/pdf;base64,${big}` } }));
    expect(res.status).toBe(413);
    expect(g.sim.calls).toHaveLength(0);
  });
});

describe('bounded work', () => {
  it('bedrock: thousands of same-named files get unique document names in linear work', async () => {
    const g = await only('bedrock');
    const parts = Array.from({ length: 3_000 }, () => ({ type: 'file', file: { filename: 'scan.pdf', file_data: `data:application/pdf;base64,${PDF}` } }));
    expect((await g.chat(chatWith(...parts))).status).toBe(200);
    const names = (received(g, 0).messages[0].content as Array<{ document?: { name: string } }>).flatMap((b) => (b.document ? [b.document.name] : []));
    expect(names).toHaveLength(3_000);
    expect(new Set(names).size).toBe(3_000);
    expect(names.slice(0, 3)).toEqual(['scan', 'scan (2)', 'scan (3)']);
  });
});
