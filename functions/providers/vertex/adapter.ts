/**
 * Vertex AI serves two publishers' models behind one provider, told apart by the model name (as
 * agentgateway does): Google's Gemini models in the Gemini wire format
 * (`publishers/google/models/{model}:generateContent`), and Anthropic's Claude models in the
 * Anthropic Messages format (`publishers/anthropic/models/{model}:rawPredict`, streamed with
 * `:streamRawPredict`; the body names `anthropic_version: vertex-2023-10-16` instead of a model).
 * Either way the credential is an OAuth access token, sent as `Authorization: Bearer`.
 *
 * The model decides per call, so each adapter method looks at the model the call was built for:
 * the engine hands the same model to the response and stream translators.
 */
import { asRecord } from '../../core/json.js';
import { anthropicChat } from '../anthropic/adapter.js';
import { translateAnthropicError } from '../anthropic/errors.js';
import { anthropicMessages, passthroughAnthropicError } from '../anthropic/passthrough.js';
import type { MessagesApiRequest } from '../anthropic/wire.js';
import { vertexGeminiChat } from '../gemini/adapter.js';
import { translateGoogleError } from '../gemini/errors.js';
import type { ChatCompletionRequest } from '../openai/wire.js';
import { DEFAULT_VERTEX_REGION } from '../../core/endpoints.js';
import { anthropicErrorFromOpenAI } from '../shared/error-body.js';
import { messagesViaChat } from '../shared/messages-via-chat.js';
import { GEMINI_DIALECT } from '../conversion/messages-to-completions-request.js';
import { pathSegment, requireModel, resolveModel, vendorUrl } from '../shared/target.js';
import type { ChatCompletionsAdapter, MessagesAdapter, UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/**
 * The Vertex name of a Claude model, or undefined for any other model: `anthropic/claude-x`,
 * `publishers/anthropic/models/claude-x` and bare `claude-x` are Claude; a `-YYYYMMDD` date
 * suffix becomes Vertex's `@YYYYMMDD` (`claude-3-5-sonnet-20241022` -> `claude-3-5-sonnet@20241022`).
 */
export function vertexAnthropicModel(model: string | undefined): string | undefined {
  if (model === undefined) return undefined;
  const at = model.indexOf('publishers/anthropic/models/');
  const name =
    at >= 0
      ? model.slice(at + 'publishers/anthropic/models/'.length)
      : model.startsWith('anthropic/')
        ? model.slice('anthropic/'.length)
        : model.startsWith('claude-')
          ? model
          : undefined;
  if (name === undefined) return undefined;
  return name.replace(/-(\d{8})$/, '@$1');
}

const isClaude = (model: string | undefined) => vertexAnthropicModel(model) !== undefined;

function anthropicUrl(target: ProviderTarget, model: string, stream: boolean): string {
  const project = pathSegment(target.projectId ?? '');
  const region = pathSegment(target.region ?? DEFAULT_VERTEX_REGION);
  return vendorUrl(target, `/v1/projects/${project}/locations/${region}/publishers/anthropic/models/${pathSegment(model)}:${stream ? 'streamRawPredict' : 'rawPredict'}`);
}

/** Vertex takes the Messages body without `model` (it is in the path), with its own API version, and no deprecated `output_format`. */
function vertexBody(body: Record<string, unknown>): string {
  const { model: _model, output_format: _outputFormat, ...rest } = body;
  withoutCacheScope(rest);
  return JSON.stringify({ ...rest, anthropic_version: VERTEX_ANTHROPIC_VERSION });
}

/**
 * Vertex AI refuses `cache_control.scope` (it takes `cache_control` with `type` and `ttl` only),
 * so a cache breakpoint goes without its scope rather than failing the request. Walks the places a
 * breakpoint can sit: system blocks, tools, message blocks and the blocks inside a tool result.
 */
function withoutCacheScope(body: Record<string, unknown>): void {
  const strip = (block: unknown) => {
    const cache = asRecord(asRecord(block)?.cache_control);
    if (cache && 'scope' in cache) delete cache.scope;
    const inner = asRecord(block)?.content;
    if (Array.isArray(inner)) inner.forEach(strip);
  };
  for (const key of ['system', 'tools'] as const) if (Array.isArray(body[key])) (body[key] as unknown[]).forEach(strip);
  if (Array.isArray(body.messages))
    for (const message of body.messages) {
      const content = asRecord(message)?.content;
      if (Array.isArray(content)) content.forEach(strip);
    }
}

function claudeCall(inner: UpstreamRequest, target: ProviderTarget, model: string, stream: boolean): UpstreamRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  if (stream) headers.accept = 'text/event-stream';
  // Anthropic API features the client asked for go along, as to Anthropic itself.
  if (inner.headers['anthropic-beta'] !== undefined) headers['anthropic-beta'] = inner.headers['anthropic-beta'];
  return { url: anthropicUrl(target, model, stream), headers, body: vertexBody(JSON.parse(inner.body) as Record<string, unknown>) };
}

/** Google's error body, or Anthropic's (a Claude model's errors come in Anthropic's shape). */
const isAnthropicError = (body: string) => /^\s*\{\s*"type"\s*:\s*"error"/.test(body);

export const vertexChat: ChatCompletionsAdapter = {
  streamFormat: 'sse',
  buildRequest(req: ChatCompletionRequest, target) {
    const model = resolveModel(target, req.model);
    const claude = vertexAnthropicModel(model);
    if (claude === undefined) return vertexGeminiChat.buildRequest(req, target);
    return claudeCall(anthropicChat.buildRequest(req, target), target, claude, req.stream === true);
  },
  translateResponse: (body, sentModel) => (isClaude(sentModel) ? anthropicChat : vertexGeminiChat).translateResponse(body, sentModel),
  streamTranslator: (sentModel, includeUsage) => (isClaude(sentModel) ? anthropicChat : vertexGeminiChat).streamTranslator(sentModel, includeUsage),
  translateError: (status, body) => (isAnthropicError(body) ? translateAnthropicError(status, body) : translateGoogleError(status, body)),
};

const geminiMessages = messagesViaChat(vertexGeminiChat, GEMINI_DIALECT);

export const vertexMessages: MessagesAdapter = {
  streamFormat: 'sse',
  buildRequest(req: MessagesApiRequest, target, context) {
    const model = requireModel(target, req.model);
    const claude = vertexAnthropicModel(model);
    if (claude === undefined) return geminiMessages.buildRequest(req, target, context);
    return claudeCall(anthropicMessages.buildRequest(req, target, context), target, claude, req.stream === true);
  },
  translateResponse: (body, sentModel) => (isClaude(sentModel) ? anthropicMessages : geminiMessages).translateResponse(body, sentModel),
  streamTranslator: (sentModel, includeUsage) => (isClaude(sentModel) ? anthropicMessages : geminiMessages).streamTranslator(sentModel, includeUsage),
  translateError: (status, body) => (isAnthropicError(body) ? passthroughAnthropicError(status, body) : anthropicErrorFromOpenAI(status, translateGoogleError(status, body))),
};
