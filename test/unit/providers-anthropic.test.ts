import { describe, expect, it } from 'vitest';
import { anthropicChat } from '../../functions/providers/anthropic/adapter.js';
import type { SseEvent, StreamStep } from '../../functions/providers/types.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
import type { ChatCompletionRequest, ChatMessage } from '../../functions/providers/openai/wire.js';

const target: ProviderTarget = {
  name: 'claude',
  kind: 'anthropic',
  baseUrl: 'https://api.anthropic.com',
  apiKey: 'sk-ant-api03-secret',
};
const hello: ChatMessage = { role: 'user', content: 'Hello' };

function upstreamBody(req: Partial<ChatCompletionRequest>, t: ProviderTarget = target): Record<string, unknown> {
  return JSON.parse(anthropicChat.buildRequest({ model: 'claude-sonnet-4-5', messages: [hello], ...req }, t).body);
}

describe('anthropic buildRequest: addressing', () => {
  it.each([
    [{}, 'https://api.anthropic.com/v1/messages'],
    [{ pathPrefix: '/anthropic/v1' }, 'https://api.anthropic.com/anthropic/v1/messages'],
    [{ path: '/proxy/messages' }, 'https://api.anthropic.com/proxy/messages'],
  ])('url for %j', (extra, url) => {
    expect(anthropicChat.buildRequest({ model: 'm', messages: [hello] }, { ...target, ...extra }).url).toBe(url);
  });

  it('authenticates with x-api-key and pins the API version', () => {
    expect(anthropicChat.buildRequest({ model: 'm', messages: [hello] }, target).headers).toEqual({
      'x-api-key': 'sk-ant-api03-secret',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    });
  });

  it('accepts an event stream and asks for one when streaming', () => {
    const up = anthropicChat.buildRequest({ model: 'm', messages: [hello], stream: true }, target);
    expect(up.headers.accept).toBe('text/event-stream');
    expect(JSON.parse(up.body).stream).toBe(true);
  });

  it('lets the provider’s model override the client’s', () => {
    expect(upstreamBody({ model: 'gpt-4o' }, { ...target, model: 'claude-opus-4-1' }).model).toBe('claude-opus-4-1');
    expect(upstreamBody({ model: 'claude-haiku-4-5' }).model).toBe('claude-haiku-4-5');
  });

  it('refuses to build a request without any model', () => {
    expect(() => anthropicChat.buildRequest({ messages: [hello] }, target)).toThrow(/needs a model/);
  });

  it('does not mutate the request', () => {
    const req: ChatCompletionRequest = {
      model: 'm',
      messages: [{ role: 'system', content: 's' }, hello, { role: 'tool', tool_call_id: 't', content: 'r' }],
      stop: 'x',
      tools: [{ type: 'function', function: { name: 'f' } }],
    };
    const before = structuredClone(req);
    anthropicChat.buildRequest(req, { ...target, model: 'other' });
    expect(req).toEqual(before);
  });
});

describe('anthropic buildRequest: translation', () => {
  it('moves system and developer messages to `system`, joined by newlines', () => {
    const body = upstreamBody({
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'Use metric.' },
            { type: 'text', text: 'No emoji.' },
          ],
        },
        { role: 'system', content: '   ' },
        hello,
      ],
    });
    expect(body.system).toBe('Be brief.\nUse metric.\nNo emoji.');
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
  });

  it('translates images: data URLs inline, other URLs by reference', () => {
    const body = upstreamBody({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
        ],
      },
    ]);
  });

  it('round-trips tool calls and merges consecutive tool results into one user turn', () => {
    const body = upstreamBody({
      messages: [
        hello,
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            { id: 'call_b', type: 'function', function: { name: 'time', arguments: '' } },
            { id: 'call_c', type: 'function', function: { name: 'broken', arguments: '{"city":' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '12C' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '10:00' }] },
        { role: 'tool', tool_call_id: 'call_c', content: 'error' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'call_b', name: 'time', input: {} },
          { type: 'tool_use', id: 'call_c', name: 'broken', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_a', content: '12C' },
          { type: 'tool_result', tool_use_id: 'call_b', content: [{ type: 'text', text: '10:00' }] },
          { type: 'tool_result', tool_use_id: 'call_c', content: 'error' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
    ]);
  });

  it('translates tools, dropping OpenAI-only fields', () => {
    const body = upstreamBody({
      tools: [
        { type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
        { type: 'function', function: { name: 'ping' } },
      ],
    });
    expect(body.tools).toEqual([
      { name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'ping', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  const tools = [{ type: 'function' as const, function: { name: 'f' } }];
  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'f' } }, undefined, { type: 'tool', name: 'f' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'f' } }, false, { type: 'tool', name: 'f', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['none', false, { type: 'none' }],
    [undefined, true, undefined],
    [undefined, undefined, undefined],
  ] as const)('tool_choice %j with parallel_tool_calls %j', (choice, parallel, expected) => {
    const body = upstreamBody({
      tools,
      ...(choice !== undefined ? { tool_choice: choice as ChatCompletionRequest['tool_choice'] } : {}),
      ...(parallel !== undefined ? { parallel_tool_calls: parallel } : {}),
    });
    expect(body.tool_choice).toEqual(expected);
  });

  it.each([
    ['END', ['END']],
    [
      ['\n\n', 'END'],
      ['\n\n', 'END'],
    ],
    [[], undefined],
    [null, undefined],
  ] as const)('maps stop %j to stop_sequences', (stop, expected) => {
    expect(upstreamBody({ stop: stop as ChatCompletionRequest['stop'] }).stop_sequences).toEqual(expected);
  });

  it.each([
    [{}, 4096],
    [{ max_tokens: 100 }, 100],
    [{ max_tokens: 100, max_completion_tokens: 200 }, 200],
  ])('max_tokens from %j', (limits, expected) => {
    expect(upstreamBody(limits).max_tokens).toBe(expected);
  });

  it('passes sampling parameters and the user; what Anthropic lacks only at its neutral value (the rest is refused: test/integration/no-silent-drop.test.ts)', () => {
    const body = upstreamBody({
      temperature: 0.3,
      top_p: 0.8,
      user: 'u-1',
      n: 1,
      logit_bias: {},
      presence_penalty: 0,
      frequency_penalty: 0,
      stream_options: { include_usage: true },
    });
    expect(body).toEqual({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      temperature: 0.3,
      top_p: 0.8,
      metadata: { user_id: 'u-1' },
    });
  });

  it('maps response_format to output_config.format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(upstreamBody({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } }).output_config).toEqual({
      format: { type: 'json_schema', schema },
    });
    expect(upstreamBody({ response_format: { type: 'json_object' } }).output_config).toEqual({
      format: { type: 'json_schema', schema: { type: 'object', additionalProperties: true } },
    });
    expect(upstreamBody({ response_format: { type: 'text' } }).output_config).toBeUndefined();
  });

  it.each([
    ['low', {}, 1024],
    ['medium', {}, 2048],
    ['high', { max_tokens: 16000 }, 4096],
    ['xhigh', {}, 4095],
    ['high', { max_tokens: 1024 }, undefined],
    ['none', {}, undefined],
  ])('reasoning_effort %s with %j -> thinking budget %j', (effort, limits, budget) => {
    const body = upstreamBody({ reasoning_effort: effort, ...limits });
    expect(body.thinking).toEqual(budget === undefined ? undefined : { type: 'enabled', budget_tokens: budget });
  });

  it('refuses, by name, a temperature, a low top_p or top_k that extended thinking would reject (never drops them)', () => {
    expect(() => upstreamBody({ reasoning_effort: 'low', temperature: 0.2 })).toThrow(expect.objectContaining({ name: 'RequestNotExpressible', param: 'temperature' }));
    expect(() => upstreamBody({ reasoning_effort: 'low', top_p: 0.5 })).toThrow(expect.objectContaining({ param: 'top_p' }));
    expect(() => upstreamBody({ reasoning_effort: 'low', top_k: 5 })).toThrow(expect.objectContaining({ param: 'top_k' }));
    expect(upstreamBody({ reasoning_effort: 'low', temperature: 1, top_p: 0.95 })).toMatchObject({ temperature: 1, top_p: 0.95 });
    expect(upstreamBody({ reasoning_effort: 'none', temperature: 0.2, top_k: 5 })).toMatchObject({ temperature: 0.2, top_k: 5 });
  });
});

describe('anthropic translateResponse', () => {
  const message = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [
      { type: 'thinking', thinking: 'Let me see.', signature: 'sig' },
      { type: 'text', text: 'Calling ' },
      { type: 'text', text: 'the tool.' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: null, cache_creation_input_tokens: null },
  };

  it('builds a chat.completion with text, reasoning and tool calls', () => {
    const out = anthropicChat.translateResponse(message, 'claude-sonnet-4-5');
    expect(out.model).toBe('claude-sonnet-4-5-20250929');
    expect(out.usage).toEqual({ input: 10, output: 5 });
    expect(out.body).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling the tool.',
            reasoning_content: 'Let me see.',
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(Math.abs(out.body.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it('reports cache usage alongside', () => {
    const out = anthropicChat.translateResponse(
      { ...message, usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, service_tier: 'standard' } },
      'm',
    );
    expect(out.body.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
    });
    expect(out.body.service_tier).toBe('standard');
  });

  it('has null content when only tools were called', () => {
    const out = anthropicChat.translateResponse({ ...message, content: [message.content[3]] }, 'm');
    expect(out.body.choices[0]?.message.content).toBeNull();
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    [null, null],
  ])('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    expect(anthropicChat.translateResponse({ ...message, stop_reason: stop }, 'm').body.choices[0]?.finish_reason).toBe(finish);
  });

  it.each([null, 'x', {}, { type: 'error', error: { type: 'api_error', message: 'x' } }, { type: 'message' }])('rejects %j', (body) => {
    expect(() => anthropicChat.translateResponse(body, 'm')).toThrow(/not a Messages response/);
  });
});

const sse = (payload: Record<string, unknown>): SseEvent => ({ event: String(payload.type), data: JSON.stringify(payload) });
const start = (usage: Record<string, unknown> = { input_tokens: 20, output_tokens: 1 }) =>
  sse({ type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage } });
const payloads = (step: StreamStep) => step.frames.map((f) => (f === 'data: [DONE]\n\n' ? '[DONE]' : JSON.parse(f.slice(6))));

describe('anthropic streamTranslator', () => {
  it('streams text: role on the first delta, finish reason with usage, then [DONE]', () => {
    const t = anthropicChat.streamTranslator('claude', true);
    const first = t.push(start());
    expect(first).toEqual({ frames: [], content: false, done: false, model: 'claude-x' });
    expect(t.push(sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))).toMatchObject({ frames: [], content: false });
    expect(t.push({ event: 'ping', data: '{"type": "ping"}' })).toEqual({ frames: [], content: false, done: false });

    const hi = t.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }));
    expect(hi.content).toBe(true);
    expect(hi.frames[0]).toMatch(/^data: \{.*\}\n\n$/s);
    expect(payloads(hi)).toEqual([
      {
        id: 'msg_s',
        object: 'chat.completion.chunk',
        created: expect.any(Number),
        model: 'claude-x',
        choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
        usage: null,
      },
    ]);
    const more = t.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } }));
    expect(payloads(more)[0].choices[0].delta).toEqual({ content: ' there' });
    expect(t.push(sse({ type: 'content_block_stop', index: 0 })).frames).toEqual([]);

    const end = t.push(sse({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 7 } }));
    expect(end.content).toBe(true);
    expect(end.usage).toEqual({ input: 20, output: 7 });
    expect(payloads(end)[0]).toMatchObject({
      choices: [{ index: 0, delta: {}, finish_reason: 'length' }],
      usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
    });
    expect(t.push(sse({ type: 'message_stop' }))).toEqual({ frames: ['data: [DONE]\n\n'], content: false, done: true });
  });

  it('numbers tool calls among tool calls only, and sends {} for a tool without arguments', () => {
    const t = anthropicChat.streamTranslator('claude', false);
    t.push(start());
    t.push(sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    t.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me check.' } }));
    t.push(sse({ type: 'content_block_stop', index: 0 }));
    const open1 = t.push(sse({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'weather', input: {} } }));
    const args1 = t.push(sse({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }));
    const args2 = t.push(sse({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Oslo"}' } }));
    const stop1 = t.push(sse({ type: 'content_block_stop', index: 1 }));
    const open2 = t.push(sse({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'time', input: {} } }));
    const empty = t.push(sse({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } }));
    const stop2 = t.push(sse({ type: 'content_block_stop', index: 2 }));
    const end = t.push(sse({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }));

    const toolDelta = (step: StreamStep) => payloads(step)[0].choices[0].delta.tool_calls;
    expect(open1.content).toBe(true);
    expect(toolDelta(open1)).toEqual([{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'weather', arguments: '' } }]);
    expect(toolDelta(args1)).toEqual([{ index: 0, function: { arguments: '{"city":' } }]);
    expect(toolDelta(args2)).toEqual([{ index: 0, function: { arguments: '"Oslo"}' } }]);
    expect(stop1.frames).toEqual([]);
    expect(toolDelta(open2)).toEqual([{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'time', arguments: '' } }]);
    expect(empty.frames).toEqual([]);
    expect(toolDelta(stop2)).toEqual([{ index: 1, function: { arguments: '{}' } }]);
    expect(payloads(end)[0].choices[0].finish_reason).toBe('tool_calls');
    // Without include_usage no chunk carries usage, but the engine still learns it.
    expect(payloads(end)[0]).not.toHaveProperty('usage');
    expect(end.usage).toEqual({ input: 20, output: 30 });
  });

  it('streams thinking as reasoning_content and skips signatures', () => {
    const t = anthropicChat.streamTranslator('claude', false);
    t.push(start());
    t.push(sse({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    const thought = t.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } }));
    expect(thought.content).toBe(true);
    expect(payloads(thought)[0].choices[0].delta).toEqual({ role: 'assistant', reasoning_content: 'Hmm.' });
    expect(t.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'abc' } })).frames).toEqual([]);
  });

  it.each([
    ['overloaded_error', 'Overloaded', 529],
    ['rate_limit_error', 'Too many requests', 429],
    ['api_error', 'Internal error', 500],
    ['timeout_error', 'Timed out', 504],
    ['mystery_error', 'Odd', 500],
  ])('turns event: error %s into a failure with status %i', (type, message, status) => {
    const t = anthropicChat.streamTranslator('claude', true);
    t.push(start());
    const step = t.push({ event: 'error', data: JSON.stringify({ type: 'error', error: { type, message } }) });
    expect(step).toEqual({ frames: [], content: false, done: false, failure: { status, type, message } });
  });

  it('scrubs keys from in-stream error messages', () => {
    const step = anthropicChat
      .streamTranslator('claude', true)
      .push({ event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'bad key sk-ant-api03-AAAABBBBCCCC' } }) });
    expect(step.failure).toEqual({ status: 401, type: 'authentication_error', message: 'bad key [redacted]' });
  });

  it('keeps the sent model when the upstream names none, and ignores unparseable data', () => {
    const t = anthropicChat.streamTranslator('claude-sent', false);
    expect(t.push({ data: 'not json' })).toEqual({ frames: [], content: false, done: false });
    const step = t.push(sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } }));
    expect(payloads(step)[0].model).toBe('claude-sent');
  });
});

describe('anthropic translateError', () => {
  const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

  it.each([
    ['invalid_request_error', 400, 'invalid_request_error', null],
    ['authentication_error', 401, 'authentication_error', 'invalid_api_key'],
    ['permission_error', 403, 'permission_error', null],
    ['not_found_error', 404, 'not_found_error', null],
    ['request_too_large', 413, 'invalid_request_error', 'request_too_large'],
    ['rate_limit_error', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['api_error', 500, 'server_error', null],
    ['overloaded_error', 529, 'server_error', 'overloaded'],
    ['timeout_error', 504, 'server_error', 'timeout'],
  ])('%s (%i) -> type %s, code %s', (anthropicType, status, type, code) => {
    expect(anthropicChat.translateError(status, body(anthropicType, 'Something happened'))).toEqual({
      error: { message: 'Something happened', type, code },
    });
  });

  it('takes the type from the status for an unknown Anthropic type', () => {
    expect(anthropicChat.translateError(503, body('new_error', 'later'))).toEqual({
      error: { message: 'later', type: 'server_error', code: null },
    });
  });

  it('never echoes credentials', () => {
    const { error } = anthropicChat.translateError(401, body('authentication_error', 'invalid x-api-key: sk-ant-api03-abcdefghijklmnop (x-api-key: "plainsecret123")'));
    expect(error.message).not.toMatch(/sk-ant|abcdefghijklmnop|plainsecret123/);
    expect(error.message).toContain('[redacted]');
  });

  it.each([
    [502, '<html><body>Bad Gateway</body></html>', 'server_error'],
    [529, 'upstream connect error', 'server_error'],
    [401, '', 'authentication_error'],
  ])('answers a non-JSON %i body with a generic message', (status, raw, type) => {
    const { error } = anthropicChat.translateError(status, raw);
    expect(error).toEqual({ message: expect.stringContaining(`HTTP ${status}`), type, code: null });
  });
});
