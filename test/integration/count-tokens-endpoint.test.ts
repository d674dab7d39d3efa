/**
 * `POST /v1/messages/count_tokens` end to end: the official `@anthropic-ai/sdk`'s
 * `client.messages.countTokens()` against the engine behind the real Node server, with Anthropic,
 * Bedrock (its CountTokens API, SigV4-signed) and Claude on Vertex on a fake upstream on loopback:
 * the call each receives, `{"input_tokens": N}` back, failover from a 429/500, providers that
 * cannot count skipped, and bad input refused in Anthropic's error shape with no upstream call.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { setAwsCredentialProvider } from '../../functions/providers/bedrock/sign.js';
import { fakeTokenCount, startFakeUpstream, type FakeUpstream } from '../support/fake-embeddings-upstream.js';
import { servedBy, startGateway, type Gateway, type GatewaySpec, type ProviderSpec } from '../support/harness.js';
import { verifySigV4 } from '../support/sigv4.js';
import { useEnv } from '../support/env.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAMODELGATETEST03', AWS_SECRET_ACCESS_KEY: 'modelgate-count-secret-0123456789', AWS_SESSION_TOKEN: 'modelgate-count-token' };
useEnv(CREDENTIALS, () => setAwsCredentialProvider(undefined));

let gw: Gateway | undefined;
let up: FakeUpstream | undefined;
afterEach(async () => {
  await gw?.close();
  await up?.close();
  gw = undefined;
  up = undefined;
});

async function start(groups: ProviderSpec[][], extra: Omit<GatewaySpec, 'groups'> = {}): Promise<{ g: Gateway; fake: FakeUpstream }> {
  up = await startFakeUpstream();
  const port = up.port;
  gw = await startGateway({ config: { ...extra, groups: groups.map((group) => group.map((p) => ({ port, ...p }))) } });
  return { g: gw, fake: up };
}

const MESSAGES = [{ role: 'user' as const, content: 'Hello, how are you?' }];
const REQUEST = { model: 'claude-sonnet-4-5', system: 'Be brief.', messages: MESSAGES };
const COUNT = fakeTokenCount(MESSAGES);

const post = (g: Gateway, body: unknown) =>
  fetch(`${g.url}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });

/** Anthropic's error shape, exactly. */
async function anthropicError(res: Response, status: number): Promise<{ type: string; message: string }> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  expect(Object.keys(body).sort()).toEqual(['error', 'type']);
  expect(body.type).toBe('error');
  return body.error;
}

describe('token counting through the Anthropic SDK, per provider kind', () => {
  it("anthropic: passed through to /v1/messages/count_tokens with the provider's model and the client's anthropic-beta", async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'anthropic', model: 'claude-opus-4-6' }]]);
    const { data, response } = await g.anthropic.messages.countTokens(REQUEST, { headers: { 'anthropic-beta': 'token-efficient-tools-2025-02-19' } }).withResponse();
    expect(data).toEqual({ input_tokens: COUNT });
    expect(servedBy(response.headers)).toEqual({ provider: 'a', model: 'claude-opus-4-6', attempts: 'a:200' });
    const call = fake.calls[0]!;
    expect(call.path).toBe('/v1/messages/count_tokens');
    expect(call.body).toEqual({ ...REQUEST, model: 'claude-opus-4-6' });
    expect(call.headers['x-api-key']).toBe('sk-test-a-0123456789');
    expect(call.headers['anthropic-version']).toBe('2023-06-01');
    expect(call.headers['anthropic-beta']).toBe('token-efficient-tools-2025-02-19');
  });

  it('bedrock: the CountTokens API with the InvokeModel body in base64, signed; inputTokens read back', async () => {
    const model = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
    const { g, fake } = await start([[{ name: 'br', kind: 'bedrock', model, options: { region: 'us-west-2' } }]]);
    const data = await g.anthropic.messages.countTokens(REQUEST);
    expect(data).toEqual({ input_tokens: COUNT });
    const call = fake.calls[0]!;
    expect(call.path).toBe('/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens');
    const inner = JSON.parse(Buffer.from((call.body as { input: { invokeModel: { body: string } } }).input.invokeModel.body, 'base64').toString('utf8')) as unknown;
    expect(inner).toEqual({ system: 'Be brief.', messages: MESSAGES, max_tokens: 1, anthropic_version: 'bedrock-2023-05-31' });
    expect(verifySigV4(call, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
  });

  it('vertexai (Claude): count-tokens:rawPredict with the model named in the body as Vertex names it', async () => {
    const { g, fake } = await start([[{ name: 'vx', kind: 'vertexai', model: 'claude-3-5-sonnet-20241022', options: { region: 'us-east5' } }]]);
    const data = await g.anthropic.messages.countTokens(REQUEST);
    expect(data).toEqual({ input_tokens: COUNT });
    const call = fake.calls[0]!;
    expect(call.path).toBe('/v1/projects/project-vx/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict');
    expect(call.body).toEqual({ ...REQUEST, model: 'claude-3-5-sonnet@20241022', anthropic_version: 'vertex-2023-10-16' });
    expect(call.headers.authorization).toBe('Bearer sk-test-vx-0123456789');
  });
});

describe('token counting failover', () => {
  it.each([429, 500])('a %i from Anthropic fails over to Bedrock', async (code) => {
    const { g, fake } = await start([[{ name: 'a', kind: 'anthropic', model: 'claude-sonnet-4-5' }], [{ name: 'br', kind: 'bedrock', model: 'anthropic.claude-sonnet-4-5-v1:0' }]]);
    fake.fail('claude-sonnet-4-5', { status: code });
    const { data, response } = await g.anthropic.messages.countTokens(REQUEST).withResponse();
    expect(data.input_tokens).toBe(COUNT);
    expect(servedBy(response.headers).attempts).toBe(`a:${code},br:200`);
  });

  it("the last provider's error, in Anthropic's shape, when every one fails", async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'anthropic', model: 'm1' }], [{ name: 'b', kind: 'anthropic', model: 'm2' }]]);
    fake.fail('m1', { status: 500 });
    fake.fail('m2', { status: 429 });
    const error = await g.anthropic.messages.countTokens(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).error).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'fake 429' } });
  });
});

describe('providers that cannot count tokens', () => {
  it('OpenAI, Gemini and Gemini-on-Vertex are skipped as unsupported; the Anthropic provider answers', async () => {
    const { g, fake } = await start([
      [{ name: 'oa', kind: 'openai' }],
      [
        { name: 'gm', kind: 'gemini' },
        { name: 'vg', kind: 'vertexai', model: 'gemini-2.5-pro' },
      ],
      [{ name: 'a', kind: 'anthropic' }],
    ]);
    const { response } = await g.anthropic.messages.countTokens(REQUEST).withResponse();
    const attempts = servedBy(response.headers).attempts!.split(',');
    expect(attempts.slice(0, 3).sort()).toEqual(['gm:unsupported', 'oa:unsupported', 'vg:unsupported']);
    expect(attempts[3]).toBe('a:200');
    expect(fake.calls).toHaveLength(1);
  });

  it("when none can: a 400 in Anthropic's shape naming them, no upstream call", async () => {
    const { g, fake } = await start([
      [
        { name: 'oa', kind: 'openai' },
        { name: 'c', kind: 'custom' },
      ],
    ]);
    const res = await post(g, REQUEST);
    const error = await anthropicError(res, 400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('oa (openai) has no Anthropic token counting');
    expect(error.message).toContain('c (custom) has no Anthropic token counting');
    expect(res.headers.get('x-modelgate-attempts')?.split(',').sort()).toEqual(['c:unsupported', 'oa:unsupported']);
    expect(fake.calls).toHaveLength(0);
  });
});

describe("bad token-counting input: a 400 in Anthropic's shape, before any upstream call", () => {
  it.each([
    ['no messages', { model: 'm' }, 'messages: Field required'],
    ['no model', { messages: MESSAGES }, 'model: Field required'],
    ['max_tokens (counting takes none)', { ...REQUEST, max_tokens: 10 }, 'max_tokens: Extra inputs are not permitted'],
    ['stream', { ...REQUEST, stream: true }, 'stream: Extra inputs are not permitted'],
    ['an unknown block type', { model: 'm', messages: [{ role: 'user', content: [{ type: 'bogus' }] }] }, 'messages.0.content.0.type: Input tag "bogus"'],
    ['a bad role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
  ])('%s', async (_name, body, words) => {
    const { g, fake } = await start([[{ name: 'a', kind: 'anthropic' }]]);
    const error = await anthropicError(await post(g, body), 400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(words);
    expect(fake.calls).toHaveLength(0);
  });

  it("the SDK raises BadRequestError with Anthropic's error body", async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'anthropic' }]]);
    const error = await g.anthropic.messages.countTokens({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(fake.calls).toHaveLength(0);
  });
});
