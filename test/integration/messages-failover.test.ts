/**
 * Failover across vendors, in one request: Anthropic answers 529 (overloaded), Bedrock throttles
 * (ThrottlingException), Gemini answers — through the official `@anthropic-ai/sdk` on
 * `/v1/messages` and the official `openai` SDK on `/v1/chat/completions`, buffered and streamed,
 * with the errors as HTTP statuses and inside 200 streams. Each vendor is the simulator speaking
 * its own wire format; Bedrock calls are SigV4-signed with credentials from the environment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setAwsCredentialProvider } from '../../functions/providers/bedrock/sign.js';
import { answerText } from '../../functions/simulator/answer.js';
import type { Fault, FaultPlan } from '../../functions/simulator/faults.js';
import { faultsByModel, messagesEvents, servedBy, startGateway, type Gateway, type GatewaySpec } from '../support/harness.js';
import { verifySigV4 } from '../support/sigv4.js';
import { useEnv } from '../support/env.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAFAILOVERTEST0001', AWS_SECRET_ACCESS_KEY: 'failover-test-secret-0123456789' };
useEnv({ ...CREDENTIALS, AWS_SESSION_TOKEN: undefined }, () => setAwsCredentialProvider(undefined));

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const CLAUDE = 'claude-opus-4-6';
const BEDROCK = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const GEMINI = 'gemini-2.5-pro';
const TRAIL = 'anthropic:529,bedrock:429,gemini:200';

/** Three vendors, one group each, in this order. */
const CROSS_VENDOR: GatewaySpec = {
  groups: [[{ name: 'anthropic', kind: 'anthropic', model: CLAUDE }], [{ name: 'bedrock', kind: 'bedrock', model: BEDROCK }], [{ name: 'gemini', kind: 'gemini', model: GEMINI }]],
};

/** As HTTP statuses: Anthropic's 529 `overloaded_error`, Bedrock's 429 `ThrottlingException`. */
const AS_STATUSES: FaultPlan = faultsByModel({
  [CLAUDE]: Array.from({ length: 10 }, (): Fault => ({ kind: 'status', status: 529, message: 'Overloaded' })),
  [BEDROCK]: Array.from({ length: 10 }, (): Fault => ({ kind: 'status', status: 429, message: 'Too many requests, please wait before trying again.' })),
});

/** Inside 200 streams, before any content: Anthropic's `overloaded_error` event, Bedrock's `throttlingException` message. */
const IN_STREAMS: FaultPlan = faultsByModel({
  [CLAUDE]: Array.from({ length: 10 }, (): Fault => ({ kind: 'stream-error-before-content', errorType: 'overloaded_error', message: 'Overloaded' })),
  [BEDROCK]: Array.from({ length: 10 }, (): Fault => ({ kind: 'stream-error-before-content', errorType: 'throttlingException', message: 'Too many tokens' })),
});

const PROMPT = 'Which vendor answers?';
const answer = answerText(GEMINI, PROMPT);

async function start(faults: FaultPlan, spec: GatewaySpec = CROSS_VENDOR): Promise<Gateway> {
  gw = await startGateway({ config: spec, faults });
  return gw;
}

/** Each vendor was called once, in order, in its own wire format; Bedrock's call was properly signed. */
function expectCalls(g: Gateway, stream: boolean) {
  expect(g.sim.calls.map((c) => [c.api, c.model, c.stream])).toEqual([
    ['anthropic', CLAUDE, stream],
    ['bedrock', BEDROCK, stream],
    ['gemini', GEMINI, stream],
  ]);
  expect(verifySigV4(g.sim.calls[1]!, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
}

describe('anthropic 529 -> bedrock throttled -> gemini answers', () => {
  describe('through the Anthropic SDK on /v1/messages', () => {
    it('buffered', async () => {
      const g = await start(AS_STATUSES);
      const { data, response } = await g.anthropic.messages.create({ model: 'any', max_tokens: 200, messages: [{ role: 'user', content: PROMPT }] }).withResponse();
      expect(servedBy(response.headers)).toEqual({ provider: 'gemini', model: GEMINI, attempts: TRAIL });
      expect(data.type).toBe('message');
      expect(data.content).toEqual([{ type: 'text', text: answer }]);
      expect(data.stop_reason).toBe('end_turn');
      expectCalls(g, false);
    });

    it.each([
      ['as HTTP statuses', AS_STATUSES],
      ['inside 200 streams', IN_STREAMS],
    ])('streamed, errors %s', async (_label, faults) => {
      const g = await start(faults);
      const { data: stream, response } = await g.anthropic.messages
        .create({ model: 'any', max_tokens: 200, messages: [{ role: 'user', content: PROMPT }], stream: true })
        .withResponse();
      expect(servedBy(response.headers)).toEqual({ provider: 'gemini', model: GEMINI, attempts: TRAIL });
      const types: string[] = [];
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      expect(text).toBe(answer);
      expect(types[0]).toBe('message_start');
      expect(types.at(-1)).toBe('message_stop');
      expectCalls(g, true);
    });

    it('the stream helper accumulates the same message', async () => {
      const g = await start(IN_STREAMS);
      const final = await g.anthropic.messages.stream({ model: 'any', max_tokens: 200, messages: [{ role: 'user', content: PROMPT }] }).finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: answer }]);
      expect(final.usage.output_tokens).toBeGreaterThan(0);
    });
  });

  describe('through the OpenAI SDK on /v1/chat/completions', () => {
    it('buffered', async () => {
      const g = await start(AS_STATUSES);
      const { data, response } = await g.openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: PROMPT }] }).withResponse();
      expect(servedBy(response.headers)).toEqual({ provider: 'gemini', model: GEMINI, attempts: TRAIL });
      expect(data.choices[0]!.message.content).toBe(answer);
      expectCalls(g, false);
    });

    it.each([
      ['as HTTP statuses', AS_STATUSES],
      ['inside 200 streams', IN_STREAMS],
    ])('streamed, errors %s', async (_label, faults) => {
      const g = await start(faults);
      const { data: stream, response } = await g.openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: PROMPT }], stream: true }).withResponse();
      expect(servedBy(response.headers)).toEqual({ provider: 'gemini', model: GEMINI, attempts: TRAIL });
      let text = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(text).toBe(answer);
      expect(finish).toBe('stop');
      expectCalls(g, true);
    });
  });

  it('verdicts: the 529 is unhealthy (evicted by the policy), the 429 only retryable — the next request skips Anthropic only', async () => {
    const g = await start(AS_STATUSES, { ...CROSS_VENDOR, backendPolicy: { health: { eviction: { duration: '30s' } } } });
    const first = await g.messages({ model: 'any', max_tokens: 50, messages: [{ role: 'user', content: PROMPT }] });
    expect(servedBy(first.headers).attempts).toBe(TRAIL);
    expect(g.logger.entries.filter((e) => e.event === 'eviction').map((e) => e.fields.provider)).toEqual(['anthropic']);
    const second = await g.messages({ model: 'any', max_tokens: 50, messages: [{ role: 'user', content: PROMPT }], stream: true });
    expect(servedBy(second.headers).attempts).toBe('bedrock:429,gemini:200');
    expect(messagesEvents(await second.text()).at(-1)![0]).toBe('message_stop');
  });

  it("when every vendor fails, a Messages client gets the last error in Anthropic's shape, with the whole trail", async () => {
    const g = await start(() => ({ kind: 'status', status: 503, errorType: 'UNAVAILABLE', message: 'The model is overloaded.' }), {
      groups: [[{ name: 'gemini', kind: 'gemini', model: GEMINI }], [{ name: 'vertex', kind: 'vertexai', model: GEMINI }]],
    });
    const res = await g.messages({ model: 'any', max_tokens: 50, messages: [{ role: 'user', content: PROMPT }] });
    expect(res.status).toBe(503);
    expect(servedBy(res.headers).attempts).toBe('gemini:503,vertex:503');
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'The model is overloaded.' } });
  });
});
