/**
 * Embeddings at OpenAI-shaped hosts: OpenAI itself, Azure OpenAI (its three addressing schemes, as
 * for chat) and `custom` hosts that speak OpenAI's API (vLLM, Ollama, LiteLLM). The client already
 * speaks this API: the body passes through (only the model may change) and so does the answer,
 * which is checked to be OpenAI's list before it counts as one.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import { DEFAULT_AZURE_API_VERSION } from '../../core/endpoints.js';
import { isRecord } from '../../core/json.js';
import { pathSegment, requireModel, resolveModel, upstreamUrl, vendorUrl } from '../shared/target.js';
import type { ProviderAdapter, StreamTranslator, UpstreamRequest } from '../types.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from './embeddings-wire.js';
import { translateOpenAIError } from './errors.js';
import type { OpenAIErrorBody } from './wire.js';

export type EmbeddingsAdapter = ProviderAdapter<EmbeddingsRequest, EmbeddingsResponse, OpenAIErrorBody>;

/** Embeddings never stream; the engine never asks (the API's `stream` is false), so this is a bug if reached. */
export function noEmbeddingsStream(): StreamTranslator {
  throw new Error('embeddings are never streamed');
}

/**
 * The upstream path: `{pathPrefix or /v1}/embeddings`. A provider whose `path` names its chat
 * endpoint (`.../chat/completions`) keeps its prefix: `.../embeddings` beside it.
 */
export function openAIEmbeddingsUrl(target: ProviderTarget): string {
  if (target.path !== undefined && /\/chat\/completions(\?.*)?$/.test(target.path)) {
    return target.baseUrl + target.path.replace(/\/chat\/completions(\?.*)?$/, '/embeddings$1');
  }
  return upstreamUrl({ ...target, path: undefined }, '/embeddings');
}

function withModel(req: EmbeddingsRequest, model: string | undefined): string {
  // A copy, so the validated request the engine may reuse for a later attempt is untouched.
  return JSON.stringify(model === undefined || model === req.model ? req : { ...req, model });
}

/** OpenAI's answer, checked: a list of embeddings (floats or base64), with usage (zero when a host leaves it out). */
export function translateOpenAIEmbeddings(body: unknown, sentModel: string): { body: EmbeddingsResponse; model: string; usage: { input: number; output: number } } {
  if (!isRecord(body) || !Array.isArray(body.data)) throw new Error('not an embeddings list (no `data` array)');
  for (const item of body.data) {
    if (!isRecord(item) || !(Array.isArray(item.embedding) || typeof item.embedding === 'string')) throw new Error('an item of `data` has no `embedding`');
  }
  const usage = isRecord(body.usage) ? body.usage : {};
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : sentModel;
  const out = body as unknown as EmbeddingsResponse;
  if (!isRecord(body.usage)) out.usage = { prompt_tokens: 0, total_tokens: 0 };
  return { body: out, model, usage: { input: prompt, output: 0 } };
}

const common = {
  streamFormat: 'sse' as const,
  translateResponse: translateOpenAIEmbeddings,
  streamTranslator: noEmbeddingsStream,
  translateError: translateOpenAIError,
};

function bearer(target: ProviderTarget): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Local OpenAI-compatible servers often run without a key.
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  return headers;
}

export const openaiEmbeddings: EmbeddingsAdapter = {
  ...common,
  buildRequest(req, target): UpstreamRequest {
    return { url: openAIEmbeddingsUrl(target), headers: bearer(target), body: withModel(req, requireModel(target, req.model)) };
  },
};

/** `custom` hosts that speak OpenAI's API: the same call at their address, beside their chat completions path when they declare one. */
export const customEmbeddings: EmbeddingsAdapter = {
  ...openaiEmbeddings,
  buildRequest(req, target) {
    const chatPath = target.formats?.Completions?.path;
    return openaiEmbeddings.buildRequest(req, chatPath === undefined ? target : { ...target, path: chatPath });
  },
};

/** Azure OpenAI's embeddings path, for each API version (as `azurePath` is for chat). */
export function azureEmbeddingsPath(target: ProviderTarget, model: string | undefined): string {
  const version = target.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION;
  if (version === 'v1') return '/openai/v1/embeddings';
  if (version === 'preview') return '/openai/v1/embeddings?api-version=preview';
  const deployment = target.azure?.deploymentName ?? model ?? '';
  return `/openai/deployments/${pathSegment(deployment)}/embeddings?api-version=${encodeURIComponent(version)}`;
}

export const azureEmbeddings: EmbeddingsAdapter = {
  ...common,
  buildRequest(req, target): UpstreamRequest {
    const version = target.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION;
    const v1 = version === 'v1' || version === 'preview';
    // The v1 API takes the deployment as `model`; the dated API takes it in the path.
    const model = v1 ? requireModel(target, req.model) : resolveModel(target, req.model);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey) headers['api-key'] = target.apiKey;
    return { url: vendorUrl({ ...target, path: undefined }, azureEmbeddingsPath(target, model)), headers, body: withModel(req, model) };
  },
};
