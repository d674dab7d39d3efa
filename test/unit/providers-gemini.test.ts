import { describe, expect, it } from 'vitest';
import { geminiChat, geminiModelResource, vertexModelId } from '../../functions/providers/gemini/adapter.js';
import { vertexAnthropicModel, vertexChat } from '../../functions/providers/vertex/adapter.js';
import { streamFailureFromGoogleError, translateGoogleError } from '../../functions/providers/gemini/errors.js';
import { toGenerateContentRequest } from '../../functions/providers/gemini/request.js';
import { normalizeGeminiSchema } from '../../functions/providers/gemini/schema.js';
import type { ChatCompletionRequest } from '../../functions/providers/openai/wire.js';
import { RequestNotExpressible, type StreamStep } from '../../functions/providers/types.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';

const gemini: ProviderTarget = { name: 'g', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'AIzaTEST' };
const vertex: ProviderTarget = {
  name: 'v',
  kind: 'vertexai',
  baseUrl: 'https://us-central1-aiplatform.googleapis.com',
  projectId: 'proj',
  region: 'us-central1',
  apiKey: 'ya29.token',
};
const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const body = (req: Partial<ChatCompletionRequest>, model = 'gemini-2.5-flash') => toGenerateContentRequest({ messages: [user('hi')], ...req }, model);

describe('gemini: addressing', () => {
  it.each([
    ['gemini-2.5-flash', false, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent'],
    ['gemini-2.5-flash', true, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
    ['models/gemini-2.5-flash', false, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent'],
    ['tunedModels/my-tune', false, 'https://generativelanguage.googleapis.com/v1beta/tunedModels/my-tune:generateContent'],
    // A model name can never choose the path: it stays one escaped segment.
    ['gemini/../../v1/other', false, 'https://generativelanguage.googleapis.com/v1beta/models/gemini%2F..%2F..%2Fv1%2Fother:generateContent'],
  ])('%s (stream %s)', (model, stream, url) => {
    expect(geminiChat.buildRequest({ model, messages: [user('hi')], stream }, gemini).url).toBe(url);
  });

  it('the API key goes in x-goog-api-key; Vertex sends the token as a bearer credential', () => {
    expect(geminiChat.buildRequest({ model: 'm', messages: [user('hi')] }, gemini).headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIzaTEST' });
    expect(vertexChat.buildRequest({ model: 'm', messages: [user('hi')] }, vertex).headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer ya29.token' });
  });

  it('vertex: project, location, publisher path; the publisher prefixes clients send are accepted', () => {
    expect(vertexChat.buildRequest({ model: 'publishers/google/models/gemini-2.5-pro', messages: [user('hi')], stream: true }, vertex).url).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
    expect(vertexModelId('google/gemini-2.5-pro')).toBe('gemini-2.5-pro');
    expect(vertexModelId('models/gemini-2.5-pro')).toBe('gemini-2.5-pro');
    expect(geminiModelResource('gemini-2.5-pro')).toBe('models/gemini-2.5-pro');
  });

  it('path replaces the default path; pathPrefix goes in front of it', () => {
    expect(geminiChat.buildRequest({ model: 'm', messages: [user('hi')] }, { ...gemini, path: '/proxy/generate' }).url).toBe(
      'https://generativelanguage.googleapis.com/proxy/generate',
    );
    expect(geminiChat.buildRequest({ model: 'm', messages: [user('hi')] }, { ...gemini, pathPrefix: '/google/' }).url).toBe(
      'https://generativelanguage.googleapis.com/google/v1beta/models/m:generateContent',
    );
  });

  it('no model anywhere: refused before any call', () => {
    expect(() => geminiChat.buildRequest({ messages: [user('hi')] }, gemini)).toThrow(RequestNotExpressible);
  });
});

describe('gemini: request translation', () => {
  it('alternating turns: consecutive user turns merge; an image-only turn gets a text filler', () => {
    const req = body({ messages: [user('one'), user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }])] });
    expect(req.contents).toEqual([{ role: 'user', parts: [{ text: 'one' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }]);
    expect(body({ messages: [user([{ type: 'image_url', image_url: { url: 'data:image/jpg;base64,BBBB' } }])] }).contents).toEqual([
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/jpeg', data: 'BBBB' } }, { text: ' ' }] },
    ]);
  });

  it('images: gs:// by reference with a MIME type from the extension or a hint; http(s) refused (Gemini cannot fetch it)', () => {
    expect(
      body({
        messages: [
          user([
            { type: 'image_url', image_url: { url: 'gs://b/photo.webp' } },
            { type: 'text', text: 'x' },
          ]),
        ],
      }).contents[0]!.parts[0],
    ).toEqual({ fileData: { mimeType: 'image/webp', fileUri: 'gs://b/photo.webp' } });
    expect(
      body({
        messages: [
          user([
            { type: 'image_url', image_url: { url: 'gs://b/object', format: 'png' } },
            { type: 'text', text: 'x' },
          ]),
        ],
      }).contents[0]!.parts[0],
    ).toEqual({ fileData: { mimeType: 'image/png', fileUri: 'gs://b/object' } });
    expect(() => body({ messages: [user([{ type: 'image_url', image_url: { url: 'gs://b/object' } }])] })).toThrow(RequestNotExpressible);
    expect(() => body({ messages: [user([{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }])] })).toThrow(/cannot fetch image URLs/);
  });

  it('function responses: named after their call, in their own user turn, in call order even when sent out of order', () => {
    const req = body({
      messages: [
        user('weather?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'c2', type: 'function', function: { name: 'time', arguments: 'not json' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c2', content: '12:00' },
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'sunny' }] },
        user('thanks'),
      ],
    });
    expect(req.contents).toEqual([
      { role: 'user', parts: [{ text: 'weather?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }, { functionCall: { name: 'time', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { content: 'sunny' } } }, { functionResponse: { name: 'time', response: { content: '12:00' } } }] },
      { role: 'user', parts: [{ text: 'thanks' }] },
    ]);
  });

  it('a Gemini 3 thought signature rides in the tool call id and goes back on the function call', () => {
    const req = body({
      messages: [
        user('q'),
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1__thought__SIG==', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1__thought__SIG==', content: 'r' },
      ],
    });
    expect(req.contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'SIG==' }] });
    expect(req.contents[2]!.parts[0]).toEqual({ functionResponse: { name: 'f', response: { content: 'r' } } });
  });

  it('generation config: tokens, stop, sampling, JSON mode; none at all when nothing is set', () => {
    expect(body({}).generationConfig).toBeUndefined();
    expect(
      body({ max_completion_tokens: 10, max_tokens: 99, stop: ['a', 'b'], temperature: 0, top_p: 1, seed: 7, response_format: { type: 'json_object' } }).generationConfig,
    ).toEqual({
      maxOutputTokens: 10,
      stopSequences: ['a', 'b'],
      temperature: 0,
      topP: 1,
      seed: 7,
      responseMimeType: 'application/json',
    });
  });

  it('reasoning_effort: a budget for Gemini 2.5, a level for Gemini 3; none sends nothing', () => {
    expect(body({ reasoning_effort: 'medium' }).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } });
    expect(body({ reasoning_effort: 'xhigh' }, 'gemini-3-pro-preview').generationConfig).toEqual({ thinkingConfig: { thinkingLevel: 'high', includeThoughts: true } });
    expect(body({ reasoning_effort: 'none' }).generationConfig).toBeUndefined();
  });

  it('tool_choice modes', () => {
    expect(body({ tool_choice: 'none' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(body({ tool_choice: 'auto' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(body({ tool_choice: 'required' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it("the client's request is never changed (a later attempt reuses it)", () => {
    const schema = { type: 'object', properties: { a: { $ref: '#/$defs/A' } }, $defs: { A: { type: 'string' } }, additionalProperties: false };
    const req: ChatCompletionRequest = { messages: [user('x')], tools: [{ type: 'function', function: { name: 'f', parameters: schema } }] };
    const before = JSON.stringify(req);
    body(req);
    expect(JSON.stringify(req)).toBe(before);
  });
});

describe('gemini: JSON Schema -> Gemini schema', () => {
  it('$ref inlined, $defs dropped, additionalProperties dropped, unknown keywords dropped', () => {
    expect(
      normalizeGeminiSchema({
        type: 'object',
        properties: { p: { $ref: '#/$defs/P', description: 'who' } },
        $defs: { P: { type: 'object', properties: { n: { type: 'string', examples: ['x'] } } } },
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      properties: { p: { type: 'object', description: 'who', properties: { n: { type: 'string' } } } },
    });
  });

  it('nullable unions, type arrays, const, allOf, arrays without items, enums on non-strings', () => {
    expect(normalizeGeminiSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({ type: 'string', nullable: true });
    expect(normalizeGeminiSchema({ type: ['integer', 'null'] })).toEqual({ type: 'integer', nullable: true });
    expect(normalizeGeminiSchema({ const: 'fixed' })).toEqual({ type: 'string', enum: ['fixed'] });
    expect(
      normalizeGeminiSchema({
        allOf: [
          { properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'number' } }, required: ['b'] },
        ],
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(normalizeGeminiSchema({ type: 'array' })).toEqual({ type: 'array', items: { type: 'object' } });
    expect(normalizeGeminiSchema({ type: 'integer', enum: [1, 2] })).toEqual({ type: 'integer' });
  });

  it('a recursive $ref stops instead of looping', () => {
    const out = normalizeGeminiSchema({ $ref: '#/$defs/Node', $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } } });
    expect(out.type).toBe('object');
  });
});

describe('gemini: answers', () => {
  it('thoughts become reasoning_content; function calls get ids (with a thought signature riding along)', () => {
    const { body: c } = geminiChat.translateResponse(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { text: 'hmm', thought: true },
                { functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'S1' },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, thoughtsTokenCount: 2, cachedContentTokenCount: 1, totalTokenCount: 10 },
        responseId: 'r1',
      },
      'gemini-x',
    );
    expect(c.model).toBe('gemini-x');
    expect(c.choices[0]).toMatchObject({
      message: { content: null, reasoning_content: 'hmm', tool_calls: [{ id: 'call_r1_0__thought__S1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      finish_reason: 'tool_calls',
    });
    expect(c.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 5,
      total_tokens: 10,
      prompt_tokens_details: { cached_tokens: 1 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'stop'],
    ['SOMETHING_NEW', 'stop'],
  ])('finishReason %s -> %s', (reason, finish) => {
    const { body: c } = geminiChat.translateResponse({ candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: reason }] }, 'm');
    expect(c.choices[0]!.finish_reason).toBe(finish);
  });

  it('a body that is not a GenerateContentResponse is malformed', () => {
    expect(() => geminiChat.translateResponse({ choices: [] }, 'm')).toThrow(/not a GenerateContentResponse/);
  });

  it('stream: usage only on the terminal chunk; [DONE] at the close after a finishReason, a broken stream otherwise', () => {
    const t = geminiChat.streamTranslator('m', true);
    const push = (chunk: unknown): StreamStep => t.push({ data: JSON.stringify(chunk) });
    const first = push({
      candidates: [{ content: { parts: [{ text: 'Hel' }] } }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 },
      modelVersion: 'gemini-2.5-flash',
    });
    expect(first.content).toBe(true);
    expect(first.model).toBe('gemini-2.5-flash');
    expect(JSON.parse(first.frames[0]!.slice(6))).toMatchObject({ choices: [{ delta: { role: 'assistant', content: 'Hel' } }], usage: null });
    expect(t.finish!()).toBeUndefined();
    const last = push({
      candidates: [{ content: { parts: [{ text: 'lo' }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    });
    expect(JSON.parse(last.frames[0]!.slice(6))).toMatchObject({
      choices: [{ delta: { content: 'lo' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    expect(last.usage).toEqual({ input: 3, output: 2 });
    expect(t.finish!()).toEqual({ frames: ['data: [DONE]\n\n'], content: false, done: true });
  });

  it('stream: an error chunk is a failure with the status its Google name stands for', () => {
    const step = geminiChat.streamTranslator('m', false).push({ data: JSON.stringify({ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } }) });
    expect(step.failure).toEqual({ status: 429, type: 'RESOURCE_EXHAUSTED', message: 'quota' });
    expect(streamFailureFromGoogleError({ error: { message: 'x', status: 'UNAVAILABLE' } })!.status).toBe(503);
  });
});

describe('gemini: errors', () => {
  it.each([
    ['RESOURCE_EXHAUSTED', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['UNAVAILABLE', 503, 'server_error', 'service_unavailable'],
    ['INVALID_ARGUMENT', 400, 'invalid_request_error', null],
    ['PERMISSION_DENIED', 403, 'permission_error', null],
    ['NOT_FOUND', 404, 'not_found_error', 'model_not_found'],
    ['UNAUTHENTICATED', 401, 'authentication_error', 'invalid_api_key'],
    ['DEADLINE_EXCEEDED', 504, 'server_error', 'timeout'],
  ])('%s', (name, code, type, errorCode) => {
    expect(translateGoogleError(code, JSON.stringify({ error: { code, message: `m ${name}`, status: name } }))).toEqual({ error: { message: `m ${name}`, type, code: errorCode } });
  });

  it('a bad API key (400 with reason API_KEY_INVALID) is an authentication error to the client, and the key is scrubbed', () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key. api_key=AIzaSyBAD123',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      },
    });
    expect(translateGoogleError(400, body)).toEqual({
      error: { message: 'API key not valid. Please pass a valid API key. api_key=[redacted]', type: 'authentication_error', code: 'invalid_api_key' },
    });
  });

  it("Vertex's array-wrapped errors and unreadable bodies", () => {
    expect(translateGoogleError(429, JSON.stringify([{ error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' } }])).error.type).toBe('rate_limit_error');
    expect(translateGoogleError(502, '<html>bad gateway</html>').error.message).toMatch(/HTTP 502/);
  });
});

describe('vertex: Claude models (publisher anthropic)', () => {
  it.each([
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['anthropic/claude-haiku-4-5-20251001', 'claude-haiku-4-5@20251001'],
    ['publishers/anthropic/models/claude-3-5-sonnet-20241022', 'claude-3-5-sonnet@20241022'],
    ['claude-opus-4-6', 'claude-opus-4-6'],
    ['gemini-2.5-pro', undefined],
  ])('%s -> %s', (model, expected) => {
    expect(vertexAnthropicModel(model)).toBe(expected);
  });

  it("a chat request for a Claude model: the Messages body without model, Vertex's anthropic_version, rawPredict", () => {
    const call = vertexChat.buildRequest({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'system', content: 's' }, user('hi')], stream: true }, vertex);
    expect(call.url).toBe('https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/publishers/anthropic/models/claude-sonnet-4-5:streamRawPredict');
    expect(call.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer ya29.token', accept: 'text/event-stream' });
    expect(JSON.parse(call.body)).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      system: 's',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      max_tokens: 4096,
      stream: true,
    });
  });

  it("answers and errors are read in the publisher's own format", () => {
    const claude = vertexChat.translateResponse(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'hi' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 1, output_tokens: 1 },
      },
      'claude-sonnet-4-5',
    );
    expect(claude.body.choices[0]!.message.content).toBe('hi');
    const google = vertexChat.translateResponse({ candidates: [{ content: { parts: [{ text: 'yo' }] }, finishReason: 'STOP' }] }, 'gemini-2.5-pro');
    expect(google.body.choices[0]!.message.content).toBe('yo');
    expect(vertexChat.translateError(529, JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).error).toMatchObject({
      type: 'server_error',
      code: 'overloaded',
    });
    expect(vertexChat.translateError(429, JSON.stringify({ error: { code: 429, message: 'q', status: 'RESOURCE_EXHAUSTED' } })).error.type).toBe('rate_limit_error');
  });
});
