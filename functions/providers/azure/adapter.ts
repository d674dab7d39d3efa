/**
 * Azure OpenAI: the OpenAI wire format at Azure's addresses, with the key in `api-key`.
 * - `apiVersion: v1` (the default): `https://{endpoint}/openai/v1/chat/completions`, the model
 *   (deployment) named in the body.
 * - a dated version: `https://{endpoint}/openai/deployments/{deploymentName}/chat/completions?api-version={apiVersion}`.
 * - `preview`: the v1 path with `?api-version=preview`.
 */
import type { ChatCompletionsAdapter, UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import type { ChatCompletionRequest } from '../openai/wire.js';
import { translateOpenAIError } from '../openai/errors.js';
import { translateOpenAIResponse } from '../openai/response.js';
import { OpenAIStreamTranslator } from '../openai/stream.js';
import { DEFAULT_AZURE_API_VERSION } from '../../core/endpoints.js';
import { pathSegment, requireModel, resolveModel, vendorUrl } from '../shared/target.js';

function azurePath(target: ProviderTarget, model: string | undefined): string {
  const version = target.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION;
  if (version === 'v1') return '/openai/v1/chat/completions';
  if (version === 'preview') return '/openai/v1/chat/completions?api-version=preview';
  const deployment = target.azure?.deploymentName ?? model ?? '';
  return `/openai/deployments/${pathSegment(deployment)}/chat/completions?api-version=${encodeURIComponent(version)}`;
}

function buildAzureRequest(req: ChatCompletionRequest, target: ProviderTarget): UpstreamRequest {
  const v1 = (target.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION) === 'v1' || target.azure?.apiVersion === 'preview';
  // The v1 API takes the deployment as `model`; the dated API takes it in the path.
  const model = v1 ? requireModel(target, req.model) : resolveModel(target, req.model);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey) headers['api-key'] = target.apiKey;
  if (req.stream === true) headers.accept = 'text/event-stream';
  const body = model === req.model || model === undefined ? req : { ...req, model };
  return { url: vendorUrl(target, azurePath(target, model)), headers, body: JSON.stringify(body) };
}

export const azureChat: ChatCompletionsAdapter = {
  streamFormat: 'sse',
  buildRequest: buildAzureRequest,
  translateResponse: translateOpenAIResponse,
  streamTranslator: () => new OpenAIStreamTranslator(),
  translateError: translateOpenAIError,
};
