/**
 * Messages clients on every provider: the adapter each kind gets, the Messages <-> chat
 * completions translations beyond agentgateway's golden cases, Anthropic's stream passed through,
 * and the event-stream invariants Anthropic's SDK relies on.
 */
import { describe, expect, it } from 'vitest';
import { AnthropicEventWriter } from '../../functions/providers/anthropic/event-writer.js';
import { anthropicMessages } from '../../functions/providers/anthropic/passthrough.js';
import type { MessagesApiRequest } from '../../functions/providers/anthropic/wire.js';
import { adapterFor, chatAdapter, messagesAdapter } from '../../functions/providers/registry.js';
import { anthropicErrorTypeForStatus } from '../../functions/providers/shared/error-body.js';
import { messagesToChatRequest } from '../../functions/providers/conversion/messages-to-completions-request.js';
import type { SseEvent } from '../../functions/providers/types.js';
import { PROVIDER_KINDS, type ProviderTarget } from '../../functions/core/provider-target.js';
import { parseSse } from '../support/golden-check.js';

const target = (kind: ProviderTarget['kind'], extra: Partial<ProviderTarget> = {}): ProviderTarget => ({ name: 'p', kind, baseUrl: 'http://127.0.0.1:1', model: 'm', ...extra });
const HELLO: MessagesApiRequest = { max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

describe('an adapter for every kind and client API', () => {
  it.each(PROVIDER_KINDS)('%s: chat and messages adapters that build a request', (kind) => {
    const t = target(kind, { projectId: 'p', region: 'r', formats: { Completions: {} } });
    expect(adapterFor('chat', t)).toBe(chatAdapter(kind, t));
    expect(adapterFor('messages', t)).toBe(messagesAdapter(kind, t));
    expect(() => adapterFor('chat', t).buildRequest({ messages: [{ role: 'user', content: 'hi' }] }, t)).not.toThrow();
    expect(() => adapterFor('messages', t).buildRequest(HELLO, t)).not.toThrow();
    expect(adapterFor('messages', t).streamFormat).toBe(kind === 'bedrock' ? 'aws-eventstream' : 'sse');
  });

  it('Anthropic passes Messages straight through; the others get a translation', () => {
    expect(messagesAdapter('anthropic')).toBe(anthropicMessages);
    const call = messagesAdapter('openai').buildRequest({ ...HELLO, model: 'gpt-x' }, target('openai', { model: undefined }));
    expect(call.url).toBe('http://127.0.0.1:1/v1/chat/completions');
    expect(JSON.parse(call.body)).toMatchObject({ model: 'gpt-x', max_completion_tokens: 10 });
  });
});

describe('Messages -> chat completions', () => {
  it('a user turn with tool results: the tool messages first (right after the calls), then what else the turn said', () => {
    const chat = messagesToChatRequest({
      max_tokens: 5,
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and also' },
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }] },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'calling' }], tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'done' }] },
      { role: 'user', content: [{ type: 'text', text: 'and also' }] },
    ]);
  });

  it('images, stop sequences, streaming usage, tool choice and parallelism; server tools refused', () => {
    expect(() => messagesToChatRequest({ max_tokens: 5, tools: [{ name: 'web_search', type: 'web_search_20250305' }], messages: [{ role: 'user', content: 'q' }] })).toThrow(
      /\(tools\.0\)/,
    );
    const chat = messagesToChatRequest({
      max_tokens: 5,
      stream: true,
      stop_sequences: ['X'],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } },
          ],
        },
      ],
    });
    expect(chat).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      stop: ['X'],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } },
          ],
        },
      ],
    });
  });
});

describe('Anthropic stream, passed through', () => {
  const events = (text: string): SseEvent[] => parseSse(text);
  const frame = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

  it('held until content: message_start, ping and an empty text block are not content; a delta or a tool call is', () => {
    const t = anthropicMessages.streamTranslator('m', true);
    const push = (text: string) => t.push(events(text)[0]!);
    expect(push(frame('message_start', { message: { model: 'claude-x', usage: { input_tokens: 3 } } }))).toMatchObject({ content: false, model: 'claude-x' });
    expect(push(frame('ping', {})).content).toBe(false);
    expect(push(frame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })).content).toBe(false);
    expect(push(frame('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } })).content).toBe(true);
    expect(push(frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hi' } })).content).toBe(true);
    expect(push(frame('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }))).toMatchObject({ content: true, usage: { input: 3, output: 2 } });
    expect(push(frame('message_stop', {}))).toMatchObject({ done: true, frames: [frame('message_stop', {})] });
  });

  it('an error event is a failure with the status Anthropic gives that error', () => {
    const step = anthropicMessages.streamTranslator('m', true).push(events(frame('error', { error: { type: 'rate_limit_error', message: 'slow' } }))[0]!);
    expect(step).toMatchObject({ frames: [], failure: { status: 429, type: 'rate_limit_error', message: 'slow' } });
  });

  it("upstream errors stay Anthropic's; an unreadable one gets Anthropic's shape", () => {
    expect(anthropicMessages.translateError(529, JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }))).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect(anthropicMessages.translateError(502, '<html/>')).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'The upstream provider returned HTTP 502 with an unreadable error body.' },
    });
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [503, 'overloaded_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ])("HTTP %i is Anthropic's %s", (status, type) => {
    expect(anthropicErrorTypeForStatus(status)).toBe(type);
  });
});

describe('the Anthropic event writer', () => {
  it('message_start first, blocks never interleaved, every block closed before message_delta, message_stop last', () => {
    const w = new AnthropicEventWriter('msg_1', 'm');
    const frames = [...w.thinking('hmm', '0'), ...w.text('a', '1'), ...w.toolStart('t', 'id1', 'f'), ...w.toolInput('t', '{}'), ...w.text('b')];
    w.stop('tool_use');
    w.setUsage({ input_tokens: 1, output_tokens: 2 });
    frames.push(...w.end(), ...w.end());
    const types = parseSse(frames.join('')).map((e) => e.event);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const indices = parseSse(frames.join(''))
      .map((e) => (JSON.parse(e.data) as { index?: number }).index)
      .filter((i) => i !== undefined);
    expect(indices).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });
});
