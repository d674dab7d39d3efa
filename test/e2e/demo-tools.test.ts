/**
 * `modelgate demo` shows function calling through the tutorial's failover: the official `openai`
 * client offers a tool, the wrong-named first model answers 404, and the simulated Claude behind
 * the second group calls the tool; given the tool's result, it answers in text that uses it.
 * Buffered and streamed, as a newcomer would try it from the README.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { launch, stop, type Served } from '../support/cli.js';

let demo: Served | undefined;
let client: OpenAI;
beforeAll(async () => {
  demo = await launch('demo', ['--port', '0', '--simulator-port', '0', '--admin-port', '0', '--metrics-port', '0', '--readiness-port', '0']);
  client = new OpenAI({ baseURL: `${demo.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10_000 });
});
afterAll(() => stop(demo));

const TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] },
    },
  },
];
const ASK = "What's the weather in Paris?";

describe('modelgate demo: function calling through the failover', () => {
  it('a tool call (after the 404 failover), then an answer that uses the tool result', async () => {
    const { data, response } = await client.chat.completions.create({ messages: [{ role: 'user', content: ASK }], tools: TOOLS, model: '' }).withResponse();
    expect(response.headers.get('x-modelgate-attempts')).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    const call = data.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', unit: 'celsius' });

    const answer = await client.chat.completions.create({
      model: '',
      tools: TOOLS,
      messages: [
        { role: 'user', content: ASK },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '18°C, clear skies' },
      ],
    });
    expect(answer.choices[0]!.message.content).toContain('The get_weather tool answered: 18°C, clear skies');
    expect(demo!.logs.join('\n')).toMatch(/failover anthropic: anthropic-opus-46 answered 404/);
  });

  it('streamed: the tool call in deltas', async () => {
    const stream = await client.chat.completions.create({ messages: [{ role: 'user', content: ASK }], tools: TOOLS, model: '', stream: true });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += d.function?.name ?? '';
        args += d.function?.arguments ?? '';
      }
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
  });
});
