/**
 * The Responses translations piece by piece, where the golden cases do not reach: what the chat
 * translation carries and refuses, the passthrough stream's content, failures and end, the
 * translated stream's end, the AI policy, and the stored-response paths.
 */
import { describe, expect, it } from 'vitest';
import { responsesToChatRequest } from '../../functions/providers/conversion/responses-to-completions-request.js';
import { ChatToResponsesStream, MAX_HELD_ANSWER_CHARS } from '../../functions/providers/conversion/completions-to-responses-stream.js';
import { responsesAdapterFor } from '../../functions/engine/responses-providers.js';
import { ResponsesPassthroughStream } from '../../functions/providers/openai/responses-passthrough.js';
import { OpenAIStreamTranslator } from '../../functions/providers/openai/stream.js';
import type { ResponsesRequest } from '../../functions/providers/openai/responses-wire.js';
import { RequestNotExpressible, type StreamFailure } from '../../functions/providers/types.js';
import { applyResponsesAiPolicy, storedResponseAnswer } from '../../functions/engine/responses-api.js';
import { parseResponsesRequest } from '../../functions/engine/responses-request.js';
import { BadRequest } from '../../functions/engine/errors.js';

const req = (fields: Partial<ResponsesRequest>): ResponsesRequest => ({ model: 'm', input: 'Hi', ...fields });

function refusal(fields: Partial<ResponsesRequest>): { param: string | undefined; message: string } {
  try {
    responsesToChatRequest(req(fields), 'provider "p" (anthropic)');
  } catch (error) {
    expect(error).toBeInstanceOf(RequestNotExpressible);
    return { param: (error as RequestNotExpressible).param, message: (error as Error).message };
  }
  throw new Error('not refused');
}

describe('responses -> chat completions', () => {
  it('merges a turn: text, reasoning and function calls become one assistant message, outputs become tool messages', () => {
    const chat = responsesToChatRequest(
      req({
        input: [
          { role: 'developer', content: 'Be terse.' },
          { role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
          { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Need the tool.' }] },
          {
            type: 'message',
            role: 'assistant',
            content: [
              { type: 'output_text', text: 'Checking.' },
              { type: 'refusal', refusal: 'Not that part.' },
            ],
          },
          { type: 'function_call', call_id: 'c1', name: 'w', arguments: '{}' },
          { type: 'function_call', call_id: 'c2', name: 'w', arguments: '{"a":1}' },
          { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
          { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rainy' }] },
        ],
      }),
    );
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'Be terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'text', text: 'Not that part.' },
        ],
        reasoning_content: 'Need the tool.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'w', arguments: '{"a":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'rainy' }] },
    ]);
  });

  it('carries files by data and by id, images by URL, and the sampling and output fields', () => {
    const chat = responsesToChatRequest(
      req({
        instructions: 'Sys',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_file', file_data: 'JVBERi0=', filename: 'a.pdf' },
              { type: 'input_file', file_id: 'file-1' },
              { type: 'input_image', image_url: 'https://x/y.png' },
            ],
          },
        ],
        max_output_tokens: 50,
        temperature: 0.1,
        top_p: 0.9,
        parallel_tool_calls: false,
        tool_choice: { type: 'function', name: 'f' },
        tools: [{ type: 'function', name: 'f', parameters: null, strict: null }],
        text: { format: { type: 'json_object' }, verbosity: 'low' },
        store: false,
        user: 'u1',
        stream: true,
      }),
    );
    expect(chat).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Sys' },
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            { type: 'file', file: { file_id: 'file-1' } },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          ],
        },
      ],
      max_completion_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.1,
      top_p: 0.9,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_object' },
      verbosity: 'low',
      user: 'u1',
    });
  });

  it.each<[string, Partial<ResponsesRequest>, string]>([
    ['a hosted tool', { tools: [{ type: 'file_search', vector_store_ids: ['vs'] }] }, 'tools[0]'],
    ['an image by file id', { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0].file_id'],
    ['an unknown content part', { input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'input[0].content[0].type'],
    ['a hosted tool call in the history', { input: [{ type: 'web_search_call', id: 'ws_1' }] }, 'input[0].type'],
    ['encrypted reasoning', { input: [{ type: 'reasoning', summary: [], encrypted_content: 'gAAA' }] }, 'input[0].encrypted_content'],
    ['an unknown field', { frobnicate: 1 }, 'frobnicate'],
    ['truncation: auto', { truncation: 'auto' }, 'truncation'],
    ['top_logprobs', { top_logprobs: 2 }, 'top_logprobs'],
    ['a text format of another type', { text: { format: { type: 'grammar' } } }, 'text.format.type'],
    ['reasoning fields other than effort and summary', { reasoning: { effort: 'low', generate_summary: 'auto' } }, 'reasoning.generate_summary'],
    ['allowed_tools', { tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [] } }, 'tool_choice'],
  ])('refuses %s, naming it and the provider', (_name, fields, param) => {
    const { param: got, message } = refusal(fields);
    expect(got).toBe(param);
    expect(message).toContain('provider "p" (anthropic)');
  });
});

describe('the passthrough stream', () => {
  const ev = (type: string, fields: Record<string, unknown> = {}) => ({ event: type, data: JSON.stringify({ type, ...fields }) });

  it('holds the opening events, starts at the first delta, ends at response.completed with usage and model', () => {
    const t = new ResponsesPassthroughStream();
    const created = t.push(ev('response.created', { response: { model: 'gpt-4o-2024', output: [] } }));
    expect(created).toMatchObject({ content: false, done: false, model: 'gpt-4o-2024' });
    expect(created.frames[0]).toMatch(/^event: response.created\ndata: /);
    expect(t.push(ev('response.output_item.added', { item: { type: 'message' } })).content).toBe(false);
    expect(t.push(ev('response.output_text.delta', { delta: '' })).content).toBe(false);
    expect(t.push(ev('response.output_text.delta', { delta: 'Hi' })).content).toBe(true);
    const end = t.push(ev('response.completed', { response: { output: [{}], usage: { input_tokens: 3, output_tokens: 4 } } }));
    expect(end).toMatchObject({ done: true, usage: { input: 3, output: 4 } });
  });

  it('a function call item is content', () => {
    expect(new ResponsesPassthroughStream().push(ev('response.output_item.added', { item: { type: 'function_call' } })).content).toBe(true);
  });

  it('response.failed and error events are failures, with the status they stand for', () => {
    const failed = new ResponsesPassthroughStream().push(ev('response.failed', { response: { error: { code: 'rate_limit_exceeded', message: 'slow' } } }));
    expect(failed.failure).toMatchObject({ status: 429, message: 'slow' });
    expect(failed.frames).toEqual([]);
    expect(new ResponsesPassthroughStream().push(ev('error', { code: 'server_error', message: 'boom' })).failure).toMatchObject({ status: 500, message: 'boom' });
  });
});

describe('the translated stream', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) => ({
    data: JSON.stringify({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'up-model',
      choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
      ...(usage !== undefined && { usage }),
    }),
  });
  const parse = (frames: string[]) => frames.map((f) => JSON.parse(f.split('\n')[1]!.slice(6)) as Record<string, any>);

  it('a length stop ends in response.incomplete with the reason and usage; content follows the chat translator', () => {
    const t = new ChatToResponsesStream(new OpenAIStreamTranslator(), 'sent');
    const opening = t.push(chunk({ role: 'assistant', content: '' }));
    expect(opening.content).toBe(false);
    expect(parse(opening.frames).map((e) => e.type)).toEqual(['response.created', 'response.in_progress']);
    expect(t.push(chunk({ content: 'Hel' })).content).toBe(true);
    t.push(chunk({ content: 'lo' }, 'length'));
    t.push(chunk({}, null, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }));
    const end = t.push({ data: '[DONE]' });
    expect(end.done).toBe(true);
    const last = parse(end.frames).at(-1)!;
    expect(last.type).toBe('response.incomplete');
    expect(last.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      model: 'up-model',
      usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 },
    });
    expect(last.response.output[0].content[0].text).toBe('Hello');
    // Sequence numbers count up across the whole stream.
    const all = parse([...opening.frames, ...end.frames]);
    expect(all.map((e) => e.sequence_number)).toEqual([...all.map((e) => e.sequence_number)].sort((a, b) => a - b));
  });
});

describe('which adapter serves a provider kind', () => {
  const build = (target: Record<string, unknown>) =>
    responsesAdapterFor({ name: 'p', baseUrl: 'http://h', apiKey: 'k', ...target } as never).buildRequest(req({}), {
      name: 'p',
      baseUrl: 'http://h',
      apiKey: 'k',
      ...target,
    } as never);

  it.each<[string, Record<string, unknown>, string]>([
    ['openai', { kind: 'openai' }, 'http://h/v1/responses'],
    ['a custom host that declares Responses', { kind: 'custom', formats: { Responses: {} } }, 'http://h/v1/responses'],
    ['a custom host that declares Responses at its own path', { kind: 'custom', formats: { Responses: { path: '/api/resp' }, Completions: {} } }, 'http://h/api/resp'],
    ['a custom host that speaks chat completions', { kind: 'custom', formats: { Completions: {} } }, 'http://h/v1/chat/completions'],
    ['a custom host that speaks Messages', { kind: 'custom', formats: { Messages: {} } }, 'http://h/v1/messages'],
    ['anthropic', { kind: 'anthropic' }, 'http://h/v1/messages'],
  ])('%s', (_name, target, url) => {
    expect(build(target).url).toBe(url);
  });
});

describe('bounds', () => {
  it('a translated stream holds at most MAX_HELD_ANSWER_CHARS of answer, then fails rather than grow', () => {
    const t = new ChatToResponsesStream(new OpenAIStreamTranslator(), 'sent');
    const piece = 'x'.repeat(8 * 1024 * 1024);
    let failed: StreamFailure | undefined;
    for (let i = 0; i < 6 && !failed; i++) {
      failed = t.push({
        data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] }),
      }).failure;
    }
    expect(failed).toMatchObject({ status: 502, type: 'upstream_answer_too_large' });
    expect(MAX_HELD_ANSWER_CHARS).toBe(32 * 1024 * 1024);
  });
});

describe('parsing, policy, stored responses', () => {
  const parse = (body: unknown) => parseResponsesRequest(new TextEncoder().encode(JSON.stringify(body)));

  it('store: false and previous_response_id: null are fine; store: true is not', () => {
    expect(parse({ input: 'x', store: false, previous_response_id: null }).input).toBe('x');
    expect(() => parse({ input: 'x', store: true })).toThrow(BadRequest);
  });

  it('bounds the number of input items', () => {
    expect(() => parse({ input: Array.from({ length: 10_001 }, () => ({ role: 'user', content: 'x' })) })).toThrow(/more than 10000 items/);
  });

  it('the prompt policy turns a string input into messages around it', () => {
    const out = applyResponsesAiPolicy(req({ input: 'Hi' }), { prompt: { prepend: [{ role: 'system', content: 'S' }], append: [] } });
    expect(out.input).toEqual([
      { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'S' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
    ]);
  });

  it('answers stored-response paths, and only those', () => {
    expect(storedResponseAnswer({ method: 'GET', path: '/v1/responses/resp_1' })?.status).toBe(404);
    expect(storedResponseAnswer({ method: 'GET', path: '/v1/responses/resp_1/input_items' })?.status).toBe(404);
    expect(storedResponseAnswer({ method: 'POST', path: '/v1/responses/input_tokens' })).toBeUndefined();
    expect(storedResponseAnswer({ method: 'POST', path: '/v1/responses' })).toBeUndefined();
  });
});
