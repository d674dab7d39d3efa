/**
 * Gemini through the engine — the Gemini API (Google AI Studio) and Vertex AI — against the
 * simulator speaking generateContent / streamGenerateContent: the request as Google receives it
 * (URL, credential header, body), answers buffered and streamed (SSE with no end marker), and
 * Google's errors (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`, ...) in the verdict, as plain responses
 * and inside the stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { answerText } from '../../functions/simulator/answer.js';
import type { Fault } from '../../functions/simulator/faults.js';
import {
  compileYaml,
  faultsByModel,
  gatewayYaml,
  HELLO,
  HELLO_MESSAGES,
  messagesEvents,
  servedBy,
  sseData,
  startGateway,
  streamedText,
  type Gateway,
  type GatewayOptions,
  type GatewaySpec,
} from '../support/harness.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});
async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}

const GEMINI_FIRST: GatewaySpec = { groups: [[{ name: 'a', kind: 'gemini', model: 'gemini-2.5-flash' }], [{ name: 'b', kind: 'anthropic' }]] };
const VERTEX_FIRST: GatewaySpec = {
  groups: [
    [{ name: 'a', kind: 'vertexai', model: 'gemini-2.5-pro', options: { projectId: 'my-project', region: 'europe-west4' }, key: 'ya29.vertex-access-token' }],
    [{ name: 'b', kind: 'anthropic' }],
  ],
};
const googleError = (code: number, statusName?: string, message?: string): Fault => ({
  kind: 'status',
  status: code,
  ...(statusName && { errorType: statusName }),
  ...(message && { message }),
});
const answer = (model: string) => answerText(model, 'Hello there');

describe('gemini: the call as Google receives it', () => {
  it('Gemini API: /v1beta/models/{model}:generateContent with x-goog-api-key, and the generateContent body', async () => {
    const g = await start({ config: GEMINI_FIRST });
    const res = await g.chat({
      ...HELLO,
      messages: [{ role: 'system', content: 'Be brief.' }, ...HELLO.messages],
      max_tokens: 64,
      temperature: 0.3,
      top_p: 0.9,
      stop: 'END',
      response_format: { type: 'json_object' },
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', description: 'Look it up', parameters: { type: 'object', properties: { q: { type: 'string' } }, additionalProperties: false } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
    });
    expect(res.status).toBe(200);
    const call = g.sim.calls[0]!;
    expect(call.api).toBe('gemini');
    expect(`${call.path}${call.query ? `?${call.query}` : ''}`).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(call.headers['x-goog-api-key']).toBe('sk-test-a-0123456789');
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello there' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      tools: [{ functionDeclarations: [{ name: 'lookup', description: 'Look it up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['lookup'] } },
      generationConfig: { maxOutputTokens: 64, temperature: 0.3, topP: 0.9, stopSequences: ['END'], responseMimeType: 'application/json' },
    });
  });

  it('streaming asks for :streamGenerateContent?alt=sse (without alt=sse Google answers a JSON array)', async () => {
    const g = await start({ config: GEMINI_FIRST });
    await (await g.chat({ ...HELLO, stream: true })).text();
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(call.query).toBe('alt=sse');
  });

  it('Vertex AI: the project, region and publisher path, the token as a bearer credential', async () => {
    const g = await start({ config: VERTEX_FIRST });
    await (await g.chat(HELLO)).text();
    await (await g.chat({ ...HELLO, stream: true })).text();
    const [buffered, streamed] = g.sim.calls;
    expect(buffered!.path).toBe('/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent');
    expect(streamed!.path).toBe('/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent');
    expect(streamed!.query).toBe('alt=sse');
    expect(buffered!.headers.authorization).toBe('Bearer ya29.vertex-access-token');
    expect(buffered!.headers['x-goog-api-key']).toBeUndefined();
  });

  it('Vertex AI addresses: the global endpoint by default, regional and multi-region hosts', () => {
    const target = (options: Record<string, unknown>) => {
      const yaml = gatewayYaml({ groups: [[{ name: 'v', kind: 'vertexai', model: 'gemini-2.5-pro', options }]] }, 1).replace(/\n\s+host: 127\.0\.0\.1\n\s+port: 1\n/, '\n');
      return compileYaml(yaml).backends[0]!.providers[0]!.target;
    };
    expect(target({ projectId: 'p' })).toMatchObject({ baseUrl: 'https://aiplatform.googleapis.com', region: 'global', projectId: 'p' });
    expect(target({ projectId: 'p', region: 'us-central1' }).baseUrl).toBe('https://us-central1-aiplatform.googleapis.com');
    expect(target({ projectId: 'p', region: 'eu' }).baseUrl).toBe('https://aiplatform.eu.rep.googleapis.com');
    const gemini = compileYaml(gatewayYaml({ groups: [[{ name: 'g', kind: 'gemini' }]] }, 1).replace(/\n\s+host: 127\.0\.0\.1\n\s+port: 1\n/, '\n')).backends[0]!.providers[0]!
      .target;
    expect(gemini.baseUrl).toBe('https://generativelanguage.googleapis.com');
  });

  it('Vertex AI with a token from a Secret', async () => {
    const config = (port: number) =>
      gatewayYaml({ groups: [[{ name: 'a', kind: 'vertexai', model: 'gemini-2.5-pro', key: null, policies: { auth: { secretRef: { name: 'vertex-token' } } } }]] }, port) +
      '---\n' +
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: vertex-token\n  namespace: gw\nstringData:\n  Authorization: Bearer ya29.from-a-secret\n';
    const g = await start({ config });
    expect((await g.chat(HELLO)).status).toBe(200);
    expect(g.sim.calls[0]!.headers.authorization).toBe('Bearer ya29.from-a-secret');
  });
});

describe('gemini: answers', () => {
  it('buffered, to the OpenAI SDK: text, finish reason, usage, the model Google reports', async () => {
    const g = await start({ config: GEMINI_FIRST });
    const { data, response } = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello there' }] }).withResponse();
    expect(servedBy(response.headers)).toEqual({ provider: 'a', model: 'gemini-2.5-flash', attempts: 'a:200' });
    expect(data.choices[0]!.message.content).toBe(answer('gemini-2.5-flash'));
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('streamed, to the OpenAI SDK: chunks, the finish reason, usage, and [DONE] when Google closes the stream', async () => {
    const g = await start({ config: GEMINI_FIRST });
    const res = await g.chat({ ...HELLO, stream: true, stream_options: { include_usage: true } });
    const text = await res.text();
    expect(streamedText(text)).toBe(answer('gemini-2.5-flash'));
    const data = sseData(text);
    expect(data.at(-1)).toBe('[DONE]');
    const last = JSON.parse(data.at(-2)!) as { choices: Array<{ finish_reason: string }>; usage: { total_tokens: number } };
    expect(last.choices[0]!.finish_reason).toBe('stop');
    expect(last.usage.total_tokens).toBeGreaterThan(0);

    const chunks = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello there' }], stream: true });
    let streamed = '';
    for await (const chunk of chunks) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe(answer('gemini-2.5-flash'));
  });

  it('to the Anthropic SDK, buffered and streamed (through the chat translation)', async () => {
    const g = await start({ config: VERTEX_FIRST });
    const message = await g.anthropic.messages.create({ model: 'x', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: answer('gemini-2.5-pro') }]);
    expect(g.sim.calls[0]!.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 50 } });
    const res = await g.messages({ ...HELLO_MESSAGES, stream: true });
    const events = messagesEvents(await res.text());
    expect(events.map(([e]) => e)).toEqual([
      'message_start',
      'content_block_start',
      ...events.slice(2, -3).map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.at(-2)![1]).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: expect.any(Number) } });
  });
});

describe('gemini: Google errors into the verdict', () => {
  it.each([
    [429, 'RESOURCE_EXHAUSTED', true, 'rate_limit_error'],
    [503, 'UNAVAILABLE', true, 'server_error'],
    [500, 'INTERNAL', true, 'server_error'],
    [400, 'INVALID_ARGUMENT', false, 'invalid_request_error'],
    [403, 'PERMISSION_DENIED', false, 'permission_error'],
    [404, 'NOT_FOUND', false, 'not_found_error'],
  ] as const)('HTTP %i %s: fails over = %s', async (code, name, failsOver, type) => {
    const g = await start({ config: GEMINI_FIRST, faults: faultsByModel({ 'gemini-2.5-flash': googleError(code, name, `simulated ${name}`) }) });
    const res = await g.chat(HELLO);
    if (failsOver) {
      expect(res.status).toBe(200);
      expect(servedBy(res.headers).attempts).toBe(`a:${code},b:200`);
    } else {
      expect(res.status).toBe(code);
      expect(servedBy(res.headers).attempts).toBe(`a:${code}`);
      expect(((await res.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type, message: `simulated ${name}` });
    }
  });

  it('RESOURCE_EXHAUSTED alone: the client gets a 429 rate limit error (OpenAI shape; Anthropic shape on /v1/messages)', async () => {
    const g = await start({
      config: { groups: [[{ name: 'a', kind: 'gemini', model: 'gemini-2.5-flash' }]] },
      faults: () => googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'),
    });
    const chat = await g.chat(HELLO);
    expect(chat.status).toBe(429);
    expect(await chat.json()).toEqual({ error: { message: 'Quota exceeded', type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    const messages = await g.messages(HELLO_MESSAGES);
    expect(messages.status).toBe(429);
    expect(await messages.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Quota exceeded' } });
  });

  it.each([
    ['RESOURCE_EXHAUSTED', 429],
    ['UNAVAILABLE', 503],
  ] as const)('%s inside the stream before content: a failed attempt with status %i, fails over', async (name, code) => {
    const g = await start({ config: GEMINI_FIRST, faults: faultsByModel({ 'gemini-2.5-flash': { kind: 'stream-error-before-content', errorType: name, message: 'try later' } }) });
    const res = await g.chat({ ...HELLO, stream: true });
    expect(servedBy(res.headers).attempts).toBe(`a:${code},b:200`);
    expect(streamedText(await res.text())).toBe(answer('model-b'));
  });

  it('a stream that closes before its finishReason is broken: before content it fails over, after content it ends with an error event', async () => {
    const g = await start({
      config: GEMINI_FIRST,
      faults: faultsByModel({
        'gemini-2.5-flash': [
          { kind: 'stream-break', afterEvents: 0 },
          { kind: 'stream-break', afterEvents: 2 },
        ],
      }),
    });
    const first = await g.chat({ ...HELLO, stream: true });
    await first.text();
    expect(servedBy(first.headers).attempts).toBe('a:reset,b:200');
    const second = await g.chat({ ...HELLO, stream: true });
    const data = sseData(await second.text());
    expect(servedBy(second.headers).attempts).toBe('a:200');
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: 'upstream_stream_broken' } });
  });

  it('a Google error chunk after content ends the stream with an error event', async () => {
    const g = await start({ config: GEMINI_FIRST, faults: faultsByModel({ 'gemini-2.5-flash': { kind: 'stream-error-after-content', afterEvents: 2, errorType: 'INTERNAL' } }) });
    const data = sseData(await (await g.chat({ ...HELLO, stream: true })).text());
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: 'INTERNAL' } });
  });
});

describe('Claude on Vertex AI', () => {
  const CLAUDE_ON_VERTEX: GatewaySpec = {
    groups: [
      [{ name: 'a', kind: 'vertexai', model: 'claude-sonnet-4-5@20250929', options: { projectId: 'proj', region: 'us-east5' }, key: 'ya29.t' }],
      [{ name: 'b', kind: 'anthropic' }],
    ],
  };

  it('chat and Messages clients, buffered and streamed, through rawPredict / streamRawPredict', async () => {
    const g = await start({ config: CLAUDE_ON_VERTEX });
    const chat = (await (await g.chat(HELLO)).json()) as { choices: Array<{ message: { content: string } }> };
    expect(chat.choices[0]!.message.content).toBe(answer('claude-sonnet-4-5@20250929'));
    expect(streamedText(await (await g.chat({ ...HELLO, stream: true })).text())).toBe(answer('claude-sonnet-4-5@20250929'));
    const message = await g.anthropic.messages.create(HELLO_MESSAGES);
    expect(message.content).toEqual([{ type: 'text', text: answer('claude-sonnet-4-5@20250929') }]);
    const final = await g.anthropic.messages.stream(HELLO_MESSAGES).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: answer('claude-sonnet-4-5@20250929') }]);
    expect(g.sim.calls.map((c) => `${c.api} ${c.path}`)).toEqual([
      'anthropic /v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict',
      'anthropic /v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict',
      'anthropic /v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict',
      'anthropic /v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict',
    ]);
    for (const call of g.sim.calls) {
      expect(call.body.anthropic_version).toBe('vertex-2023-10-16');
      expect(call.body.model).toBeUndefined();
      expect(call.headers.authorization).toBe('Bearer ya29.t');
    }
  });

  it('an overloaded Claude on Vertex (529, or overloaded_error inside the stream) fails over', async () => {
    const g = await start({
      config: CLAUDE_ON_VERTEX,
      faults: faultsByModel({ 'claude-sonnet-4-5@20250929': [{ kind: 'status', status: 529 }, { kind: 'stream-error-before-content' }] }),
    });
    expect(servedBy((await g.chat(HELLO)).headers).attempts).toBe('a:529,b:200');
    const res = await g.messages({ ...HELLO_MESSAGES, stream: true });
    await res.text();
    expect(servedBy(res.headers).attempts).toBe('a:529,b:200');
  });
});
