/**
 * The Anthropic Messages endpoint (`POST /v1/messages`) through the Node server and the engine,
 * with the official `@anthropic-ai/sdk` client: passed straight through to Anthropic providers
 * (model override and `anthropic-beta` applied), the served-by headers, bad input refused in
 * Anthropic's error shape without an upstream call, upstream errors in that shape, and the hold
 * until first content (an `overloaded_error` inside a 200 fails over; after content the SDK raises).
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { answerText } from '../../functions/simulator/answer.js';
import type { Fault } from '../../functions/simulator/faults.js';
import { faultsByModel, HELLO_MESSAGES, messagesEvents, servedBy, startGateway, type Gateway, type GatewayOptions, type GatewaySpec } from '../support/harness.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});
async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}

const TWO: GatewaySpec = { groups: [[{ name: 'a' }], [{ name: 'b' }]] };
const answer = (model: string, prompt = 'Hello there') => answerText(model, prompt);
const status = (code: number, message?: string, errorType?: string): Fault => ({ kind: 'status', status: code, ...(message && { message }), ...(errorType && { errorType }) });

interface AnthropicErrorShape {
  type: 'error';
  error: { type: string; message: string };
}

function expectAnthropicError(json: unknown, type: string): asserts json is AnthropicErrorShape {
  expect(Object.keys(json as object).sort()).toEqual(['error', 'type']);
  expect(json).toMatchObject({ type: 'error', error: { type, message: expect.any(String) } });
}

describe('the Messages endpoint, passed through to Anthropic', () => {
  it("buffered, through the Anthropic SDK: the client's body with the provider's model, and the served-by headers", async () => {
    const g = await start({ config: TWO });
    const request = {
      model: 'claude-client-choice',
      max_tokens: 300,
      system: [{ type: 'text' as const, text: 'You are terse.', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'Hello there' }],
      metadata: { user_id: 'u-1' },
      top_k: 5,
    };
    const { data, response } = await g.anthropic.messages.create(request, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } }).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: answer('model-a') }]);
    expect(servedBy(response.headers)).toEqual({ provider: 'a', model: 'model-a', attempts: 'a:200' });
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/v1/messages');
    expect(call.body).toEqual({ ...request, model: 'model-a' });
    expect(call.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(call.headers['x-api-key']).toBe('sk-test-a-0123456789');
  });

  it("a provider without a pinned model sends the client's", async () => {
    const g = await start({ config: { groups: [[{ name: 'a', model: null }]] } });
    await g.anthropic.messages.create({ ...HELLO_MESSAGES, model: 'claude-sonnet-4-5' });
    expect(g.sim.calls[0]!.body.model).toBe('claude-sonnet-4-5');
  });

  it("streamed: Anthropic's events relayed as they came, through the SDK's stream helper", async () => {
    const g = await start({ config: TWO });
    const res = await g.messages({ ...HELLO_MESSAGES, stream: true });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(servedBy(res.headers)).toEqual({ provider: 'a', model: 'model-a', attempts: 'a:200' });
    const events = messagesEvents(await res.text());
    expect(events[0]![0]).toBe('message_start');
    expect(events.map(([e]) => e)).toContain('ping');
    expect(events.at(-1)![0]).toBe('message_stop');

    const stream = g.anthropic.messages.stream(HELLO_MESSAGES);
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe(answer('model-a'));
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe("bad input: a 400 in Anthropic's shape, no upstream call", () => {
  it.each([
    ['not JSON', '{"model": ', /not valid JSON/],
    ['not an object', '[1, 2]', /JSON object/],
    ['no messages', JSON.stringify({ max_tokens: 10 }), /messages: Field required/],
    ['empty messages', JSON.stringify({ max_tokens: 10, messages: [] }), /at least one message/],
    ['no max_tokens', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }), /max_tokens: Field required/],
    ['max_tokens not a positive integer', JSON.stringify({ max_tokens: 0, messages: [{ role: 'user', content: 'hi' }] }), /max_tokens/],
    ['a bad role', JSON.stringify({ max_tokens: 10, messages: [{ role: 'tool', content: 'hi' }] }), /messages\.0\.role/],
    ['content neither text nor blocks', JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: 42 }] }), /messages\.0\.content/],
    ['a block without a type', JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }), /messages\.0\.content\.0/],
    ['a bad tool_choice', JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tool_choice: { type: 'sometimes' } }), /tool_choice/],
  ])('%s', async (_label, body, message) => {
    const g = await start({ config: TWO });
    const res = await g.messages(body);
    expect(res.status).toBe(400);
    const json: unknown = await res.json();
    expectAnthropicError(json, 'invalid_request_error');
    expect(json.error.message).toMatch(message);
    expect(g.sim.calls).toHaveLength(0);
  });

  it('the SDK raises BadRequestError', async () => {
    const g = await start({ config: TWO });
    const error = await g.anthropic.messages.create({ model: 'x', max_tokens: 10, messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(g.sim.calls).toHaveLength(0);
  });

  it('no model anywhere (none pinned, none sent): 400 naming the provider', async () => {
    const g = await start({ config: { groups: [[{ name: 'a', model: null }]] } });
    const res = await g.messages({ max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    const json: unknown = await res.json();
    expectAnthropicError(json, 'invalid_request_error');
    expect(json.error.message).toMatch(/provider "a" \(anthropic\) needs a model/);
  });

  it("no route, wrong method: Anthropic's shape on the Messages path too", async () => {
    const g = await start({ config: TWO });
    const noRoute = await fetch(`${g.url}/other/messages`, { method: 'POST', body: JSON.stringify(HELLO_MESSAGES) });
    expect(noRoute.status).toBe(404);
    expectAnthropicError(await noRoute.json(), 'not_found_error');
    const get = await fetch(`${g.url}/v1/messages`);
    expect(get.status).toBe(405);
    expectAnthropicError(await get.json(), 'invalid_request_error');
  });
});

describe('upstream errors and failover on the Messages endpoint', () => {
  it('an Anthropic error passes through as Anthropic wrote it (scrubbed of keys), with the served-by headers', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': status(400, 'messages: roles must alternate (key sk-ant-api03-abcdefghijklmnop)') }) });
    const res = await g.messages(HELLO_MESSAGES);
    expect(res.status).toBe(400);
    expect(servedBy(res.headers).attempts).toBe('a:400');
    const json: unknown = await res.json();
    expectAnthropicError(json, 'invalid_request_error');
    expect(json.error.message).toBe('messages: roles must alternate (key [redacted])');
  });

  it('529 overloaded fails over; the SDK sees the answer of the second group', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': status(529) }) });
    const { data, response } = await g.anthropic.messages.create(HELLO_MESSAGES).withResponse();
    expect(servedBy(response.headers)).toEqual({ provider: 'b', model: 'model-b', attempts: 'a:529,b:200' });
    expect(data.content).toEqual([{ type: 'text', text: answer('model-b') }]);
  });

  it("an OpenAI provider's 401 reaches a Messages client as an Anthropic authentication_error", async () => {
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'openai' }]] }, faults: () => status(401, 'Incorrect API key provided') });
    const error = await g.anthropic.messages.create(HELLO_MESSAGES).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Incorrect API key provided' } });
  });

  it('overloaded_error inside a 200 stream, before content: held, failed over, the client sees one clean stream', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': { kind: 'stream-error-before-content' } }) });
    const res = await g.messages({ ...HELLO_MESSAGES, stream: true });
    expect(servedBy(res.headers).attempts).toBe('a:529,b:200');
    const events = messagesEvents(await res.text());
    expect(events.filter(([e]) => e === 'message_start')).toHaveLength(1);
    expect(events.map(([e]) => e)).not.toContain('error');
    expect(events.at(-1)![0]).toBe('message_stop');
  });

  it('after content, an error event ends the stream and the Anthropic SDK raises it; the text before it arrived', async () => {
    const g = await start({ config: TWO, faults: faultsByModel({ 'model-a': { kind: 'stream-error-after-content', afterEvents: 5 } }) });
    const raw = messagesEvents(await (await g.messages({ ...HELLO_MESSAGES, stream: true })).text());
    expect(raw.at(-1)).toEqual(['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
    expect(raw.map(([e]) => e)).not.toContain('message_stop');

    const stream = g.anthropic.messages.stream(HELLO_MESSAGES);
    let text = '';
    stream.on('text', (t) => (text += t));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(text.length).toBeGreaterThan(0);
    expect(answer('model-a').startsWith(text)).toBe(true);
    expect(g.logger.entries.some((e) => e.event === 'stream_broken')).toBe(true);
  });

  it('an AI policy applies to Messages requests: aliases, and system prompts joining `system`', async () => {
    const g = await start({
      config: {
        groups: [[{ name: 'a', model: null }]],
        backendPolicy: { ai: { modelAliases: { fast: 'claude-haiku-4-5' }, prompt: { prepend: [{ role: 'system', content: 'Policy first.' }] } } },
      },
    });
    await g.anthropic.messages.create({ ...HELLO_MESSAGES, model: 'fast', system: 'Client system.' });
    expect(g.sim.calls[0]!.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: [
        { type: 'text', text: 'Policy first.' },
        { type: 'text', text: 'Client system.' },
      ],
    });
  });
});
