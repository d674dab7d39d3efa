/**
 * Upstream addressing shared by every adapter: where the call goes and which model it names.
 */
import type { ProviderTarget } from '../types.js';

/**
 * `path` replaces the whole upstream path; otherwise `pathPrefix` (default `/v1`) is followed by
 * the endpoint, so an OpenAI-compatible server mounted elsewhere (`/openai/v1`, `/api`) still works.
 */
export function upstreamUrl(target: ProviderTarget, endpoint: string): string {
  const path = target.path ?? (target.pathPrefix ?? '/v1') + endpoint;
  return target.baseUrl + path;
}

/** The configured model wins over the client's, so a backend can pin what it serves. */
export function resolveModel(target: ProviderTarget, requested: string | undefined): string | undefined {
  return target.model ?? requested;
}
