/**
 * Embeddings from Google's models, both ways in:
 * - the Gemini API: `models/{id}:embedContent` for one text, `:batchEmbedContents` for several
 *   (https://ai.google.dev/api/embeddings), key in `x-goog-api-key`;
 * - Vertex AI: `publishers/google/models/{id}:predict` with one instance per text
 *   (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api),
 *   following agentgateway's translation (its golden cases are the conformance suite).
 * OpenAI's `dimensions` is Google's `outputDimensionality`; the vendor extensions `task_type` and
 * `title` (and Vertex's `auto_truncate`) are carried; anything else is refused, never dropped.
 */
import { DEFAULT_VERTEX_REGION } from '../../core/endpoints.js';
import { isRecord } from '../../core/json.js';
import { embeddingsList, readVector, refuseUncarried, textInputs } from '../conversion/embeddings-output.js';
import type { EmbeddingsRequest } from '../openai/embeddings-wire.js';
import { noEmbeddingsStream, type EmbeddingsAdapter } from '../openai/embeddings.js';
import { pathSegment, requireModel, vendorUrl } from '../shared/target.js';
import { RequestNotExpressible } from '../types.js';
import { translateGoogleError } from './errors.js';
import { geminiModelResource, vertexModelId } from './adapter.js';

/** Vertex's default task, as agentgateway sends it. */
export const VERTEX_DEFAULT_TASK = 'RETRIEVAL_QUERY';

const optionalString = (req: EmbeddingsRequest, field: string): string | undefined => {
  const v = req[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new RequestNotExpressible(`${field}: must be a string`, field);
  return v;
};

function geminiPart(req: EmbeddingsRequest, text: string): Record<string, unknown> {
  const taskType = optionalString(req, 'task_type');
  const title = optionalString(req, 'title');
  return {
    content: { parts: [{ text }] },
    ...(taskType !== undefined && { taskType }),
    ...(title !== undefined && { title }),
    ...(req.dimensions !== undefined && { outputDimensionality: req.dimensions }),
  };
}

export const geminiEmbeddings: EmbeddingsAdapter = {
  streamFormat: 'sse',
  buildRequest(req, target) {
    const what = 'gemini';
    refuseUncarried(req, target, what, ['dimensions', 'task_type', 'title']);
    const texts = textInputs(req, target, what);
    const resource = geminiModelResource(requireModel(target, req.model));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey) headers['x-goog-api-key'] = target.apiKey;
    const base = { ...target, path: undefined };
    // One text: embedContent. Several: batchEmbedContents, which names the model in each request.
    if (typeof req.input === 'string') return { url: vendorUrl(base, `/v1beta/${resource}:embedContent`), headers, body: JSON.stringify(geminiPart(req, texts[0]!)) };
    const requests = texts.map((text) => ({ model: decodeURIComponent(resource), ...geminiPart(req, text) }));
    return { url: vendorUrl(base, `/v1beta/${resource}:batchEmbedContents`), headers, body: JSON.stringify({ requests }) };
  },
  translateResponse(body, sentModel, context) {
    if (!isRecord(body)) throw new Error('not a Gemini embeddings answer');
    // embedContent answers `embedding`, batchEmbedContents `embeddings`; neither reports tokens.
    const items = Array.isArray(body.embeddings) ? body.embeddings : isRecord(body.embedding) ? [body.embedding] : undefined;
    if (!items) throw new Error('no `embedding` or `embeddings` in the Gemini answer');
    const vectors = items.map((e, i) => readVector(isRecord(e) ? e.values : undefined, `embeddings[${i}].values`));
    return embeddingsList(vectors, sentModel, 0, context?.request.encoding_format);
  },
  streamTranslator: noEmbeddingsStream,
  translateError: translateGoogleError,
};

/** Vertex AI's `predict` body: one instance per text, the task (and title) on each. */
export function vertexPredictBody(req: EmbeddingsRequest, texts: readonly string[]): Record<string, unknown> {
  const taskType = optionalString(req, 'task_type') ?? VERTEX_DEFAULT_TASK;
  const title = optionalString(req, 'title');
  const autoTruncate = req.auto_truncate;
  if (autoTruncate !== undefined && typeof autoTruncate !== 'boolean') throw new RequestNotExpressible('auto_truncate: must be a boolean', 'auto_truncate');
  const parameters = {
    ...(autoTruncate !== undefined && { autoTruncate }),
    ...(req.dimensions !== undefined && { outputDimensionality: req.dimensions }),
  };
  return {
    instances: texts.map((content) => ({ content, task_type: taskType, ...(title !== undefined && { title }) })),
    ...(Object.keys(parameters).length > 0 && { parameters }),
  };
}

export const vertexEmbeddings: EmbeddingsAdapter = {
  streamFormat: 'sse',
  buildRequest(req, target) {
    const what = 'vertexai';
    refuseUncarried(req, target, what, ['dimensions', 'task_type', 'title', 'auto_truncate']);
    const texts = textInputs(req, target, what);
    const model = vertexModelId(requireModel(target, req.model));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    const path = `/v1/projects/${pathSegment(target.projectId ?? '')}/locations/${pathSegment(target.region ?? DEFAULT_VERTEX_REGION)}/publishers/google/models/${pathSegment(model)}:predict`;
    return { url: vendorUrl({ ...target, path: undefined }, path), headers, body: JSON.stringify(vertexPredictBody(req, texts)) };
  },
  translateResponse(body, sentModel, context) {
    if (!isRecord(body) || !Array.isArray(body.predictions)) throw new Error('not a Vertex predict answer (no `predictions`)');
    let tokens = 0;
    const vectors = body.predictions.map((p, i) => {
      const embeddings = isRecord(p) && isRecord(p.embeddings) ? p.embeddings : undefined;
      const count = isRecord(embeddings?.statistics) ? embeddings.statistics.token_count : undefined;
      if (typeof count === 'number' && Number.isFinite(count)) tokens += count;
      return readVector(embeddings?.values, `predictions[${i}].embeddings.values`);
    });
    return embeddingsList(vectors, vertexModelId(sentModel), tokens, context?.request.encoding_format);
  },
  streamTranslator: noEmbeddingsStream,
  translateError: translateGoogleError,
};
