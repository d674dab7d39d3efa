/**
 * Function calling through a failover, against the simulated provider (the demo's upstream), with
 * the official `openai` and `@anthropic-ai/sdk` clients: the first group answers 404, the second
 * (each vendor kind the simulator plays) calls the offered tool — arguments valid against its
 * schema — and, given the tool's result, answers in text that uses it. Buffered and streamed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import type Anthropic from '@anthropic-ai/sdk';
import { faultsByModel, servedBy, startGateway, type Gateway, type ProviderKindSpec } from '../support/harness.js';
import { useEnv } from '../support/env.js';

// Bedrock calls are SigV4-signed with credentials from the environment, as on Lambda.
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAMODELGATETEST01', AWS_SECRET_ACCESS_KEY: 'modelgate-test-secret-key-0123456789' };
useEnv(CREDENTIALS);

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const MODEL: Record<string, string> = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-4o-mini', gemini: 'gemini-2.5-flash', bedrock: 'anthropic.claude-3-haiku' };
const WEATHER_SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    days: { type: 'integer', minimum: 1 },
    metric: { type: 'boolean' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    note: { type: 'string' },
  },
  required: ['city', 'days', 'metric', 'unit'],
};
const OPENAI_TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_time', description: 'The time somewhere', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
  },
  { type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_SCHEMA } },
];
const ANTHROPIC_TOOLS: Anthropic.Tool[] = [{ name: 'get_weather', description: 'The weather in a city', input_schema: WEATHER_SCHEMA as Anthropic.Tool.InputSchema }];
const ASK = "What's the weather in Paris?";
const EXPECTED_ARGS = { city: 'Paris', days: 1, metric: true, unit: 'celsius' };

/** A 404 first (the tutorial's wrong model name), then `kind` answering. */
async function failoverTo(kind: ProviderKindSpec): Promise<Gateway> {
  gw = await startGateway({
    config: {
      groups: [[{ name: 'first', kind: 'anthropic', model: 'claude-opus-4-6-FAKE' }], [{ name: 'second', kind, model: MODEL[kind]! }]],
      // The tutorial's health policy: a 404 is unhealthy, so the same request fails over.
      backendPolicy: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429', eviction: { duration: '10s' } } },
    },
    faults: faultsByModel({ 'claude-opus-4-6-FAKE': { kind: 'status', status: 404 } }),
  });
  return gw;
}

const KINDS: ProviderKindSpec[] = ['anthropic', 'openai', 'gemini', 'bedrock'];

describe.each(KINDS)('simulated %s: function calling through a failover', (kind) => {
  it('openai SDK, buffered: a tool call with valid arguments, then text that uses the result', async () => {
    const g = await failoverTo(kind);
    const { data, response } = await g.openai.chat.completions
      .create({ model: 'any', messages: [{ role: 'user', content: ASK }], tools: OPENAI_TOOLS, tool_choice: { type: 'function', function: { name: 'get_weather' } } })
      .withResponse();
    expect(servedBy(response.headers).attempts).toBe('first:404,second:200');
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual(EXPECTED_ARGS);
    expect(call.id).not.toBe('');

    const second = await g.openai.chat.completions.create({
      model: 'any',
      tools: OPENAI_TOOLS,
      messages: [
        { role: 'user', content: ASK },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'Sunny, 24 degrees' },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toContain('The get_weather tool answered: Sunny, 24 degrees');
  });

  it('openai SDK, streamed: the tool call arrives in deltas that add up to valid arguments', async () => {
    const g = await failoverTo(kind);
    const stream = await g.openai.chat.completions.create({ model: 'any', stream: true, messages: [{ role: 'user', content: ASK }], tools: OPENAI_TOOLS.slice(1) });
    let name = '';
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += d.function?.name ?? '';
        args += d.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual(EXPECTED_ARGS);
    expect(finish).toBe('tool_calls');
  });

  it('anthropic SDK, buffered and streamed: tool_use, then text from the tool_result', async () => {
    const g = await failoverTo(kind);
    const first = await g.anthropic.messages.create({ model: 'any', max_tokens: 256, messages: [{ role: 'user', content: ASK }], tools: ANTHROPIC_TOOLS });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'get_weather', input: EXPECTED_ARGS });

    const streamed = await g.anthropic.messages.stream({ model: 'any', max_tokens: 256, messages: [{ role: 'user', content: ASK }], tools: ANTHROPIC_TOOLS }).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: EXPECTED_ARGS });

    const answer = await g.anthropic.messages.create({
      model: 'any',
      max_tokens: 256,
      tools: ANTHROPIC_TOOLS,
      messages: [
        { role: 'user', content: ASK },
        { role: 'assistant', content: [use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Rain, 12 degrees' }] },
      ],
    });
    expect(answer.stop_reason).toBe('end_turn');
    expect(answer.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('The get_weather tool answered: Rain, 12 degrees') });
  });
});

describe('simulated provider: tools only when they apply', () => {
  it('no tools, or tool_choice none: the usual text answer', async () => {
    const g = await failoverTo('openai');
    const plain = await g.openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: ASK }] });
    expect(plain.choices[0]!.message.content).toContain("modelgate's simulated provider");
    const none = await g.openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: ASK }], tools: OPENAI_TOOLS, tool_choice: 'none' });
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
  });
});
