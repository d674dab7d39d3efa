/**
 * The compiled configuration: what the engine reads on every request. Built once from validated
 * objects (manifests locally, config items on AWS), immutable afterwards, so a reload swaps one
 * reference and a request never sees half a config.
 */
import type { ProviderTarget } from '../core/provider-target.js';
import type { CelCondition } from './cel.js';
import type { AiRoutes, CompiledTransformation } from './compile-ai-transformations.js';
import type { CompiledRateLimit } from './compile-rate-limit.js';
import type { PromptGuardSettings } from './compile-prompt-guard.js';
import type { LinearRegex } from './regex.js';
import type { CompiledModel } from './model-config.js';
import type { HttpTraffic } from './compile-traffic-http.js';
import type { CredentialLocation } from './credential-location.js';
import type { TrafficAuth } from './traffic-auth-config.js';
import type { HedgingSettings } from './compile-hedging.js';
import type { HeaderChanges } from './compile-traffic-http.js';

export interface EvictionSettings {
  /** `eviction.duration`; absent means 3 s (the CRD default) once `eviction` is set. */
  durationMs?: number;
  consecutiveFailures?: number;
  /** `healthThreshold` / 100. */
  healthThreshold?: number;
  /** `restoreHealth` / 100. */
  restoreHealth?: number;
}

export interface HealthSettings {
  /** `unhealthyCondition`; absent means the default: connection failure, timeout or 5xx. */
  condition?: CelCondition;
  /** `eviction`; absent means an unhealthy answer evicts only for a provider's `Retry-After`. */
  eviction?: EvictionSettings;
}

export interface AiSettings {
  modelAliases?: Readonly<Record<string, string>>;
  overrides?: ReadonlyArray<{ field: string; value: unknown }>;
  defaults?: ReadonlyArray<{ field: string; value: unknown }>;
  prompt?: {
    prepend: ReadonlyArray<{ role: string; content: string }>;
    append: ReadonlyArray<{ role: string; content: string }>;
  };
  /** `transformations`: fields computed with CEL before defaults and overrides (compile-ai-transformations.ts). */
  transformations?: readonly CompiledTransformation[];
  /** `finalTransformations`: the same, after defaults, overrides and prompts, so they win over an override. */
  finalTransformations?: readonly CompiledTransformation[];
  /** `routes`: which client API each path suffix speaks, in place of endpoints.ts's table. */
  routes?: AiRoutes;
  /** `promptGuard`: regex and webhook guards on the prompt and the answer (compile-prompt-guard.ts, engine/prompt-guard*.ts). */
  promptGuard?: PromptGuardSettings;
}

export interface CompiledProvider {
  /** Stable identity of the provider's eviction state: `namespace/backend/provider`. */
  id: string;
  name: string;
  backendId: string;
  /** Index of the priority group, 0 first. */
  group: number;
  target: ProviderTarget;
  health: HealthSettings;
  ai: AiSettings;
  /** `http.requestTimeout`: the deadline for one attempt's answer. */
  requestTimeoutMs?: number;
  /** `tcp.connectTimeout`. */
  connectTimeoutMs?: number;
  /** An AgentgatewayModel's `policies.headers`: changes to its upstream calls (after the route's) and to the answers it gives. */
  headers?: { request?: HeaderChanges; response?: HeaderChanges };
}

export interface CompiledBackend {
  /** `namespace/name`. */
  id: string;
  name: string;
  namespace: string;
  /** Providers by priority group, in list order. */
  groups: ReadonlyArray<ReadonlyArray<CompiledProvider>>;
  providers: ReadonlyArray<CompiledProvider>;
  /** First-token deadline and hedged requests, from the object's `modelgate.dev/` annotations (compile-hedging.ts). */
  hedging?: HedgingSettings;
}

/** `traffic.apiKeyAuthentication`, compiled: only SHA-256 digests of the keys are kept. */
export interface ClientKeyAuth {
  mode: 'Strict' | 'Optional' | 'Permissive';
  /** Where the key is read; absent: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
  location?: CredentialLocation;
  /** SHA-256 of each accepted key, 32 bytes each. */
  keyDigests: readonly Buffer[];
}

export interface RetrySettings {
  /** Retries after the first attempt; the engine adds 1. Absent: every candidate once. */
  attempts?: number;
  /** Status codes that fail over without being unhealthy. Default: 429 and 5xx. */
  codes?: ReadonlySet<number>;
  backoffMs?: number;
  condition?: CelCondition;
}

/** A `RegularExpression` path must match the whole path (RE2, linear time). */
export type PathMatch = { type: 'Exact'; value: string } | { type: 'PathPrefix'; value: string } | { type: 'RegularExpression'; value: string; regex: LinearRegex };

/** A header or query match: `exact`, or `regex` found anywhere in the value (RE2, linear time). */
export interface ValueMatch {
  name: string;
  exact?: string;
  regex?: LinearRegex;
}

export interface CompiledMatch {
  path: PathMatch;
  headers: readonly ValueMatch[];
  queryParams: readonly ValueMatch[];
  method?: string;
}

export interface CompiledRule {
  /** `namespace/route` and, when named, `#rule`. */
  id: string;
  routeId: string;
  hostnames: readonly string[];
  matches: readonly CompiledMatch[];
  backends: ReadonlyArray<{ backend: CompiledBackend; weight: number }>;
  /** Whole-request deadline (route `timeouts.request`, or `traffic.timeouts.request`). */
  requestTimeoutMs?: number;
  /** Per-attempt deadline (route `timeouts.backendRequest`). */
  attemptTimeoutMs?: number;
  retry: RetrySettings;
  /** Client API keys the rule requires (from a traffic policy). */
  clientAuth?: ClientKeyAuth;
  /** JWT, basic authentication and authorization rules (traffic policies; compile-traffic-auth.ts, engine/traffic-auth.ts). */
  trafficAuth?: TrafficAuth;
  /** Which API a path speaks, when its backends' `ai.routes` say (else the endpoint table decides). */
  aiRoutes?: AiRoutes;
  /** `traffic.rateLimit` (compile-rate-limit.ts; counted by engine/rate-limit.ts). */
  rateLimit?: CompiledRateLimit;
  /** `traffic.cors`, `headerModifiers`, `directResponse` (compile-traffic-http.ts; engine/http-traffic.ts). */
  http?: HttpTraffic;
}

export interface Listener {
  gateway: string;
  name: string;
  port: number;
}

export interface CompiledConfig {
  listeners: readonly Listener[];
  /** Every route rule, in manifest order. */
  rules: readonly CompiledRule[];
  /** Every (match, rule) pair in Gateway API precedence order: the first that matches wins. */
  matchers: ReadonlyArray<{ match: CompiledMatch; rule: CompiledRule }>;
  backends: readonly CompiledBackend[];
  /** AgentgatewayModels (model-config.ts): matched by the requested model before any HTTPRoute. */
  models?: readonly CompiledModel[];
  warnings: readonly string[];
}
