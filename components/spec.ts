/**
 * The args of the components, in agentgateway's and Gateway API's field names and nesting
 * (`AgentgatewayBackend.spec`, `AgentgatewayPolicy.spec`, `HTTPRoute.spec`, `Gateway.spec`).
 * Every field is a `pulumi.Input`, except the containers on the way to an `auth.key` or to client
 * API keys (`traffic.apiKeyAuthentication.keys`): keys become Secrets, so where they are must be
 * known when the component is constructed.
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
  /**
   * The provider key (a Pulumi secret): moved into a Secret the component creates, never rendered.
   * @secret
   */
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

/**
 * `bedrock`: Converse / ConverseStream in `region` (default `us-east-1`), signed with the
 * gateway's AWS credentials — on AWS, the Lambda's role, which the component allows to invoke
 * exactly `model` (and, for an inference profile, the foundation model it routes to).
 */
export interface BedrockArgs {
  /**
   * A foundation model id (`anthropic.claude-sonnet-4-6`), a cross-Region inference profile id
   * (`us.anthropic.claude-…`, `eu.…`, `apac.…`, `global.…`) or an ARN. Required on AWS: without it
   * each client picks the model, which no grant short of every model covers.
   */
  model?: Input<string>;
  /** Default `us-east-1`. */
  region?: Input<string>;
  /** A guardrail applied to every call (on AWS the role may apply exactly this one). */
  guardrail?: Input<{ identifier: Input<string>; version: Input<string> }>;
}

/** `vertexai`: Gemini (or Claude) on Vertex AI; the token comes from `policies.auth`. */
export interface VertexAiArgs {
  projectId: Input<string>;
  /** Default `global`. */
  region?: Input<string>;
  model?: Input<string>;
}

/** `azureopenai`: an Azure OpenAI resource; the key comes from `policies.auth`. */
export interface AzureOpenAiArgs {
  /** `my-resource.openai.azure.com`. */
  endpoint: Input<string>;
  deploymentName?: Input<string>;
  /** Default `v1`; a dated version needs `deploymentName`. */
  apiVersion?: Input<string>;
}

/** `custom`: an OpenAI- or Anthropic-compatible host (vLLM, Ollama) at the provider's `host` + `port`. */
export interface CustomProviderArgs {
  formats: Input<Array<Input<{ type: Input<'Completions' | 'Messages'>; path?: Input<string> }>>>;
  model?: Input<string>;
}

/** One provider: exactly one kind (`openai`, `anthropic`, `bedrock`, ...); `host` + `port` means plain HTTP to that address. */
export interface ProviderArgs {
  openai?: Input<ModelArgs>;
  anthropic?: Input<ModelArgs>;
  bedrock?: Input<BedrockArgs>;
  gemini?: Input<ModelArgs>;
  vertexai?: Input<VertexAiArgs>;
  azureopenai?: Input<AzureOpenAiArgs>;
  custom?: Input<CustomProviderArgs>;
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

/** Where clients present their key; default `Authorization: Bearer <key>` (or `x-api-key`). Exactly one field. */
export interface CredentialLocationArgs {
  header?: Input<{ name: Input<string>; prefix?: Input<string> }>;
  queryParameter?: Input<{ name: Input<string> }>;
  cookie?: Input<{ name: Input<string> }>;
}

/**
 * `apiKeyAuthentication`: requests must present one of the client API keys. Exactly one of:
 * - `keys`: the keys themselves — pass Pulumi secrets (`config.requireSecret('clientKey')`); the
 *   component stores only their SHA-256 digests (`{"keyHash": "sha256:<hex>"}`) in a Secret
 *   `<policy name>-client-keys` (Kubernetes) or in AWS Secrets Manager, and writes `secretRef` in
 *   their place: the equivalent of `kubectl create secret` with hashed entries.
 * - `secretRef`: a Secret whose entries are keys (raw, or `{"key"}` / `{"keyHash"}` JSON) that you
 *   manage yourself (Kubernetes), or another Policy's `<name>-client-keys` (both platforms).
 * The block itself is a plain object when it holds `keys` (its fields may be Outputs).
 */
export interface ApiKeyAuthenticationArgs {
  /** `Strict` (default): a key is required; `Optional`: a wrong key is refused, none is allowed; `Permissive`: never refuses. */
  mode?: Input<'Strict' | 'Optional' | 'Permissive'>;
  location?: Input<CredentialLocationArgs>;
  /**
   * The client API keys (Pulumi secrets): only their SHA-256 digests are stored.
   * @secret
   */
  keys?: Input<Input<string>[]>;
  secretRef?: Input<{ name: Input<string>; group?: Input<string>; kind?: Input<string> }>;
}

export interface TrafficPolicyArgs {
  phase?: Input<'PostRouting' | 'PreRouting'>;
  retry?: Input<RetryArgs>;
  timeouts?: Input<{ request?: Input<string> }>;
  apiKeyAuthentication?: ApiKeyAuthenticationArgs;
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
