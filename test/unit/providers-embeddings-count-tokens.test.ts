/**
 * The embeddings and token-counting translations where the golden cases do not reach: which
 * provider kinds serve each API, the vendors' other answer shapes (Titan's `embeddingsByType`,
 * Cohere v4's `embeddings.float`), base64 output, fixed-length models, path overrides, and bodies
 * that are not the vendor's shape (a malformed answer, never a made-up one).
 */
import { describe, expect, it } from 'vitest';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
import { anthropicCountTokens, countTokensUrl } from '../../functions/providers/anthropic/count-tokens.js';
import { bedrockCountTokens } from '../../functions/providers/bedrock/count-tokens.js';
import { bedrockEmbeddings } from '../../functions/providers/bedrock/embeddings.js';
import { base64Vector } from '../../functions/providers/conversion/embeddings-output.js';
import { geminiEmbeddings, vertexEmbeddings } from '../../functions/providers/gemini/embeddings.js';
import type { EmbeddingsRequest } from '../../functions/providers/openai/embeddings-wire.js';
import { azureEmbeddings, openaiEmbeddings, openAIEmbeddingsUrl } from '../../functions/providers/openai/embeddings.js';
import { countTokensAdapter, embeddingsAdapter } from '../../functions/providers/registry.js';
import { RequestNotExpressible } from '../../functions/providers/types.js';

const target = (kind: ProviderTarget['kind'], more: Partial<ProviderTarget> = {}): ProviderTarget => ({ name: 'p', kind, baseUrl: 'http://127.0.0.1:9', ...more });
const ctx = (request: EmbeddingsRequest, headers: Record<string, string> = {}) => ({ request, headers });

describe('which provider kinds serve each API', () => {
  it.each([
    ['openai', undefined, true, false],
    ['azureopenai', undefined, true, false],
    ['custom', undefined, true, false],
    ['gemini', 'gemini-embedding-001', true, false],
    ['vertexai', 'text-embedding-005', true, false],
    ['vertexai', 'claude-sonnet-4-5', false, true],
    ['bedrock', 'amazon.titan-embed-text-v2:0', true, true],
    ['anthropic', undefined, false, true],
  ] as const)('%s %s: embeddings %s, token counting %s', (kind, model, embeds, counts) => {
    expect(embeddingsAdapter(target(kind, { formats: { Completions: {} } }), model) !== undefined).toBe(embeds);
    expect(countTokensAdapter(target(kind), model) !== undefined).toBe(counts);
  });

  it('a custom host that speaks only Messages has no embeddings', () => {
    expect(embeddingsAdapter(target('custom', { formats: { Messages: {} } }), 'm')).toBeUndefined();
  });
});

describe('embeddings translations', () => {
  it('base64 is the float32 little-endian bytes, as OpenAI encodes them', () => {
    const bytes = Buffer.from(base64Vector([1, -0.5]), 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([1, -0.5]);
  });

  it('a translated answer asked as base64 comes back as base64', () => {
    const req: EmbeddingsRequest = { input: 'x', encoding_format: 'base64' };
    const { body } = vertexEmbeddings.translateResponse({ predictions: [{ embeddings: { values: [0.25, 2] } }] }, 'text-embedding-005', ctx(req));
    expect(body.data[0]!.embedding).toBe(base64Vector([0.25, 2]));
  });

  it('Titan: the answer in embeddingsByType.float; v1 takes only its own 1536 dimensions', () => {
    const { body } = bedrockEmbeddings.translateResponse({ embeddingsByType: { float: [0.5] }, inputTextTokenCount: 2 }, 'amazon.titan-embed-text-v2:0', ctx({ input: 'x' }));
    expect(body).toMatchObject({ data: [{ embedding: [0.5] }], usage: { prompt_tokens: 2 } });
    const v1 = target('bedrock', { model: 'amazon.titan-embed-text-v1' });
    expect(JSON.parse(bedrockEmbeddings.buildRequest({ input: 'x', dimensions: 1536 }, v1).body)).toEqual({ inputText: 'x' });
    expect(() => bedrockEmbeddings.buildRequest({ input: 'x', dimensions: 256 }, v1)).toThrow(RequestNotExpressible);
  });

  it('Cohere v4: output_dimension in the request, embeddings.float in the answer', () => {
    const v4 = target('bedrock', { model: 'cohere.embed-v4:0' });
    expect(JSON.parse(bedrockEmbeddings.buildRequest({ input: ['a'], dimensions: 512 }, v4).body)).toEqual({ texts: ['a'], input_type: 'search_query', output_dimension: 512 });
    const { body } = bedrockEmbeddings.translateResponse(
      { embeddings: { float: [[1], [2]] } },
      'cohere.embed-v4:0',
      ctx({ input: ['a', 'b'] }, { 'x-amzn-bedrock-input-token-count': '4' }),
    );
    expect(body).toMatchObject({
      data: [
        { index: 0, embedding: [1] },
        { index: 1, embedding: [2] },
      ],
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it.each([
    ['vertex without predictions', () => vertexEmbeddings.translateResponse({}, 'm', ctx({ input: 'x' }))],
    ['gemini with a non-numeric vector', () => geminiEmbeddings.translateResponse({ embedding: { values: ['a'] } }, 'm', ctx({ input: 'x' }))],
    ['titan without a vector', () => bedrockEmbeddings.translateResponse({ inputTextTokenCount: 1 }, 'amazon.titan-embed-text-v2:0', ctx({ input: 'x' }))],
    ['openai without data', () => openaiEmbeddings.translateResponse({ object: 'list' }, 'm', ctx({ input: 'x' }))],
  ])("a body that is not the vendor's shape throws (a malformed answer): %s", (_name, translate) => {
    expect(translate).toThrow();
  });

  it('Azure: v1 and preview paths name the model in the body', () => {
    const v1 = azureEmbeddings.buildRequest({ input: 'x' }, target('azureopenai', { model: 'dep', azure: { apiVersion: 'v1' } }));
    expect(v1.url).toBe('http://127.0.0.1:9/openai/v1/embeddings');
    expect(JSON.parse(v1.body)).toEqual({ input: 'x', model: 'dep' });
    expect(azureEmbeddings.buildRequest({ input: 'x' }, target('azureopenai', { model: 'dep', azure: { apiVersion: 'preview' } })).url).toBe(
      'http://127.0.0.1:9/openai/v1/embeddings?api-version=preview',
    );
  });

  it('a provider `path` naming the chat endpoint keeps its prefix; `pathPrefix` is honoured', () => {
    expect(openAIEmbeddingsUrl(target('openai', { path: '/api/openai/v1/chat/completions' }))).toBe('http://127.0.0.1:9/api/openai/v1/embeddings');
    expect(openAIEmbeddingsUrl(target('openai', { pathPrefix: '/compat' }))).toBe('http://127.0.0.1:9/compat/embeddings');
  });

  it("a custom host's chat completions path: embeddings beside it", async () => {
    const { customEmbeddings } = await import('../../functions/providers/openai/embeddings.js');
    const call = customEmbeddings.buildRequest({ model: 'm', input: 'x' }, target('custom', { formats: { Completions: { path: '/api/v1/chat/completions' } } }));
    expect(call.url).toBe('http://127.0.0.1:9/api/v1/embeddings');
  });

  it('no model anywhere: a 400 naming the provider', () => {
    expect(() => openaiEmbeddings.buildRequest({ input: 'x' }, target('openai'))).toThrow(/provider "p" \(openai\) needs a model/);
  });
});

describe('token counting translations', () => {
  it('Anthropic: a provider `path` naming its Messages endpoint gets /count_tokens beside it', () => {
    expect(countTokensUrl(target('anthropic', { path: '/anthropic/v1/messages' }))).toBe('http://127.0.0.1:9/anthropic/v1/messages/count_tokens');
    expect(anthropicCountTokens.buildRequest({ model: 'm', messages: [] }, target('anthropic')).url).toBe('http://127.0.0.1:9/v1/messages/count_tokens');
  });

  it("Bedrock: the client's anthropic-beta becomes the InvokeModel body's anthropic_beta; inputTokens is required in the answer", () => {
    const call = bedrockCountTokens.buildRequest({ model: 'm', messages: [] }, target('bedrock'), { headers: { 'anthropic-beta': 'a-1, b-2' } });
    const inner = JSON.parse(Buffer.from((JSON.parse(call.body) as { input: { invokeModel: { body: string } } }).input.invokeModel.body, 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(inner.anthropic_beta).toEqual(['a-1', 'b-2']);
    expect(bedrockCountTokens.translateResponse({ inputTokens: 12 }, 'm').body).toEqual({ input_tokens: 12 });
    expect(() => bedrockCountTokens.translateResponse({ input_tokens: 12 }, 'm')).toThrow();
  });
});
