/**
 * agentgateway's golden cases for embeddings and token counting, run against modelgate's adapters:
 * OpenAI embeddings requests -> OpenAI, Vertex AI `predict`, Bedrock Titan / Cohere / Nova
 * InvokeModel bodies, and those vendors' answers -> OpenAI's list; Anthropic token-counting
 * requests -> Anthropic, Bedrock CountTokens and Claude on Vertex, and Anthropic's answer back.
 * Data: ../shared/conformance/agentgateway-golden (read in place).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { anthropicCountTokens, readInputTokens, type CountTokensRequest } from '../../functions/providers/anthropic/count-tokens.js';
import { bedrockCountTokens } from '../../functions/providers/bedrock/count-tokens.js';
import { bedrockEmbeddings } from '../../functions/providers/bedrock/embeddings.js';
import { vertexEmbeddings } from '../../functions/providers/gemini/embeddings.js';
import type { EmbeddingsRequest } from '../../functions/providers/openai/embeddings-wire.js';
import { openaiEmbeddings } from '../../functions/providers/openai/embeddings.js';
import { vertexCountTokens } from '../../functions/providers/vertex/count-tokens.js';
import type { ProviderAdapter } from '../../functions/providers/types.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
import { type CompareOptions, diffJson, listCases, readGolden, readSnapshot, snapshotJson } from '../support/conformance.js';
import { describeWithShared, GOLDEN } from '../support/shared.js';
import { Tally, type Deviation } from '../support/golden-check.js';

const EMB_OPENAI = 'embeddings->openai';
const EMB_VERTEX = 'embeddings->vertex';
const EMB_TITAN = 'embeddings->bedrock-titan';
const EMB_COHERE = 'embeddings->bedrock-cohere';
const EMB_NOVA = 'embeddings->bedrock-nova';
const OPENAI_EMB = 'openai->embeddings';
const VERTEX_EMB = 'vertex->embeddings';
const TITAN_EMB = 'bedrock-titan->embeddings';
const COHERE_EMB = 'bedrock-cohere->embeddings';
const NOVA_EMB = 'bedrock-nova->embeddings';
const CT_ANTHROPIC = 'count_tokens->anthropic';
const CT_BEDROCK = 'count_tokens->bedrock';
const CT_VERTEX = 'count_tokens->vertex';
const ANTHROPIC_CT = 'anthropic->count_tokens';

const TRANSLATIONS = [
  EMB_OPENAI,
  EMB_VERTEX,
  EMB_TITAN,
  EMB_COHERE,
  EMB_NOVA,
  OPENAI_EMB,
  VERTEX_EMB,
  TITAN_EMB,
  COHERE_EMB,
  NOVA_EMB,
  CT_ANTHROPIC,
  CT_BEDROCK,
  CT_VERTEX,
  ANTHROPIC_CT,
] as const;
type Translation = (typeof TRANSLATIONS)[number];

const DEVIATIONS: ReadonlyArray<Deviation<Translation>> = [
  {
    translation: OPENAI_EMB,
    case: 'gemini-embeddings',
    differsAt: '$.usage: expected null',
    reason:
      'An OpenAI-compatible host that leaves `usage` out (Gemini\'s OpenAI endpoint) gets `{"prompt_tokens":0,"total_tokens":0}`: OpenAI clients read `usage` as always present.',
  },
  {
    translation: CT_BEDROCK,
    case: 'basic',
    differsAt: '$.input.invokeModel.body.anthropic_version',
    reason:
      "The InvokeModel body of a Claude model names Bedrock's `anthropic_version: bedrock-2023-05-31`, the version InvokeModel documents; agentgateway sends the direct API's `2023-06-01`.",
  },
  {
    translation: CT_BEDROCK,
    case: 'with_system',
    differsAt: '$.input.invokeModel.body.anthropic_version',
    reason: 'As for `basic`.',
  },
  {
    translation: CT_VERTEX,
    case: 'basic',
    differsAt: '$.model',
    reason:
      'The model is named as Vertex names Claude models (`claude-sonnet-4-5`, `claude-3-5-sonnet@20241022`), as in its rawPredict paths; agentgateway sends the configured `anthropic/claude-sonnet-4-5` as is.',
  },
  { translation: CT_VERTEX, case: 'with_system', differsAt: '$.model', reason: 'As for `basic`.' },
];

const tally = new Tally<Translation>('embeddings and token counting', TRANSLATIONS, DEVIATIONS);
const COMPARE: CompareOptions = { nullMatchesAbsent: true };

const OPENAI: ProviderTarget = { name: 'golden', kind: 'openai', baseUrl: 'https://api.openai.com' };
const VERTEX: ProviderTarget = { name: 'golden', kind: 'vertexai', baseUrl: 'https://us-central1-aiplatform.googleapis.com', projectId: 'test-project-123', region: 'us-central1' };
const bedrock = (model: string): ProviderTarget => ({ name: 'golden', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-west-2.amazonaws.com', region: 'us-west-2', model });
const TITAN = bedrock('amazon.titan-embed-text-v2:0');
const COHERE = bedrock('cohere.embed-english-v3');
const NOVA = bedrock('amazon.nova-2-multimodal-embeddings-v1:0');
const ANTHROPIC: ProviderTarget = { name: 'golden', kind: 'anthropic', baseUrl: 'https://api.anthropic.com' };
const CLAUDE_ON_BEDROCK = bedrock('anthropic.claude-3-5-sonnet-20241022-v2:0');
const CLAUDE_ON_VERTEX: ProviderTarget = { ...VERTEX, model: 'anthropic/claude-sonnet-4-5' };

type Embeddings = ProviderAdapter<EmbeddingsRequest, unknown, unknown>;
type Counting = ProviderAdapter<CountTokensRequest, unknown, unknown>;

/** The InvokeModel body inside a CountTokens call, decoded, so it compares as JSON. */
function decodeInvokeModel(body: unknown): unknown {
  const b = body as { input?: { invokeModel?: { body?: string } } };
  const inner = b.input?.invokeModel?.body;
  if (typeof inner !== 'string') return body;
  return { ...b, input: { ...b.input, invokeModel: { ...b.input!.invokeModel, body: JSON.parse(Buffer.from(inner, 'base64').toString('utf8')) as unknown } } };
}

describeWithShared('agentgateway golden cases: embeddings and token counting', GOLDEN, () => {
  describe('embeddings requests', () => {
    const dir = 'requests/embeddings/';
    const cases: Array<[Translation, string, Embeddings, ProviderTarget, (model: string) => string]> = [
      [EMB_OPENAI, '.openai.snap', openaiEmbeddings, OPENAI, () => 'https://api.openai.com/v1/embeddings'],
      [
        EMB_VERTEX,
        '.vertex.snap',
        vertexEmbeddings,
        VERTEX,
        (m) => `https://us-central1-aiplatform.googleapis.com/v1/projects/test-project-123/locations/us-central1/publishers/google/models/${m}:predict`,
      ],
      [EMB_TITAN, '.bedrock-titan.snap', bedrockEmbeddings, TITAN, () => 'https://bedrock-runtime.us-west-2.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke'],
      [EMB_COHERE, '.bedrock-cohere.snap', bedrockEmbeddings, COHERE, () => 'https://bedrock-runtime.us-west-2.amazonaws.com/model/cohere.embed-english-v3/invoke'],
      [EMB_NOVA, '.bedrock-nova.snap', bedrockEmbeddings, NOVA, () => 'https://bedrock-runtime.us-west-2.amazonaws.com/model/amazon.nova-2-multimodal-embeddings-v1%3A0/invoke'],
    ];
    for (const [translation, suffix, adapter, target, url] of cases) {
      describe(translation, () => {
        it.each(listCases(dir, '.json', suffix))('%s', (name) => {
          const req = JSON.parse(readGolden(`${dir}${name}.json`)) as EmbeddingsRequest;
          const call = adapter.buildRequest(req, target);
          expect(call.url).toBe(url(req.model!));
          tally.check(translation, name, diffJson(JSON.parse(call.body), snapshotJson(`${dir}${name}${suffix}`, 'request'), COMPARE));
        });
      });
    }
  });

  describe('embeddings responses', () => {
    const cases: Array<[Translation, string, string, Embeddings, string]> = [
      [OPENAI_EMB, 'response/openai/', '.openai.snap', openaiEmbeddings, 'text-embedding-3-small'],
      [VERTEX_EMB, 'response/vertex/', '.vertex.snap', vertexEmbeddings, 'text-embedding-004'],
      [TITAN_EMB, 'response/bedrock-titan/', '.bedrock-titan.snap', bedrockEmbeddings, 'amazon.titan-embed-text-v2:0'],
      [COHERE_EMB, 'response/bedrock-cohere/', '.bedrock-cohere.snap', bedrockEmbeddings, 'cohere.embed-english-v3'],
      [NOVA_EMB, 'response/bedrock-nova/', '.bedrock-nova.snap', bedrockEmbeddings, 'amazon.nova-2-multimodal-embeddings-v1:0'],
    ];
    for (const [translation, dir, suffix, adapter, sentModel] of cases) {
      describe(translation, () => {
        it.each(listCases(dir, '.json', suffix).filter((name) => !name.startsWith('rerank')))('%s', (name) => {
          const request: EmbeddingsRequest = { model: sentModel, input: 'x' };
          const { body } = adapter.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), sentModel, { request, headers: {} });
          tally.check(translation, name, diffJson(body, snapshotJson(`${dir}${name}${suffix}`, 'response'), COMPARE));
        });
      });
    }
  });

  describe('token counting requests', () => {
    const dir = 'requests/count-tokens/';
    const headers = { 'anthropic-version': '2023-06-01' };
    const cases: Array<[Translation, string, Counting, ProviderTarget, string]> = [
      [CT_ANTHROPIC, '.anthropic.snap', anthropicCountTokens, ANTHROPIC, 'https://api.anthropic.com/v1/messages/count_tokens'],
      [
        CT_BEDROCK,
        '.bedrock.snap',
        bedrockCountTokens,
        CLAUDE_ON_BEDROCK,
        'https://bedrock-runtime.us-west-2.amazonaws.com/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/count-tokens',
      ],
      [
        CT_VERTEX,
        '.vertex.snap',
        vertexCountTokens,
        CLAUDE_ON_VERTEX,
        'https://us-central1-aiplatform.googleapis.com/v1/projects/test-project-123/locations/us-central1/publishers/anthropic/models/count-tokens:rawPredict',
      ],
    ];
    for (const [translation, suffix, adapter, target, url] of cases) {
      describe(translation, () => {
        it.each(listCases(dir, '.json', suffix))('%s', (name) => {
          const req = JSON.parse(readGolden(`${dir}${name}.json`)) as CountTokensRequest;
          const call = adapter.buildRequest(req, target, { headers });
          expect(call.url).toBe(url);
          const actual = decodeInvokeModel(JSON.parse(call.body));
          tally.check(translation, name, diffJson(actual, decodeInvokeModel(snapshotJson(`${dir}${name}${suffix}`, 'request')), COMPARE));
        });
      });
    }
  });

  describe(ANTHROPIC_CT, () => {
    const dir = 'response/anthropic/';
    it.each(listCases(dir, '.json', '.anthropic.snap'))('%s', (name) => {
      const upstream = JSON.parse(readGolden(`${dir}${name}.json`)) as unknown;
      const { body } = anthropicCountTokens.translateResponse(upstream, 'claude-sonnet-4-5');
      // Passed through as Anthropic sent it; the snapshot holds the answer's count and the count read from it (`token_count`).
      expect(body).toEqual(upstream);
      const snapshot = JSON.parse(readSnapshot(`${dir}${name}.anthropic.snap`).body) as unknown;
      tally.check(ANTHROPIC_CT, name, diffJson({ input_tokens: (body as { input_tokens: number }).input_tokens, token_count: readInputTokens(body) }, snapshot, COMPARE));
    });
  });

  afterAll(() => console.log(tally.report()));
});
