/**
 * `POST /v1/embeddings` end to end: the official `openai` SDK's `client.embeddings.create` against
 * the engine behind the real Node server, with every provider kind on a fake upstream on loopback
 * (test/support/fake-embeddings-upstream.ts). The call each vendor receives (Bedrock's signature
 * checked by an independent SigV4 verifier), the answer in OpenAI's list shape (floats, and the
 * base64 the SDK asks for by default), failover from a 429/500 provider, the vector-space rule,
 * providers without embeddings skipped, and bad input refused in OpenAI's shape with no upstream call.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { setAwsCredentialProvider } from '../../functions/providers/bedrock/sign.js';
import { fakeVector, startFakeUpstream, type FakeUpstream } from '../support/fake-embeddings-upstream.js';
import { servedBy, startGateway, type Gateway, type GatewaySpec, type ProviderSpec } from '../support/harness.js';
import { parseAuthorization, verifySigV4 } from '../support/sigv4.js';
import { useEnv } from '../support/env.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIAMODELGATETEST02', AWS_SECRET_ACCESS_KEY: 'modelgate-embeddings-secret-0123456789', AWS_SESSION_TOKEN: 'modelgate-embeddings-token' };
useEnv(CREDENTIALS, () => setAwsCredentialProvider(undefined));

let gw: Gateway | undefined;
let up: FakeUpstream | undefined;
afterEach(async () => {
  await gw?.close();
  await up?.close();
  gw = undefined;
  up = undefined;
  setAwsCredentialProvider(undefined);
});

/** A gateway whose providers all point at a fresh fake upstream. */
async function start(groups: ProviderSpec[][], extra: Omit<GatewaySpec, 'groups'> = {}): Promise<{ g: Gateway; fake: FakeUpstream }> {
  up = await startFakeUpstream();
  const port = up.port;
  gw = await startGateway({ config: { ...extra, groups: groups.map((group) => group.map((p) => ({ port, ...p }))) } });
  return { g: gw, fake: up };
}

const rounded = (v: number[]) => v.map(Math.fround);
const EMB = 'text-embedding-3-small';

/** The error a raw fetch gets, checked to be OpenAI's shape. */
async function openAIError(res: Response, status: number): Promise<{ message: string; type: string; code: string | null; param?: string }> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { message: string; type: string; code: string | null; param?: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  return body.error;
}

const post = (g: Gateway, body: unknown) =>
  fetch(`${g.url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });

describe('embeddings through the openai SDK, per provider kind', () => {
  it("openai: the body passes through; the SDK's default base64 answer decodes to the vectors; served-by headers", async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'openai', model: EMB }]]);
    const { data, response } = await g.openai.embeddings.create({ model: 'client-model', input: ['hello', 'world'] }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([rounded(fakeVector(EMB, 0)), rounded(fakeVector(EMB, 1))]);
    expect(data.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
    expect(servedBy(response.headers)).toEqual({ provider: 'a', model: EMB, attempts: 'a:200' });
    const call = fake.calls[0]!;
    expect(call.path).toBe('/v1/embeddings');
    expect(call.body).toEqual({ model: EMB, input: ['hello', 'world'], encoding_format: 'base64' });
    expect(call.headers.authorization).toBe('Bearer sk-test-a-0123456789');
  });

  it('openai: floats, dimensions, user and token arrays pass through', async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'openai', model: null }]]);
    const res = await g.openai.embeddings.create({ model: EMB, input: [[1, 2, 3], [4]], dimensions: 4, encoding_format: 'float', user: 'u-1' });
    expect(res.data.map((d) => d.embedding)).toEqual([fakeVector(EMB, 0, 4), fakeVector(EMB, 1, 4)]);
    expect(fake.calls[0]!.body).toEqual({ model: EMB, input: [[1, 2, 3], [4]], dimensions: 4, encoding_format: 'float', user: 'u-1' });
  });

  it('azureopenai: the deployment path of a dated API version, the key in api-key', async () => {
    const { g, fake } = await start([[{ name: 'az', kind: 'azureopenai', model: 'emb-deploy', options: { apiVersion: '2024-10-21' } }]]);
    const res = await g.openai.embeddings.create({ model: EMB, input: 'hello', encoding_format: 'float' });
    expect(res.data[0]!.embedding).toEqual(fakeVector('emb-deploy', 0));
    const call = fake.calls[0]!;
    expect(`${call.path}?${call.query}`).toBe('/openai/deployments/emb-deploy/embeddings?api-version=2024-10-21');
    expect(call.headers['api-key']).toBe('sk-test-az-0123456789');
    expect(call.headers.authorization).toBeUndefined();
  });

  it("custom (Completions): OpenAI's call at the host", async () => {
    const { g, fake } = await start([[{ name: 'c', kind: 'custom', model: 'nomic-embed-text' }]]);
    const res = await g.openai.embeddings.create({ model: EMB, input: 'hello' });
    expect(res.data[0]!.embedding).toEqual(rounded(fakeVector('nomic-embed-text', 0)));
    expect(fake.calls[0]!.path).toBe('/v1/embeddings');
  });

  it('gemini: one text by embedContent, several by batchEmbedContents, dimensions as outputDimensionality; base64 encoded here', async () => {
    const { g, fake } = await start([[{ name: 'gm', kind: 'gemini', model: 'gemini-embedding-001' }]]);
    const one = await g.openai.embeddings.create({ model: EMB, input: 'hello', dimensions: 5, task_type: 'RETRIEVAL_DOCUMENT' } as OpenAI.EmbeddingCreateParams);
    expect(one.data[0]!.embedding).toEqual(rounded(fakeVector('gemini-embedding-001', 0, 5)));
    expect(fake.calls[0]!.path).toBe('/v1beta/models/gemini-embedding-001:embedContent');
    expect(fake.calls[0]!.headers['x-goog-api-key']).toBe('sk-test-gm-0123456789');
    expect(fake.calls[0]!.body).toEqual({ content: { parts: [{ text: 'hello' }] }, taskType: 'RETRIEVAL_DOCUMENT', outputDimensionality: 5 });
    const two = await g.openai.embeddings.create({ model: EMB, input: ['a', 'b'], encoding_format: 'float' });
    expect(two.data.map((d) => d.index)).toEqual([0, 1]);
    expect(two.usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
    expect(fake.calls[1]!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(fake.calls[1]!.body).toEqual({ requests: ['a', 'b'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] } })) });
  });

  it('vertexai: predict with one instance per text; token counts summed', async () => {
    const { g, fake } = await start([[{ name: 'vx', kind: 'vertexai', model: 'text-embedding-005', options: { region: 'europe-west4' } }]]);
    const res = await g.openai.embeddings.create({ model: EMB, input: ['a', 'b'], encoding_format: 'float' });
    expect(res.data[1]!.embedding).toEqual(fakeVector('text-embedding-005', 1));
    expect(res.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(fake.calls[0]!.path).toBe('/v1/projects/project-vx/locations/europe-west4/publishers/google/models/text-embedding-005:predict');
    expect(fake.calls[0]!.headers.authorization).toBe('Bearer sk-test-vx-0123456789');
    expect(fake.calls[0]!.body).toEqual({
      instances: [
        { content: 'a', task_type: 'RETRIEVAL_QUERY' },
        { content: 'b', task_type: 'RETRIEVAL_QUERY' },
      ],
    });
  });

  it('bedrock Titan: InvokeModel signed with SigV4; the token count from the body', async () => {
    const model = 'amazon.titan-embed-text-v2:0';
    const { g, fake } = await start([[{ name: 'br', kind: 'bedrock', model, options: { region: 'eu-west-3' } }]]);
    const { data, response } = await g.openai.embeddings.create({ model: EMB, input: 'hello', dimensions: 256 }).withResponse();
    expect(data.data[0]!.embedding).toEqual(rounded(fakeVector(model, 0, 256)));
    expect(data.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(servedBy(response.headers)).toEqual({ provider: 'br', model, attempts: 'br:200' });
    const call = fake.calls[0]!;
    expect(call.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(call.body).toEqual({ inputText: 'hello', dimensions: 256 });
    expect(parseAuthorization(call.headers.authorization)).toMatchObject({ accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, region: 'eu-west-3', service: 'bedrock' });
    expect(verifySigV4(call, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
  });

  it("bedrock Cohere: several texts in one call; the token count from Bedrock's header", async () => {
    const model = 'cohere.embed-english-v3';
    const { g, fake } = await start([[{ name: 'co', kind: 'bedrock', model }]]);
    const res = await g.openai.embeddings.create({ model: EMB, input: ['a', 'b', 'c'], encoding_format: 'float', input_type: 'search_document' } as OpenAI.EmbeddingCreateParams);
    expect(res.data).toHaveLength(3);
    expect(res.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
    expect(fake.calls[0]!.body).toEqual({ texts: ['a', 'b', 'c'], input_type: 'search_document' });
    expect(verifySigV4(fake.calls[0]!, CREDENTIALS.AWS_SECRET_ACCESS_KEY)).toBe(true);
  });

  it('bedrock Nova: SINGLE_EMBEDDING with embeddingDimension', async () => {
    const model = 'amazon.nova-2-multimodal-embeddings-v1:0';
    const { g, fake } = await start([[{ name: 'nv', kind: 'bedrock', model }]]);
    const res = await g.openai.embeddings.create({ model: EMB, input: 'hello', dimensions: 384 });
    expect(res.data[0]!.embedding).toHaveLength(384);
    expect(res.usage.prompt_tokens).toBe(6);
    expect(fake.calls[0]!.body).toEqual({
      taskType: 'SINGLE_EMBEDDING',
      singleEmbeddingParams: { embeddingPurpose: 'GENERIC_INDEX', embeddingDimension: 384, text: { truncationMode: 'END', value: 'hello' } },
    });
  });
});

describe('embeddings failover', () => {
  const SAME_SPACE: ProviderSpec[][] = [[{ name: 'oa', kind: 'openai', model: EMB }], [{ name: 'az', kind: 'azureopenai', model: EMB }]];

  it.each([429, 500])('a %i from the first provider fails over to the second of the same model', async (code) => {
    const { g, fake } = await start(SAME_SPACE);
    fake.fail(EMB, { status: code });
    const { data, response } = await g.openai.embeddings.create({ model: EMB, input: 'hello', encoding_format: 'float' }).withResponse();
    expect(data.data[0]!.embedding).toEqual(fakeVector(EMB, 0));
    expect(servedBy(response.headers)).toEqual({ provider: 'az', model: EMB, attempts: `oa:${code},az:200` });
    expect(fake.calls.map((c) => c.path)).toEqual(['/v1/embeddings', '/openai/v1/embeddings']);
  });

  it('an evicted provider is skipped by later requests, as for chat', async () => {
    const { g, fake } = await start(SAME_SPACE, { backendPolicy: { health: { unhealthyCondition: 'response.code == 429', eviction: { duration: '30s' } } } });
    fake.fail(EMB, { status: 429 });
    await g.openai.embeddings.create({ model: EMB, input: 'a' });
    const { response } = await g.openai.embeddings.create({ model: EMB, input: 'b' }).withResponse();
    expect(servedBy(response.headers).attempts).toBe('az:200');
  });
});

describe('the vector-space rule: one embedding model per backend', () => {
  const TWO_MODELS: ProviderSpec[][] = [[{ name: 'small', kind: 'openai', model: EMB }], [{ name: 'large', kind: 'openai', model: 'text-embedding-3-large' }]];

  it("a provider with another model is never tried: the first provider's error is the answer, the other is named in the trail", async () => {
    const { g, fake } = await start(TWO_MODELS);
    fake.fail(EMB, { status: 500 });
    const res = await post(g, { model: EMB, input: 'hello' });
    const error = await openAIError(res, 500);
    expect(error.message).toBe('fake 500');
    expect(res.headers.get('x-modelgate-attempts')).toBe('large:other-space,small:500');
    expect(fake.calls.map((c) => c.model)).toEqual([EMB]);
    expect(g.logger.entries.find((e) => e.event === 'skipped')?.message).toContain('large embeds with text-embedding-3-large, not text-embedding-3-small');
  });

  it("the space is the backend's first provider in declared order, even while it is evicted", async () => {
    const { g, fake } = await start(TWO_MODELS, { backendPolicy: { health: { unhealthyCondition: 'response.code == 429', eviction: { duration: '30s' } } } });
    fake.fail(EMB, { status: 429 });
    await post(g, { model: EMB, input: 'a' }); // evicts `small`
    fake.fail(EMB, { status: 429 });
    const res = await post(g, { model: EMB, input: 'b' });
    expect(res.status).toBe(429);
    // `small` is tried (evicted, but the only one in the space); `large` never is.
    expect(res.headers.get('x-modelgate-attempts')).toBe('large:other-space,small:429');
    expect(fake.calls.map((c) => c.model)).toEqual([EMB, EMB]);
  });

  it('the same model with other dimensions (a provider policy override) is another space', async () => {
    const { g, fake } = await start([
      [{ name: 'a', kind: 'openai', model: EMB }],
      [{ name: 'b', kind: 'openai', model: EMB, policies: { ai: { overrides: [{ field: 'dimensions', value: 256 }] } } }],
    ]);
    fake.fail(EMB, { status: 500 });
    const res = await post(g, { model: EMB, input: 'hello' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-modelgate-attempts')).toBe('b:other-space,a:500');
  });

  it("unpinned providers embed with the client's model: one space, failover between them", async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'openai', model: null }], [{ name: 'b', kind: 'custom', model: null }]]);
    fake.fail('bge-m3', { status: 503 });
    const { response } = await g.openai.embeddings.create({ model: 'bge-m3', input: 'hello' }).withResponse();
    expect(servedBy(response.headers).attempts).toBe('a:503,b:200');
    expect(fake.calls).toHaveLength(2);
  });
});

describe('providers without embeddings', () => {
  it('an Anthropic provider is skipped as unsupported, not counted against its health, and the next one answers', async () => {
    // A health policy that would evict on any failure: a skip is not one.
    const { g, fake } = await start([[{ name: 'claude', kind: 'anthropic' }], [{ name: 'oa', kind: 'openai', model: EMB }]], {
      backendPolicy: { health: { unhealthyCondition: 'response.code >= 400', eviction: { duration: '30s' } } },
    });
    const { response } = await g.openai.embeddings.create({ model: EMB, input: 'hello' }).withResponse();
    expect(servedBy(response.headers)).toEqual({ provider: 'oa', model: EMB, attempts: 'claude:unsupported,oa:200' });
    expect(fake.calls).toHaveLength(1);
    const claude = (await g.engine.status()).backends[0]!.groups[0]!.providers[0]!;
    expect(claude).toMatchObject({ name: 'claude', evictedUntil: null, consecutiveFailures: 0, lastFailure: null });
    // And a chat request on the same backend still goes to Claude first.
    expect(servedBy((await g.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).headers).attempts).toMatch(/^claude:/);
  });

  it("when no provider can embed: a 400 in OpenAI's shape naming them, and no upstream call", async () => {
    const { g, fake } = await start([
      [
        { name: 'claude', kind: 'anthropic' },
        { name: 'vx-claude', kind: 'vertexai', model: 'claude-sonnet-4-5' },
      ],
    ]);
    const error = await g.openai.embeddings.create({ model: EMB, input: 'hello' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const e = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.code).toBe('no_provider_for_api');
    expect(e.message).toContain('claude (anthropic) has no embeddings API');
    expect(e.message).toContain('vx-claude (vertexai) has no embeddings API');
    expect(fake.calls).toHaveLength(0);
  });
});

describe("bad embeddings input: a 400 in OpenAI's shape, before any upstream call", () => {
  it.each([
    ['no input', { model: EMB }, 'input'],
    ['an empty string', { model: EMB, input: '' }, 'input'],
    ['an empty list', { model: EMB, input: [] }, 'input'],
    ['an empty string in the list', { model: EMB, input: ['a', ''] }, 'input[1]'],
    ['more than 2048 inputs', { model: EMB, input: Array.from({ length: 2049 }, () => 'x') }, 'input'],
    ['a mixed list', { model: EMB, input: ['a', 1] }, 'input'],
    ['negative tokens', { model: EMB, input: [[1, -2]] }, 'input[0]'],
    ['dimensions 0', { model: EMB, input: 'a', dimensions: 0 }, 'dimensions'],
    ['encoding_format int8', { model: EMB, input: 'a', encoding_format: 'int8' }, 'encoding_format'],
    ['a non-string model', { model: 5, input: 'a' }, 'model'],
    ['stream', { model: EMB, input: 'a', stream: true }, 'stream'],
  ])('%s', async (_name, body, param) => {
    const { g, fake } = await start([[{ name: 'a', kind: 'openai', model: EMB }]]);
    const error = await openAIError(await post(g, body), 400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(fake.calls).toHaveLength(0);
  });

  it('a request one provider cannot carry goes to the next of the same space; when none can, a 400 naming the first', async () => {
    const titan = 'amazon.titan-embed-text-v2:0';
    const { g, fake } = await start([
      [{ name: 'east', kind: 'bedrock', model: titan, options: { region: 'us-east-1' } }],
      [{ name: 'west', kind: 'bedrock', model: titan, options: { region: 'us-west-2' } }],
    ]);
    const error = await openAIError(await post(g, { model: EMB, input: ['a', 'b'] }), 400);
    expect(error.param).toBe('input');
    expect(error.message).toContain('provider "east" (bedrock amazon.titan-embed-text-v2:0) embeds one text per request');
    expect(fake.calls).toHaveLength(0);
  });

  it('not JSON', async () => {
    const { g, fake } = await start([[{ name: 'a', kind: 'openai', model: EMB }]]);
    expect((await openAIError(await post(g, '{"input":'), 400)).code).toBe('invalid_json');
    expect(fake.calls).toHaveLength(0);
  });

  it.each([
    ['token arrays to Gemini', { kind: 'gemini', model: 'gemini-embedding-001' }, { input: [[1, 2]] }, 'input', 'embeds text only'],
    ['several texts to Titan', { kind: 'bedrock', model: 'amazon.titan-embed-text-v2:0' }, { input: ['a', 'b'] }, 'input', 'one text per request'],
    ['`user` to Vertex', { kind: 'vertexai', model: 'text-embedding-005' }, { input: 'a', user: 'u-1' }, 'user', 'is not carried by'],
    ['an unknown extension to Bedrock Cohere', { kind: 'bedrock', model: 'cohere.embed-english-v3' }, { input: 'a', task_type: 'X' }, 'task_type', 'is not a field known to'],
    [
      '512 dimensions to Cohere v3 (1024 only)',
      { kind: 'bedrock', model: 'cohere.embed-multilingual-v3' },
      { input: 'a', dimensions: 512 },
      'dimensions',
      'returns 1024-dimensional vectors only',
    ],
  ] as const)('a field the provider cannot carry: %s, refused naming the field and the provider', async (_name, provider, body, param, words) => {
    const { g, fake } = await start([[{ name: 'p', ...provider }]]);
    const error = await openAIError(await post(g, { model: EMB, ...body }), 400);
    expect(error.param).toBe(param);
    expect(error.message).toContain('provider "p"');
    expect(error.message).toContain(words);
    expect(fake.calls).toHaveLength(0);
  });
});
