/**
 * Upstream addressing shared by every adapter: where the call goes and which model it names.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import { RequestNotExpressible } from '../types.js';

/**
 * `path` replaces the whole upstream path; otherwise `pathPrefix` (default `/v1`) is followed by
 * the endpoint, so an OpenAI-compatible server mounted elsewhere (`/openai/v1`, `/api`) still works.
 */
export function upstreamUrl(target: ProviderTarget, endpoint: string): string {
  const path = target.path ?? (target.pathPrefix ?? '/v1') + endpoint;
  return target.baseUrl + path;
}

/**
 * For vendors whose default path is not `/v1/...` (Gemini, Vertex, Bedrock, Azure): `path`
 * replaces it verbatim, `pathPrefix` goes in front of it — agentgateway's rules.
 */
export function vendorUrl(target: ProviderTarget, defaultPath: string): string {
  if (target.path !== undefined) return target.baseUrl + target.path;
  return target.baseUrl + (target.pathPrefix?.replace(/\/+$/, '') ?? '') + defaultPath;
}

/** The configured model wins over the client's, so a backend can pin what it serves. */
export function resolveModel(target: ProviderTarget, requested: string | undefined): string | undefined {
  return target.model ?? requested;
}

/** The model to send, or a 400 naming the provider when neither the config nor the client names one. */
export function requireModel(target: ProviderTarget, requested: string | undefined): string {
  const model = resolveModel(target, requested);
  if (model === undefined || model === '') {
    throw new RequestNotExpressible(`provider "${target.name}" (${target.kind}) needs a model: set one on the provider or send \`model\` in the request`, 'model');
  }
  return model;
}

/**
 * One path segment, whatever the model name holds: `/`, `:`, `?` and `%` can never open a segment
 * of their own, a method or a query (a model name is the client's input). `!'()*` are escaped too,
 * as AWS's SDKs escape path labels; `@` stays, as Vertex writes model versions (`claude-x@20250929`).
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%40/g, '@');
}
