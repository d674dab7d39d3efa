/**
 * The client endpoints modelgate serves, by path suffix as agentgateway recognises them under any
 * route prefix, and the client API behind each: which parser, adapters and error shape a request
 * to that path gets. Anything that answers a path before the engine sees the request (an oversized
 * body, a drain, no config yet) asks here for the error shape.
 */
import { chatApi, errorResponseFor, messagesApi, type ClientApiSpec } from './client-api.js';
import { countTokensApi } from './count-tokens-api.js';
import { embeddingsApi } from './embeddings-api.js';
import { responsesApi } from './responses-api.js';
import type { GatewayResponse } from './types.js';
import type { AiRouteType, AiRoutes } from '../model/compile-ai-transformations.js';

export type Endpoint =
  | { readonly suffix: string; readonly method: 'POST'; readonly api: ClientApiSpec<unknown> }
  | { readonly suffix: string; readonly method: 'GET'; readonly api: undefined };

/** Checked in order: the first suffix that ends the path wins. */
export const ENDPOINTS: readonly Endpoint[] = [
  { suffix: '/chat/completions', method: 'POST', api: chatApi as ClientApiSpec<unknown> },
  { suffix: '/messages/count_tokens', method: 'POST', api: countTokensApi as ClientApiSpec<unknown> },
  { suffix: '/messages', method: 'POST', api: messagesApi as ClientApiSpec<unknown> },
  { suffix: '/responses', method: 'POST', api: responsesApi as ClientApiSpec<unknown> },
  { suffix: '/embeddings', method: 'POST', api: embeddingsApi as ClientApiSpec<unknown> },
  { suffix: '/models', method: 'GET', api: undefined },
];

export function endpointOf(path: string): Endpoint | undefined {
  return ENDPOINTS.find((e) => path.endsWith(e.suffix));
}

/** The endpoint of each `ai.routes` type modelgate serves (compile-ai-transformations.ts refuses the others at load). */
const ROUTE_TYPE_ENDPOINTS: Record<AiRouteType, Endpoint> = {
  Completions: ENDPOINTS[0]!,
  AnthropicTokenCount: ENDPOINTS[1]!,
  Messages: ENDPOINTS[2]!,
  Responses: ENDPOINTS[3]!,
  Embeddings: ENDPOINTS[4]!,
  Models: ENDPOINTS[5]!,
};

/**
 * With `ai.routes` on the backend's policy, the table above is replaced by it: the first suffix
 * that ends the path (longest first, `*` any path) says which API the path speaks, and a path none
 * matches speaks Completions, as in agentgateway.
 */
export function endpointByRoutes(path: string, routes: AiRoutes): Endpoint {
  const type = routes.find((r) => r.suffix === '*' || path.endsWith(r.suffix))?.type ?? 'Completions';
  return ROUTE_TYPE_ENDPOINTS[type];
}

/** The API whose shapes a request to `path` gets: its endpoint's, OpenAI's for any other path. */
export function apiForPath(path: string): ClientApiSpec<unknown> {
  return endpointOf(path)?.api ?? (chatApi as ClientApiSpec<unknown>);
}

/** The paths served, for the message that answers an unknown one. */
export function servedPaths(): string {
  const paths = ENDPOINTS.map((e) => `/v1${e.suffix}`);
  return `${paths.slice(0, -1).join(', ')} and ${paths.at(-1)}`;
}

/**
 * An error in the shape the client at `path` expects, for errors raised before a request reaches
 * the engine's endpoints (an oversized body in the Node server, no config yet in the Lambda).
 */
export function errorResponseForPath(path: string, status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): GatewayResponse {
  return errorResponseFor(apiForPath(path), status, message, type, code, headers);
}
