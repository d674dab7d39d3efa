/**
 * Gemini, two ways in: the Gemini API (Google AI Studio, an API key in `x-goog-api-key`) and
 * Vertex AI (an OAuth access token as `Authorization: Bearer`; Claude on Vertex is `vertex/adapter.ts`). Same wire format, different
 * addresses: `/v1beta/models/{model}:generateContent` vs
 * `/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent`;
 * streaming is `:streamGenerateContent?alt=sse` (without `alt=sse` Google answers a JSON array).
 */
import type { ChatCompletionsAdapter, UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import type { ChatCompletionRequest } from '../openai/wire.js';
import { DEFAULT_VERTEX_REGION } from '../../core/endpoints.js';
import { pathSegment, requireModel, vendorUrl } from '../shared/target.js';
import { translateGoogleError } from './errors.js';
import { toGenerateContentRequest } from './request.js';
import { GeminiStreamTranslator, translateGeminiResponse } from './response.js';

const method = (stream: boolean) => (stream ? 'streamGenerateContent?alt=sse' : 'generateContent');

/**
 * `models/{id}` (or `tunedModels/{id}`) for the Gemini API: configs and clients write the bare id
 * or the resource name. The id is one escaped segment, so a model name can never choose the path.
 */
export function geminiModelResource(model: string): string {
  const slash = model.indexOf('/');
  const collection = slash > 0 ? model.slice(0, slash) : '';
  if (collection === 'models' || collection === 'tunedModels') return `${collection}/${pathSegment(model.slice(slash + 1))}`;
  return `models/${pathSegment(model)}`;
}

/** Vertex names Google's models as `publishers/google/models/{id}`; clients may send any of its prefixes. */
export function vertexModelId(model: string): string {
  const at = model.indexOf('publishers/google/models/');
  if (at >= 0) return model.slice(at + 'publishers/google/models/'.length);
  for (const prefix of ['models/', 'google/']) if (model.startsWith(prefix)) return model.slice(prefix.length);
  return model;
}

function build(req: ChatCompletionRequest, target: ProviderTarget, address: (model: string, stream: boolean) => string, auth: Record<string, string>): UpstreamRequest {
  const model = requireModel(target, req.model);
  const stream = req.stream === true;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...auth };
  if (stream) headers.accept = 'text/event-stream';
  return { url: vendorUrl(target, address(model, stream)), headers, body: JSON.stringify(toGenerateContentRequest(req, model)) };
}

const common = {
  streamFormat: 'sse' as const,
  translateResponse: translateGeminiResponse,
  streamTranslator: (sentModel: string, includeUsage: boolean) => new GeminiStreamTranslator(sentModel, includeUsage),
  translateError: translateGoogleError,
};

export const geminiChat: ChatCompletionsAdapter = {
  ...common,
  buildRequest: (req, target) =>
    build(req, target, (model, stream) => `/v1beta/${geminiModelResource(model)}:${method(stream)}`, target.apiKey ? { 'x-goog-api-key': target.apiKey } : {}),
};

/** Gemini models on Vertex AI; `vertex/adapter.ts` serves Vertex's Claude models beside them. */
export const vertexGeminiChat: ChatCompletionsAdapter = {
  ...common,
  buildRequest: (req, target) =>
    build(
      req,
      target,
      (model, stream) =>
        `/v1/projects/${pathSegment(target.projectId ?? '')}/locations/${pathSegment(target.region ?? DEFAULT_VERTEX_REGION)}/publishers/google/models/${pathSegment(vertexModelId(model))}:${method(stream)}`,
      target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {},
    ),
};
