/**
 * The OpenAI Responses API (`POST /v1/responses`) end to end, through the official `openai` SDK
 * (`responses.create`, `responses.stream`, `create({stream: true})`) against the engine behind the
 * real Node server: passed through to an OpenAI upstream (a loopback fake that speaks Responses),
 * translated for Anthropic and Gemini (the simulator) and for a chat completions host with
 * function calls; failover before the first content, a stream that breaks after it, the
 * stateless refusals and bad input. Nothing leaves loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, type Gateway, type GatewaySpec } from '../support/harness.js';
import type { Fault } from '../../functions/simulator/faults.js';
import { FAKE_TEXT, startFakeUpstream, type FakeUpstream } from '../support/fake-responses-upstream.js';

let fake: FakeUpstream;
let gw: Gateway | undefined;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  fake.calls.length = 0;
});

async function gateway(spec: GatewaySpec, faults?: Record<string, Fault>): Promise<Gateway> {
  gw = await startGateway({ config: spec, ...(faults && { faults: (call) => faults[call.model] }) });
  return gw;
}

const openaiAt = (name: string, model: string) => ({ name, kind: 'openai' as const, model, port: fake.port });

/** The `event:`/`data:` events of a raw Responses stream. */
function events(text: string): Array<{ event: string; data: any }> {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => {
      const lines = b.split('\n');
      return {
        event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '',
        data: JSON.parse(
          lines
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n'),
        ),
      };
    });
}

async function post(g: Gateway, body: unknown): Promise<Response> {
  return fetch(`${g.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
}

describe('OpenAI passthrough', () => {
  it('buffered: the body reaches /v1/responses unchanged but for the model, and the answer comes back as it was', async () => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o')]] });
    const request = {
      model: 'client-model',
      input: 'Hi',
      instructions: 'Be brief.',
      text: { verbosity: 'low' },
      reasoning: { effort: 'low' },
      truncation: 'auto',
      include: ['reasoning.encrypted_content'],
    };
    const { data, response } = await g.openai.responses.create(request as OpenAI.Responses.ResponseCreateParamsNonStreaming).withResponse();
    expect(data.output_text).toBe(FAKE_TEXT);
    expect(data.id).toBe('resp_fake1');
    expect(response.headers.get('x-modelgate-provider')).toBe('oa');
    expect(response.headers.get('x-modelgate-attempts')).toBe('oa:200');
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.path).toBe('/v1/responses');
    expect(fake.calls[0]!.headers.authorization).toBe('Bearer sk-test-oa-0123456789');
    expect(fake.calls[0]!.body).toEqual({ ...request, model: 'gpt-4o' });
  });

  it('streaming: responses.stream() accumulates the passed-through events', async () => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o')]] });
    const stream = g.openai.responses.stream({ model: 'client-model', input: 'Hi' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(FAKE_TEXT);
    expect(deltas.join('')).toBe(FAKE_TEXT);
    expect(final.usage?.output_tokens).toBe(7);
    expect(fake.calls[0]!.body.stream).toBe(true);
  });

  it('a 429 fails over to the next group before any content, and the headers say so', async () => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o-429')], [{ name: 'anth', kind: 'anthropic' }]] });
    const { data, response } = await g.openai.responses.create({ model: 'client-model', input: 'Hello there' }).withResponse();
    expect(response.headers.get('x-modelgate-attempts')).toBe('oa:429,anth:200');
    expect(response.headers.get('x-modelgate-provider')).toBe('anth');
    expect(data.output_text).toContain('Hello there');
    expect(data.status).toBe('completed');
  });

  it('a response.failed inside a 200 stream, before content, fails over with the status it stands for', async () => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o-streamfail')], [{ name: 'anth', kind: 'anthropic' }]] });
    const { data: stream, response } = await g.openai.responses.create({ model: 'client-model', input: 'Hello there', stream: true }).withResponse();
    expect(response.headers.get('x-modelgate-attempts')).toBe('oa:429,anth:200');
    let text = '';
    for await (const e of stream) if (e.type === 'response.output_text.delta') text += e.delta;
    expect(text).toContain('Hello there');
  });

  it('a stream that breaks after its content started ends with an error event, never a completion', async () => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o-broken')], [{ name: 'anth', kind: 'anthropic' }]] });
    const res = await post(g, { model: 'm', input: 'Hi', stream: true });
    expect(res.status).toBe(200);
    const list = events(await res.text());
    expect(list.some((e) => e.event === 'response.output_text.delta')).toBe(true);
    expect(list.at(-1)!.event).toBe('error');
    expect(list.at(-1)!.data.code).toBe('upstream_stream_broken');
    expect(list.some((e) => e.event === 'response.completed')).toBe(false);
    // Content had gone out: no failover to the next group.
    expect(g.sim.calls).toHaveLength(0);
    // And the SDK raises rather than resolving a cut-off answer.
    await expect(g.openai.responses.stream({ model: 'm', input: 'Hi' }).finalResponse()).rejects.toThrow(/interrupted/);
  });
});

describe('translated through chat completions', () => {
  it('Anthropic, buffered: instructions become the system prompt, the answer a response', async () => {
    const g = await gateway({ groups: [[{ name: 'anth', kind: 'anthropic' }]] });
    const res = await g.openai.responses.create({
      model: 'client-model',
      instructions: 'Answer in French.',
      input: [{ role: 'user', content: 'Hello there' }],
      max_output_tokens: 100,
      temperature: 0.2,
    });
    expect(res.object).toBe('response');
    expect(res.status).toBe('completed');
    expect(res.output_text).toContain('Hello there');
    expect(res.usage!.input_tokens).toBeGreaterThan(0);
    const call = g.sim.calls[0]!;
    expect(call.api).toBe('anthropic');
    expect(call.body.system).toEqual('Answer in French.');
    expect(call.body.max_tokens).toBe(100);
    expect(call.body.temperature).toBe(0.2);
  });

  it('Anthropic, streaming through responses.stream(): text deltas, then the whole response with usage', async () => {
    const g = await gateway({ groups: [[{ name: 'anth', kind: 'anthropic' }]] });
    const stream = g.openai.responses.stream({ model: 'client-model', input: 'Hello there' });
    const types: string[] = [];
    stream.on('event', (e) => types.push(e.type));
    const final = await stream.finalResponse();
    expect(final.output_text).toContain('Hello there');
    expect(final.usage!.output_tokens).toBeGreaterThan(0);
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    expect(g.sim.calls[0]!.stream).toBe(true);
  });

  it('Gemini, create({stream: true}): a typed event stream ending in response.completed', async () => {
    const g = await gateway({ groups: [[{ name: 'gem', kind: 'gemini' }]] });
    const stream = await g.openai.responses.create({ model: 'client-model', input: 'Hello there', stream: true });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') completed = e.response;
    }
    expect(text).toContain('Hello there');
    expect(completed!.output_text ?? (completed!.output[0] as OpenAI.Responses.ResponseOutputMessage).content.map((c) => (c.type === 'output_text' ? c.text : '')).join('')).toBe(
      text,
    );
    expect(g.sim.calls[0]!.api).toBe('gemini');
  });

  it('a 500 before the first content fails over to the next provider, streaming', async () => {
    const g = await gateway(
      { groups: [[{ name: 'anth', kind: 'anthropic' }], [{ name: 'gem', kind: 'gemini' }]] },
      { 'model-anth': { kind: 'status', status: 500, errorType: 'api_error' } },
    );
    const { data: stream, response } = await g.openai.responses.create({ model: 'client-model', input: 'Hello there', stream: true }).withResponse();
    expect(response.headers.get('x-modelgate-attempts')).toBe('anth:500,gem:200');
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types.at(-1)).toBe('response.completed');
  });

  it('an error inside a 200 stream before content fails over too', async () => {
    const g = await gateway(
      { groups: [[{ name: 'anth', kind: 'anthropic' }], [{ name: 'gem', kind: 'gemini' }]] },
      { 'model-anth': { kind: 'stream-error-before-content', errorType: 'overloaded_error' } },
    );
    const final = await g.openai.responses.stream({ model: 'client-model', input: 'Hello there' }).finalResponse();
    expect(final.output_text).toContain('Hello there');
    expect(g.sim.calls.map((c) => c.api)).toEqual(['anthropic', 'gemini']);
  });

  it('a translated stream that breaks after content ends with an error event', async () => {
    const g = await gateway({ groups: [[{ name: 'anth', kind: 'anthropic' }]] }, { 'model-anth': { kind: 'stream-break', afterEvents: 4 } });
    const list = events(await (await post(g, { model: 'm', input: 'Hello there', stream: true })).text());
    expect(list.some((e) => e.event === 'response.output_text.delta')).toBe(true);
    expect(list.at(-1)!.event).toBe('error');
    expect(list.some((e) => e.event === 'response.completed')).toBe(false);
  });

  it('function calls: a streamed call, then its output in the next turn (a chat completions host)', async () => {
    const g = await gateway({ groups: [[{ name: 'host', kind: 'custom', model: 'local-model', port: fake.port }]] });
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
    ];
    const first = await g.openai.responses.stream({ model: 'm', input: 'Weather in Paris?', tools, tool_choice: 'auto' }).finalResponse();
    const call = first.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}', call_id: 'call_fake1' });
    expect(fake.calls[0]!.body.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: tools[0]!.type === 'function' ? tools[0]!.parameters : {}, strict: false } },
    ]);
    expect(fake.calls[0]!.body.tool_choice).toBe('auto');

    const second = await g.openai.responses.create({
      model: 'm',
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...first.output,
        { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' },
      ] as OpenAI.Responses.ResponseInput,
    });
    expect(second.output_text).toBe('It is sunny in Paris.');
    expect(fake.calls[1]!.body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', tool_calls: [{ id: 'call_fake1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_fake1', content: '{"sky":"sunny"}' },
    ]);
  });

  it('text, then a function call: two output items, one after the other', async () => {
    const g = await gateway({ groups: [[{ name: 'host', kind: 'custom', model: 'local-chatty', port: fake.port }]] });
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }];
    const final = await g.openai.responses.stream({ model: 'm', input: 'Weather?', tools }).finalResponse();
    expect(final.output.map((o) => o.type)).toEqual(['message', 'function_call']);
    expect(final.output_text).toBe('Checking.');
    expect(final.output[1]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it("the Vercel AI SDK's stateless request shape: assistant turns as plain messages, store: false, encrypted reasoning asked for", async () => {
    const g = await gateway({ groups: [[{ name: 'host', kind: 'custom', model: 'local-model', port: fake.port }]] });
    const res = await post(g, {
      model: 'gpt-5',
      store: false,
      include: ['reasoning.encrypted_content'],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Hello' }] },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: [{ type: 'input_text', text: 'And then?' }] },
      ],
    });
    expect(res.status).toBe(200);
    expect(fake.calls[0]!.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'assistant', content: 'Hi!' },
      { role: 'user', content: [{ type: 'text', text: 'And then?' }] },
    ]);
  });

  it('structured output, images and reasoning effort are carried', async () => {
    const g = await gateway({ groups: [[{ name: 'host', kind: 'custom', model: 'local-model', port: fake.port }]] });
    await g.openai.responses.create({
      model: 'm',
      reasoning: { effort: 'high' },
      text: { format: { type: 'json_schema', name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Which city?' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
          ],
        },
      ],
    });
    const body = fake.calls[0]!.body;
    expect(body.reasoning_effort).toBe('high');
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
    });
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'Which city?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
    ]);
  });
});

describe('per provider kind', () => {
  it('Azure OpenAI v1 API: passed through to /openai/v1/responses with the deployment as model', async () => {
    const g = await gateway({ groups: [[{ name: 'az', kind: 'azureopenai', model: 'my-deployment', port: fake.port }]] });
    const res = await g.openai.responses.create({ model: 'm', input: 'Hi' });
    expect(res.output_text).toBe(FAKE_TEXT);
    expect(fake.calls[0]!.path).toBe('/openai/v1/responses');
    expect(fake.calls[0]!.headers['api-key']).toBe('sk-test-az-0123456789');
    expect(fake.calls[0]!.body).toEqual({ model: 'my-deployment', input: 'Hi' });
  });

  it('Azure OpenAI, a dated API version: through its chat completions deployment', async () => {
    const g = await gateway({ groups: [[{ name: 'az', kind: 'azureopenai', model: 'my-deployment', port: fake.port, options: { apiVersion: '2024-10-21' } }]] });
    const res = await g.openai.responses.stream({ model: 'm', input: 'Hi' }).finalResponse();
    expect(res.output_text).toBe(FAKE_TEXT);
    expect(fake.calls[0]!.path).toBe('/openai/deployments/my-deployment/chat/completions');
  });

  it('reasoning from a chat host becomes a reasoning item, buffered and streamed', async () => {
    const g = await gateway({ groups: [[{ name: 'host', kind: 'custom', model: 'local-reasoning', port: fake.port }]] });
    const buffered = await g.openai.responses.create({ model: 'm', input: 'Hi' });
    expect(buffered.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    const streamed = await g.openai.responses.stream({ model: 'm', input: 'Hi' }).finalResponse();
    expect(streamed.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect((streamed.output[0] as OpenAI.Responses.ResponseReasoningItem).summary).toEqual([{ type: 'summary_text', text: 'Thinking about it.' }]);
    expect(streamed.output_text).toBe(FAKE_TEXT);
  });
});

describe('refusals', () => {
  it('a refusal is a refusal part, buffered and streamed', async () => {
    const g = await gateway({ groups: [[{ name: 'host', kind: 'custom', model: 'local-refusal', port: fake.port }]] });
    const refusal = [{ type: 'refusal', refusal: 'I cannot help.' }];
    const buffered = await g.openai.responses.create({ model: 'm', input: 'Hi' });
    expect((buffered.output[0] as OpenAI.Responses.ResponseOutputMessage).content).toMatchObject(refusal);
    const streamed = await g.openai.responses.stream({ model: 'm', input: 'Hi' }).finalResponse();
    expect((streamed.output[0] as OpenAI.Responses.ResponseOutputMessage).content).toMatchObject(refusal);
  });
});

describe('stateless, and bad input: a 400 in OpenAI shape, no upstream call', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['previous_response_id', { previous_response_id: 'resp_123' }, 'previous_response_id'],
    ['store: true', { store: true }, 'store'],
    ['conversation', { conversation: 'conv_123' }, 'conversation'],
    ['background: true', { background: true }, 'background'],
    ['an item_reference', { input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]'],
  ];
  it.each(cases)('%s', async (_name, fields, param) => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o')]] });
    const error = await g.openai.responses.create({ model: 'm', input: 'Hi', ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const e = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.param).toBe(param);
    expect(e.message).toContain('modelgate keeps no server-side state');
    expect(fake.calls).toHaveLength(0);
  });

  it('retrieve, delete and cancel of a stored response: a 404 saying none are stored', async () => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o')]] });
    for (const attempt of [() => g.openai.responses.retrieve('resp_123'), () => g.openai.responses.delete('resp_123'), () => g.openai.responses.cancel('resp_123')]) {
      const error = (await attempt().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.NotFoundError>;
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.message).toContain("No response with id 'resp_123' is stored");
    }
    expect(fake.calls).toHaveLength(0);
  });

  const bad: Array<[string, unknown, string | undefined]> = [
    ['no input', { model: 'm' }, 'input'],
    ['input of the wrong type', { model: 'm', input: 42 }, 'input'],
    ['an unknown role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role'],
    ['a function call without arguments', { model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f' }] }, 'input[0].arguments'],
    ['max_output_tokens 0', { model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    ['a json_schema format without a schema', { model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, 'text.format.schema'],
    ['not JSON', '{"input":', undefined],
  ];
  it.each(bad)('%s', async (_name, body, param) => {
    const g = await gateway({ groups: [[openaiAt('oa', 'gpt-4o')]] });
    const res = await fetch(`${g.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; type: string; param?: string } };
    expect(error.type).toBe('invalid_request_error');
    if (param) expect(error.param).toBe(param);
    expect(fake.calls).toHaveLength(0);
  });

  it('what chat completions cannot carry is refused naming the field and the provider, never dropped', async () => {
    const g = await gateway({ groups: [[{ name: 'anth', kind: 'anthropic' }]] });
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ tools: [{ type: 'web_search' }] }, 'tools[0]'],
      [{ input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://example.com/a.pdf' }] }] }, 'input[0].content[0].file_url'],
      [{ include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] }, 'include'],
      [{ max_tool_calls: 3 }, 'max_tool_calls'],
      [{ prompt: { id: 'pmpt_1' } }, 'prompt'],
      [{ tool_choice: { type: 'web_search_preview' } }, 'tool_choice'],
    ];
    for (const [fields, param] of refusals) {
      const error = (await g.openai.responses
        .create({ model: 'm', input: 'Hi', ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
      expect(error, JSON.stringify(fields)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param).toBe(param);
      expect(error.message).toContain('provider "anth" (anthropic)');
    }
    expect(g.sim.calls).toHaveLength(0);
  });
});
