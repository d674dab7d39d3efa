/**
 * Embeddings on Bedrock: `InvokeModel` (`POST /model/{modelId}/invoke`, SigV4-signed as the chat
 * adapter signs) in the body of one of three model families, told apart by the model id as
 * agentgateway does (its golden cases are the conformance suite):
 * - Amazon Titan (`amazon.titan-embed-text-v2:0`, and v1): one text, `dimensions`, `normalize`;
 * - Cohere (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`, `cohere.embed-v4:0`):
 *   several texts, `input_type`, `truncate`, and `output_dimension` on v4;
 * - Amazon Nova multimodal embeddings (`amazon.nova-2-multimodal-embeddings-v1:0`): one text,
 *   `embeddingDimension`, `embedding_purpose`, `truncation_mode`.
 * Titan reports its tokens in the body; Cohere and Nova in the `x-amzn-bedrock-input-token-count` header.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import { DEFAULT_BEDROCK_REGION } from '../../core/endpoints.js';
import { isRecord } from '../../core/json.js';
import { embeddingsList, fixedDimensions, headerTokenCount, readVector, refuseUncarried, singleText, textInputs } from '../conversion/embeddings-output.js';
import type { EmbeddingsRequest } from '../openai/embeddings-wire.js';
import { noEmbeddingsStream, type EmbeddingsAdapter } from '../openai/embeddings.js';
import { pathSegment, requireModel, vendorUrl } from '../shared/target.js';
import { RequestNotExpressible } from '../types.js';
import { translateBedrockError } from './errors.js';
import { awsAuthOf, signBedrockCall } from './sign.js';

export type BedrockEmbeddingFamily = 'titan' | 'cohere' | 'nova';

/** The family a model id belongs to; anything not Nova or Cohere is sent Titan's body, as agentgateway does. */
export function bedrockEmbeddingFamily(model: string): BedrockEmbeddingFamily {
  if (model.includes('nova')) return 'nova';
  if (model.includes('cohere')) return 'cohere';
  return 'titan';
}

/** Cohere Embed v3 answers 1024 floats per text; Titan Text Embeddings v1 1536. Neither can be asked for another length. */
const COHERE_V3_DIMENSIONS = 1024;
const TITAN_V1_DIMENSIONS = 1536;

function extension<T extends 'string' | 'boolean'>(req: EmbeddingsRequest, field: string, type: T): (T extends 'string' ? string : boolean) | undefined {
  const v = req[field];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new RequestNotExpressible(`${field}: must be a ${type}`, field);
  return v as T extends 'string' ? string : boolean;
}

function titanBody(req: EmbeddingsRequest, target: ProviderTarget, model: string): Record<string, unknown> {
  const what = `bedrock ${model}`;
  refuseUncarried(req, target, what, ['dimensions', 'normalize']);
  const v1 = /titan-embed-(text-v1|g1)/.test(model);
  if (v1) fixedDimensions(req, target, what, TITAN_V1_DIMENSIONS);
  const normalize = extension(req, 'normalize', 'boolean');
  // Always floats: Titan's `binary` type is a binary-quantized vector, not OpenAI's base64 of the
  // floats, so base64 is encoded here from the floats.
  return {
    inputText: singleText(req, target, what),
    ...(!v1 && req.dimensions !== undefined && { dimensions: req.dimensions }),
    ...(normalize !== undefined && { normalize }),
  };
}

function cohereBody(req: EmbeddingsRequest, target: ProviderTarget, model: string): Record<string, unknown> {
  const what = `bedrock ${model}`;
  refuseUncarried(req, target, what, ['dimensions', 'input_type', 'truncate']);
  const v4 = model.includes('embed-v4');
  if (!v4) fixedDimensions(req, target, what, COHERE_V3_DIMENSIONS);
  const truncate = extension(req, 'truncate', 'string');
  return {
    texts: textInputs(req, target, what),
    input_type: extension(req, 'input_type', 'string') ?? 'search_query',
    ...(truncate !== undefined && { truncate }),
    ...(v4 && req.dimensions !== undefined && { output_dimension: req.dimensions }),
  };
}

function novaBody(req: EmbeddingsRequest, target: ProviderTarget, model: string): Record<string, unknown> {
  const what = `bedrock ${model}`;
  refuseUncarried(req, target, what, ['dimensions', 'embedding_purpose', 'truncation_mode']);
  return {
    taskType: 'SINGLE_EMBEDDING',
    singleEmbeddingParams: {
      embeddingPurpose: extension(req, 'embedding_purpose', 'string') ?? 'GENERIC_INDEX',
      ...(req.dimensions !== undefined && { embeddingDimension: req.dimensions }),
      text: { truncationMode: extension(req, 'truncation_mode', 'string') ?? 'END', value: singleText(req, target, what) },
    },
  };
}

/** The InvokeModel body for this model's family. */
export function bedrockEmbeddingsBody(req: EmbeddingsRequest, target: ProviderTarget, model: string): Record<string, unknown> {
  const family = bedrockEmbeddingFamily(model);
  return family === 'nova' ? novaBody(req, target, model) : family === 'cohere' ? cohereBody(req, target, model) : titanBody(req, target, model);
}

/** Cohere v4 with `embedding_types` answers `{"embeddings": {"float": [[...]]}}`; v3 a plain list. */
function cohereVectors(body: Record<string, unknown>): unknown[] {
  if (Array.isArray(body.embeddings)) return body.embeddings;
  if (isRecord(body.embeddings) && Array.isArray(body.embeddings.float)) return body.embeddings.float;
  throw new Error('no `embeddings` in the Cohere answer');
}

export const bedrockEmbeddings: EmbeddingsAdapter = {
  streamFormat: 'sse',
  buildRequest(req, target) {
    const model = requireModel(target, req.model);
    const path = `/model/${pathSegment(model)}/invoke`;
    return {
      url: vendorUrl({ ...target, path: undefined }, path),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(bedrockEmbeddingsBody(req, target, model)),
    };
  },
  authorize: (call, target) => signBedrockCall(call, target.region ?? DEFAULT_BEDROCK_REGION, undefined, awsAuthOf(target)),
  translateResponse(body, sentModel, context) {
    if (!isRecord(body)) throw new Error('not a Bedrock embeddings answer');
    const encoding = context?.request.encoding_format;
    switch (bedrockEmbeddingFamily(sentModel)) {
      case 'nova': {
        if (!Array.isArray(body.embeddings)) throw new Error('no `embeddings` in the Nova answer');
        const vectors = body.embeddings.map((e, i) => readVector(isRecord(e) ? e.embedding : undefined, `embeddings[${i}].embedding`));
        return embeddingsList(vectors, sentModel, headerTokenCount(context?.headers), encoding);
      }
      case 'cohere': {
        const vectors = cohereVectors(body).map((e, i) => readVector(e, `embeddings[${i}]`));
        return embeddingsList(vectors, sentModel, headerTokenCount(context?.headers), encoding);
      }
      case 'titan': {
        // With `embeddingTypes` Titan answers in `embeddingsByType.float`; without, in `embedding`.
        const byType = isRecord(body.embeddingsByType) ? body.embeddingsByType.float : undefined;
        const vector = readVector(Array.isArray(body.embedding) && body.embedding.length > 0 ? body.embedding : byType, 'embedding');
        const tokens = typeof body.inputTextTokenCount === 'number' && Number.isFinite(body.inputTextTokenCount) ? body.inputTextTokenCount : headerTokenCount(context?.headers);
        return embeddingsList([vector], sentModel, tokens, encoding);
      }
    }
  },
  streamTranslator: noEmbeddingsStream,
  translateError: translateBedrockError,
};
