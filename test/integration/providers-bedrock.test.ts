/**
 * Bedrock through the engine, against the simulator speaking the Converse API: the request as
 * Bedrock receives it (URL, SigV4 headers checked by an independent verifier, the Converse body),
 * answers buffered and as a binary AWS event stream, and each Bedrock error — as a plain response
 * and as an exception inside the stream — in the verdict. Credentials come from the environment
 * through the AWS SDK's default chain, as on Lambda.
 */
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { setAwsCredentialProvider } from '../../functions/providers/bedrock/sign.js';
import { answerText } from '../../functions/simulator/answer.js';
import type { Fault } from '../../functions/simulator/faults.js';
import {
  compileYaml,
  faultsByModel,
  gatewayYaml,
  HELLO,
  HELLO_MESSAGES,
  servedBy,
  sseData,
  startGateway,
  streamedText,
  type Gateway,
  type GatewayOptions,
  type GatewaySpec,
} from '../support/harness.js';
import { parseAuthorization, verifySigV4 } from '../support/sigv4.js';
import { useEnv } from '../support/env.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAMODELGATETEST01', AWS_SECRET_ACCESS_KEY: 'modelgate-test-secret-key-0123456789', AWS_SESSION_TOKEN: 'modelgate-test-session-token' };
// The SDK's default chain reads them: drop the provider that cached the old ones.
useEnv(CREDENTIALS, () => setAwsCredentialProvider(undefined));

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  setAwsCredentialProvider(undefined);
});
async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}

/** A Bedrock model id with the characters that must be escaped in the path (`:`), as real ones have. */
const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const BEDROCK_FIRST: GatewaySpec = { groups: [[{ name: 'a', kind: 'bedrock', model: MODEL, options: { region: 'eu-west-3' } }], [{ name: 'b', kind: 'anthropic' }]] };
const status = (code: number, errorType?: string): Fault => ({ kind: 'status', status: code, ...(errorType && { errorType }) });
const answer = (model: string) => answerText(model, 'Hello there');

describe('bedrock: the call as Bedrock receives it', () => {
  it('Converse: the model in the path, escaped; signed with SigV4 from the credential chain; the Converse body', async () => {
    const g = await start({ config: BEDROCK_FIRST });
    const res = await g.chat({
      ...HELLO,
      messages: [{ role: 'system', content: 'Be brief.' }, ...HELLO.messages],
      max_tokens: 99,
      temperature: 0.2,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
    });
    expect(res.status).toBe(200);
    const call = g.sim.calls[0]!;
    expect(call.api).toBe('bedrock');
    expect(call.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(call.model).toBe(MODEL);
    expect(call.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hello there' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 99, temperature: 0.2, stopSequences: ['END'] },
      toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } } }], toolChoice: { any: {} } },
    });
    // No key anywhere: the signature is the credential.
    expect(call.headers['x-api-key']).toBeUndefined();
    expect(call.headers['x-amz-security-token']).toBe(CREDENTIALS.AWS_SESSION_TOKEN);
    expect(call.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(call.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(call.rawBody).digest('hex'));
    const auth = parseAuthorization(call.headers.authorization);
    expect(auth).toMatchObject({ accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, region: 'eu-west-3', service: 'bedrock', date: call.headers['x-amz-date']!.slice(0, 8) });
    expect(auth!.signedHeaders).toEqual(expect.arrayContaining(['host', 'content-type', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']));
    expect(verifySigV4(call, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
    // The same check refuses a wrong secret and a changed body: it really checks.
    expect(verifySigV4(call, 'another-secret')).toBe(false);
    expect(verifySigV4({ ...call, rawBody: call.rawBody.replace('Hello', 'Hullo') }, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(false);
  });

  it('ConverseStream: /converse-stream, asking for the event stream, signed the same way', async () => {
    const g = await start({ config: BEDROCK_FIRST });
    await (await g.chat({ ...HELLO, stream: true })).text();
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
    expect(call.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(verifySigV4(call, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
  });

  it('the default region is us-east-1, and without host/port the call goes to bedrock-runtime there', () => {
    const yaml = gatewayYaml({ groups: [[{ name: 'a', kind: 'bedrock', model: MODEL }]] }, 1).replace(/\n\s+host: 127\.0\.0\.1\n\s+port: 1\n/, '\n');
    const target = compileYaml(yaml).backends[0]!.providers[0]!.target;
    expect(target).toMatchObject({ kind: 'bedrock', region: 'us-east-1', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', model: MODEL });
    expect(target.apiKey).toBeUndefined();
  });

  it('no credentials in the chain: a failed attempt (nothing sent), and the next provider answers', async () => {
    setAwsCredentialProvider(() => Promise.reject(new Error('Could not load credentials from any providers')));
    const g = await start({ config: BEDROCK_FIRST });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('a:credentials,b:200');
    expect(g.sim.calls.map((c) => c.api)).toEqual(['anthropic']);
  });
});

describe('bedrock: answers', () => {
  it('buffered, to an OpenAI client: the text, the finish reason, the usage, the model that was sent', async () => {
    const g = await start({ config: BEDROCK_FIRST });
    const { data, response } = await g.openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello there' }] }).withResponse();
    expect(servedBy(response.headers)).toEqual({ provider: 'a', model: MODEL, attempts: 'a:200' });
    expect(data.model).toBe(MODEL);
    expect(data.choices[0]!.message.content).toBe(answer(MODEL));
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streamed, to an OpenAI client: the binary event stream decoded into chunks, usage, [DONE]', async () => {
    const g = await start({ config: BEDROCK_FIRST });
    const res = await g.chat({ ...HELLO, stream: true, stream_options: { include_usage: true } });
    const text = await res.text();
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(streamedText(text)).toBe(answer(MODEL));
    const data = sseData(text);
    expect(data.at(-1)).toBe('[DONE]');
    const usage = JSON.parse(data.at(-2)!) as { choices: unknown[]; usage: { completion_tokens: number } };
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('to the Anthropic SDK, buffered and streamed', async () => {
    const g = await start({ config: BEDROCK_FIRST });
    const message = await g.anthropic.messages.create({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: answer(MODEL) }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(g.sim.calls[0]!.body.inferenceConfig).toEqual({ maxTokens: 100 });

    const stream = g.anthropic.messages.stream({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: answer(MODEL) }]);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe('bedrock: errors into the verdict', () => {
  it.each([
    ['ThrottlingException', 429, undefined, true],
    ['ModelNotReadyException', 429, 'ModelNotReadyException', true],
    ['ServiceUnavailableException', 503, undefined, true],
    ['InternalServerException', 500, undefined, true],
    ['ValidationException', 400, undefined, false],
    ['AccessDeniedException', 403, undefined, false],
    ['ResourceNotFoundException', 404, undefined, false],
  ] as const)('%s (HTTP %i): fails over = %s', async (_name, code, errorType, failsOver) => {
    const g = await start({ config: BEDROCK_FIRST, faults: faultsByModel({ [MODEL]: status(code, errorType) }) });
    expect(g.sim.calls).toHaveLength(0);
    const res = await g.chat(HELLO);
    const json = (await res.json()) as { error?: { type: string; code: string | null; message: string } };
    if (failsOver) {
      expect(res.status).toBe(200);
      expect(servedBy(res.headers).attempts).toBe(`a:${code},b:200`);
    } else {
      expect(res.status).toBe(code);
      expect(servedBy(res.headers).attempts).toBe(`a:${code}`);
      expect(json.error).toMatchObject({
        type: { 400: 'invalid_request_error', 403: 'permission_error', 404: 'not_found_error' }[code as 400 | 403 | 404],
        message: `simulated ${code}`,
      });
    }
    expect(g.sim.calls[0]!.api).toBe('bedrock');
  });

  it('ThrottlingException is a rate limit to the client when nothing else answers', async () => {
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'bedrock', model: MODEL }]] }, faults: () => status(429) });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: { message: 'simulated 429', type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
  });

  it('ResourceNotFoundException is a 404 the tutorial condition makes unhealthy: fails over and evicts', async () => {
    const g = await start({
      config: { ...BEDROCK_FIRST, backendPolicy: { health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '10s' } } } },
      faults: faultsByModel({ [MODEL]: status(404) }),
    });
    const res = await g.chat(HELLO);
    expect(servedBy(res.headers).attempts).toBe('a:404,b:200');
    expect(g.logger.entries.filter((e) => e.event === 'eviction').map((e) => e.fields.provider)).toEqual(['a']);
  });

  it.each([
    ['throttlingException', 429],
    ['serviceUnavailableException', 503],
    ['internalServerException', 500],
    ['modelStreamErrorException', 500],
  ] as const)('%s inside the stream before content: a failed attempt with status %i, fails over', async (exception, code) => {
    const g = await start({
      config: BEDROCK_FIRST,
      faults: faultsByModel({ [MODEL]: { kind: 'stream-error-before-content', errorType: exception, message: 'Too many tokens, please wait before trying again.' } }),
    });
    const res = await g.chat({ ...HELLO, stream: true });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe(`a:${code},b:200`);
    expect(streamedText(text)).toBe(answer('model-b'));
  });

  it('validationException inside the stream before content goes back as a 400, not failed over', async () => {
    const g = await start({
      config: BEDROCK_FIRST,
      faults: faultsByModel({ [MODEL]: { kind: 'stream-error-before-content', errorType: 'validationException', message: 'bad input' } }),
    });
    const res = await g.chat({ ...HELLO, stream: true });
    expect(res.status).toBe(400);
    expect(servedBy(res.headers).attempts).toBe('a:400');
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('bad input');
  });

  it('an exception after content ends the client stream with an error event and no [DONE]', async () => {
    const g = await start({ config: BEDROCK_FIRST, faults: faultsByModel({ [MODEL]: { kind: 'stream-error-after-content', afterEvents: 3, errorType: 'throttlingException' } }) });
    const res = await g.chat({ ...HELLO, stream: true });
    const data = sseData(await res.text());
    expect(servedBy(res.headers).attempts).toBe('a:200');
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { type: 'upstream_error', code: 'throttlingException' } });
  });

  it('a corrupt frame (CRC mismatch) before content is a failed attempt; the codec never guesses', async () => {
    const g = await start({ config: BEDROCK_FIRST, faults: faultsByModel({ [MODEL]: { kind: 'malformed-sse' } }) });
    const res = await g.chat({ ...HELLO, stream: true });
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('a:malformed,b:200');
  });

  it('a stream cut after content: an error event for the OpenAI client, an error the Anthropic SDK raises', async () => {
    const g = await start({
      config: BEDROCK_FIRST,
      faults: faultsByModel({
        [MODEL]: [
          { kind: 'stream-break', afterEvents: 3 },
          { kind: 'stream-break', afterEvents: 3 },
        ],
      }),
    });
    const data = sseData(await (await g.chat({ ...HELLO, stream: true })).text());
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: 'upstream_stream_broken' } });

    const stream = g.anthropic.messages.stream(HELLO_MESSAGES);
    let text = '';
    stream.on('text', (t) => (text += t));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(text.length).toBeGreaterThan(0);
  });

  it("the Messages endpoint gets Bedrock errors in Anthropic's shape", async () => {
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'bedrock', model: MODEL }]] }, faults: () => status(429) });
    const res = await g.messages(HELLO_MESSAGES);
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'simulated 429' } });
  });
});
