/**
 * Which providers modelgate knows and how to reach one: resolved once when the config is
 * compiled (model/), read by every adapter (providers/) and the engine. No dependencies, so the
 * config compiler can use it without loading the adapters.
 */

import type { ProviderCredential } from './credential-spec.js';

export const PROVIDER_KINDS = ['openai', 'anthropic', 'gemini', 'vertexai', 'bedrock', 'azureopenai', 'custom'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** The upstream API formats a `custom` provider declares (`custom.formats[].type`) that modelgate can use. */
export type CustomFormat = 'Completions' | 'Messages' | 'Responses';

/** How to reach one provider, resolved once when the config is compiled. */
export interface ProviderTarget {
  /** The provider's name in the backend (`groups[].providers[].name`, or the backend's name). */
  name: string;
  kind: ProviderKind;
  /** `<kind>.model`: overrides the model the client asked for. */
  model?: string;
  /** Scheme, host and port, no trailing slash: `https://api.anthropic.com`, `http://127.0.0.1:9000`. */
  baseUrl: string;
  /** `path`: the full upstream path (and query), replacing the provider's default. */
  path?: string;
  /** `pathPrefix`: replaces the default `/v1` prefix (openai, anthropic, custom); goes in front of the path otherwise. */
  pathPrefix?: string;
  /** The credential, already resolved from `auth.key` or a Secret, without a `Bearer ` prefix. */
  apiKey?: string;
  /** `auth.gcp` / `azure` / `aws` / `passthrough`: a credential minted or taken per request (providers/credentials/). */
  credential?: ProviderCredential;
  /** `bedrock.region` / `vertexai.region`. */
  region?: string;
  /** `vertexai.projectId`. */
  projectId?: string;
  /** `azureopenai`: the deployment and the API version (`v1` selects the v1 API, which takes the model in the body). */
  azure?: { apiVersion: string; deploymentName?: string };
  /** `custom.formats`: the upstream APIs the host speaks, each with its optional path. */
  formats?: Partial<Record<CustomFormat, { path?: string }>>;
  /** `bedrock.guardrail`. */
  guardrail?: { identifier: string; version: string };
}
