import { describe, expect, it, vi } from 'vitest';
import { openaiChat } from '../../functions/providers/openai/adapter.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
import type { ChatCompletionRequest } from '../../functions/providers/openai/wire.js';

const target: ProviderTarget = { name: 'oai', kind: 'openai', baseUrl: 'https://api.openai.com', apiKey: 'sk-test-1234567890' };
const request: ChatCompletionRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], seed: 7 };

const data = (payload: unknown) => ({ data: JSON.stringify(payload) });

describe('openai buildRequest', () => {
  it.each([
    [{}, 'https://api.openai.com/v1/chat/completions'],
    [{ pathPrefix: '/openai/v1' }, 'https://api.openai.com/openai/v1/chat/completions'],
    [{ pathPrefix: '' }, 'https://api.openai.com/chat/completions'],
    [{ path: '/custom/complete', pathPrefix: '/ignored' }, 'https://api.openai.com/custom/complete'],
  ])('url for %j', (extra, url) => {
    expect(openaiChat.buildRequest(request, { ...target, ...extra }).url).toBe(url);
  });

  it('sends the key as a bearer token, and no authorization header without one', () => {
    expect(openaiChat.buildRequest(request, target).headers).toEqual({
      authorization: 'Bearer sk-test-1234567890',
      'content-type': 'application/json',
    });
    const { apiKey: _, ...keyless } = target;
    expect(openaiChat.buildRequest(request, keyless).headers).toEqual({ 'content-type': 'application/json' });
  });

  it('accepts an event stream when streaming', () => {
    expect(openaiChat.buildRequest({ ...request, stream: true }, target).headers.accept).toBe('text/event-stream');
  });

  it('passes the body through unchanged without an override', () => {
    expect(JSON.parse(openaiChat.buildRequest(request, target).body)).toEqual(request);
  });

  it('overrides the model without touching the caller’s request', () => {
    const before = structuredClone(request);
    const body = JSON.parse(openaiChat.buildRequest(request, { ...target, model: 'gpt-4.1' }).body);
    expect(body).toEqual({ ...request, model: 'gpt-4.1' });
    expect(request).toEqual(before);
  });

  it('fills in the model when the client sent none', () => {
    const { model: _, ...modelless } = request;
    expect(JSON.parse(openaiChat.buildRequest(modelless, { ...target, model: 'gpt-4.1' }).body).model).toBe('gpt-4.1');
  });
});

describe('openai translateResponse', () => {
  const completion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    system_fingerprint: 'fp',
  };

  it('passes the body through and reports model and usage', () => {
    const out = openaiChat.translateResponse(completion, 'gpt-4o');
    expect(out.body).toBe(completion);
    expect(out.model).toBe('gpt-4o-2024-08-06');
    expect(out.usage).toEqual({ input: 9, output: 3 });
  });

  it('falls back to the sent model and no usage', () => {
    const { model: _m, usage: _u, ...bare } = completion;
    const out = openaiChat.translateResponse(bare, 'gpt-4o');
    expect(out.model).toBe('gpt-4o');
    expect(out.usage).toBeUndefined();
  });

  it.each([null, 'text', [], { object: 'chat.completion' }, { choices: 'no' }])('rejects %j', (body) => {
    expect(() => openaiChat.translateResponse(body, 'gpt-4o')).toThrow(/choices/);
  });
});

describe('openai streamTranslator', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  });

  it('forwards each event as the same frame and reports the model once', () => {
    const t = openaiChat.streamTranslator('gpt-4o', false);
    const first = data(chunk({ role: 'assistant', content: '' }));
    const step = t.push(first);
    expect(step).toEqual({ frames: [`data: ${first.data}\n\n`], content: false, done: false, model: 'gpt-4o-2024-08-06' });
    const second = t.push(data(chunk({ content: 'Hel' })));
    expect(second.content).toBe(true);
    expect(second.model).toBeUndefined();
  });

  it.each([
    ['text', chunk({ content: 'x' })],
    ['a tool call', chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] })],
    ['a finish reason', chunk({}, 'stop')],
    ['reasoning', chunk({ reasoning_content: 'hmm' })],
    ['a usage-only final chunk', { ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }],
  ])('counts %s as content', (_, payload) => {
    expect(openaiChat.streamTranslator('m', true).push(data(payload)).content).toBe(true);
  });

  it.each([
    ['the role-only opening delta', chunk({ role: 'assistant', content: '' })],
    ['an empty delta', chunk({})],
    ['a chunk with no choices and no usage', { ...chunk({}), choices: [] }],
  ])('does not count %s as content', (_, payload) => {
    expect(openaiChat.streamTranslator('m', true).push(data(payload)).content).toBe(false);
  });

  it('reports usage when a chunk carries it', () => {
    const step = openaiChat.streamTranslator('m', true).push(data({ ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }));
    expect(step.usage).toEqual({ input: 5, output: 2 });
  });

  it('ends on [DONE]', () => {
    expect(openaiChat.streamTranslator('m', false).push({ data: '[DONE]' })).toEqual({
      frames: ['data: [DONE]\n\n'],
      content: false,
      done: true,
    });
  });

  it('ends on [DONE] with spaces around it, however many; text that only quotes it is content', () => {
    for (const data of [' [DONE]', '[DONE] ', `${' '.repeat(40)}[DONE]\t`]) expect(openaiChat.streamTranslator('m', false).push({ data }).done, JSON.stringify(data)).toBe(true);
    const t = openaiChat.streamTranslator('m', false);
    const quoting = JSON.stringify({ choices: [{ index: 0, delta: { content: 'send [DONE] when finished' }, finish_reason: null }] });
    expect(t.push({ data: quoting }).done).toBe(false);
  });

  it.each([
    [{ message: 'Rate limit reached for gpt-4o', type: 'requests', code: 'rate_limit_exceeded' }, 429],
    [{ message: 'The server had an error', type: 'server_error', code: null }, 500],
    [{ message: 'Provider returned error', code: 502 }, 502],
    [{ message: 'something odd', type: 'weird' }, 500],
  ])('turns an in-stream error %j into a failure with status %i', (error, status) => {
    const step = openaiChat.streamTranslator('m', false).push(data({ error }));
    expect(step.frames).toEqual([]);
    expect(step.done).toBe(false);
    expect(step.failure).toMatchObject({ status, message: error.message });
  });

  it('scrubs keys from in-stream error messages', () => {
    const step = openaiChat
      .streamTranslator('m', false)
      .push(data({ error: { message: 'Incorrect API key provided: sk-proj-abcdef123456', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    expect(step.failure).toEqual({ status: 401, type: 'invalid_request_error', message: 'Incorrect API key provided: [redacted]' });
  });

  it('after the first content, still finds an error, usage and the end (chunks naming neither are passed on unparsed)', () => {
    const t = openaiChat.streamTranslator('m', true);
    t.push(data(chunk({ content: 'Hel' })));
    const plain = data(chunk({ content: 'lo' }));
    expect(t.push(plain)).toEqual({ frames: [`data: ${plain.data}\n\n`], content: true, done: false });
    // Not JSON at all: passed on as is, as before the first content.
    expect(t.push({ data: 'keep-alive' }).frames).toEqual(['data: keep-alive\n\n']);
    expect(t.push(data({ error: { message: 'overloaded', type: 'server_error' } })).failure).toMatchObject({ status: 500, message: 'overloaded' });
    expect(t.push(data({ ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } })).usage).toEqual({ input: 5, output: 2 });
    expect(t.push({ data: '[DONE]' }).done).toBe(true);
  });

  it('with include_usage, a chunk saying "usage":null is passed on, and the last chunk\'s usage is still read', () => {
    const t = openaiChat.streamTranslator('m', true);
    t.push(data({ ...chunk({ content: 'Hel' }), usage: null }));
    const plain = data({ ...chunk({ content: 'lo' }), usage: null });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(t.push(plain)).toEqual({ frames: [`data: ${plain.data}\n\n`], content: true, done: false });
      expect(parse).not.toHaveBeenCalled(); // passed on unparsed, as a chunk without the key is
    } finally {
      parse.mockRestore();
    }
    expect(t.push({ data: '{"id":"c1","choices":[],"usage" : {"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}' }).usage).toEqual({ input: 5, output: 2 });
  });

  it('forwards non-JSON data untouched', () => {
    expect(openaiChat.streamTranslator('m', false).push({ data: 'keep-alive' })).toEqual({
      frames: ['data: keep-alive\n\n'],
      content: false,
      done: false,
    });
  });
});

describe('openai translateError', () => {
  it('keeps an OpenAI error body as it is', () => {
    const body = JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', param: 'messages', code: null } });
    expect(openaiChat.translateError(400, body)).toEqual({
      error: { message: 'bad', type: 'invalid_request_error', param: 'messages', code: null },
    });
  });

  it('never echoes a key', () => {
    const body = JSON.stringify({
      error: { message: 'Incorrect API key provided: sk-abc123def456ghi. Header authorization: Bearer abcdefghijkl', type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    const { error } = openaiChat.translateError(401, body);
    expect(error.message).not.toMatch(/sk-abc|abcdefghijkl/);
    expect(error.message).toContain('[redacted]');
    expect(error.code).toBe('invalid_api_key');
  });

  it('fills in a type from the status when the upstream gave none', () => {
    expect(openaiChat.translateError(429, JSON.stringify({ error: { message: 'slow down', code: 429 } }))).toEqual({
      error: { message: 'slow down', type: 'rate_limit_error', code: '429' },
    });
  });

  it.each([
    [502, '<html>Bad Gateway</html>', 'server_error'],
    [404, '', 'not_found_error'],
    [400, '{"detail":"no"}', 'invalid_request_error'],
  ])('gives a generic error for an unreadable %i body', (status, body, type) => {
    const { error } = openaiChat.translateError(status, body);
    expect(error).toEqual({ message: expect.stringContaining(`HTTP ${status}`), type, code: null });
    expect(error.message).not.toContain('html');
  });
});
