/**
 * The args of the components, in agentgateway's and Gateway API's field names and nesting
 * (`AgentgatewayBackend.spec`, `AgentgatewayPolicy.spec`, `HTTPRoute.spec`, `Gateway.spec`).
 * Every field is a `pulumi.Input`, except the containers on the way to an `auth.key`: each key
 * becomes a Secret of its own, so where keys are must be known when the component is constructed.
 *
 * Only the fields modelgate serves are typed (README: "supported kinds and fields"); anything else
 * reaches validation as written and is refused there, by name.
 */
import type * as pulumi from '@pulumi/pulumi';

type Input<T> = pulumi.Input<T>;

// ---------------------------------------------------------------- backend policies

/**
 * `auth`: how the gateway authenticates to the provider. `key` is the provider key itself — pass a
 * Pulumi secret (`config.requireSecret`); the component stores it in a Secret (Kubernetes) or in
 * AWS Secrets Manager and writes `secretRef` in its place, so the key never appears in the
 * rendered objects. `secretRef` names a Secret you manage yourself (Kubernetes only).
 */
export interface BackendAuthArgs {
  key?: Input<string>;
  secretRef?: Input<SecretRefArgs>;
}

export interface SecretRefArgs {
  name: Input<string>;
  /** The key inside the Secret; `Authorization` by default. */
  key?: Input<string>;
}

export interface EvictionArgs {
  /** Gateway API duration (`10s`, `1m`); at least 1 s. */
  duration?: Input<string>;
  consecutiveFailures?: Input<number>;
  /** Percent, 0-100. */
  healthThreshold?: Input<number>;
  /** Percent, 0-100. */
  restoreHealth?: Input<number>;
}

export interface HealthArgs {
  /** CEL over `response.code`, `response.headers`, `request.*`, `llm.*`. */
  unhealthyCondition?: Input<string>;
  eviction?: Input<EvictionArgs>;
}

export interface BackendHttpArgs {
  requestTimeout?: Input<string>;
  version?: Input<'HTTP1' | 'HTTP2'>;
}

export interface BackendTcpArgs {
  connectTimeout?: Input<string>;
  keepalive?: Input<{ interval?: Input<string>; retries?: Input<number>; time?: Input<string> }>;
}

export interface FieldValueArgs {
  field: Input<string>;
  value: Input<unknown>;
}

export interface PromptMessageArgs {
  role: Input<string>;
  content: Input<string>;
}

export interface AiPolicyArgs {
  modelAliases?: Input<Record<string, Input<string>>>;
  overrides?: Input<Input<FieldValueArgs>[]>;
  defaults?: Input<Input<FieldValueArgs>[]>;
  prompt?: Input<{ prepend?: Input<Input<PromptMessageArgs>[]>; append?: Input<Input<PromptMessageArgs>[]> }>;
  promptCaching?: Input<{
    cacheMessageOffset?: Input<number>;
    cacheMessages?: Input<boolean>;
    cacheSystem?: Input<boolean>;
    cacheTools?: Input<boolean>;
    minTokens?: Input<number>;
  }>;
}

/** A provider's `policies` (and, with the same fields, a backend's `policies` and a policy's `backend`). */
export interface ProviderPoliciesArgs {
  auth?: BackendAuthArgs;
  health?: Input<HealthArgs>;
  http?: Input<BackendHttpArgs>;
  tcp?: Input<BackendTcpArgs>;
  ai?: Input<AiPolicyArgs>;
}

export type BackendPoliciesArgs = ProviderPoliciesArgs;

// ---------------------------------------------------------------- AgentgatewayBackend

export interface ModelArgs {
  model?: Input<string>;
}

/** One provider: exactly one of `openai`, `anthropic`; `host` + `port` means plain HTTP to that address. */
export interface ProviderArgs {
  openai?: Input<ModelArgs>;
  anthropic?: Input<ModelArgs>;
  host?: Input<string>;
  port?: Input<number>;
  path?: Input<string>;
  pathPrefix?: Input<string>;
}

export interface NamedProviderArgs extends ProviderArgs {
  /** Unique within the backend: eviction state and `x-modelgate-provider` use it. */
  name: Input<string>;
  policies?: ProviderPoliciesArgs;
}

export interface ProviderGroupArgs {
  providers: NamedProviderArgs[];
}

/** `spec.ai`: one `provider`, or priority `groups` tried in list order. */
export interface AiBackendArgs {
  provider?: Input<ProviderArgs>;
  groups?: ProviderGroupArgs[];
}

// ---------------------------------------------------------------- AgentgatewayPolicy

export interface PolicyTargetRefArgs {
  group: Input<string>;
  kind: Input<string>;
  name: Input<string>;
  /** A provider of the backend, a listener of the Gateway, or a rule of the HTTPRoute. */
  sectionName?: Input<string>;
}

export interface RetryArgs {
  attempts?: Input<number>;
  backoff?: Input<string>;
  codes?: Input<Input<number>[]>;
  condition?: Input<string>;
}

export interface TrafficPolicyArgs {
  phase?: Input<'PostRouting' | 'PreRouting'>;
  retry?: Input<RetryArgs>;
  timeouts?: Input<{ request?: Input<string> }>;
}

// ---------------------------------------------------------------- Gateway API

export interface ListenerArgs {
  name: Input<string>;
  port: Input<number>;
  protocol: Input<string>;
  hostname?: Input<string>;
  allowedRoutes?: Input<{ namespaces?: Input<{ from?: Input<'All' | 'Same' | 'Selector'> }> }>;
}

export interface ParentRefArgs {
  group?: Input<string>;
  kind?: Input<string>;
  name: Input<string>;
  namespace?: Input<string>;
  sectionName?: Input<string>;
  port?: Input<number>;
}

export interface BackendRefArgs {
  group?: Input<string>;
  kind?: Input<string>;
  name: Input<string>;
  namespace?: Input<string>;
  port?: Input<number>;
  weight?: Input<number>;
}

export interface ValueMatchArgs {
  type?: Input<'Exact' | 'RegularExpression'>;
  name: Input<string>;
  value: Input<string>;
}

export interface RouteMatchArgs {
  path?: Input<{ type?: Input<'Exact' | 'PathPrefix' | 'RegularExpression'>; value?: Input<string> }>;
  headers?: Input<Input<ValueMatchArgs>[]>;
  queryParams?: Input<Input<ValueMatchArgs>[]>;
  method?: Input<'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH'>;
}
