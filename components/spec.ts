/**
 * The args of the components, in agentgateway's and Gateway API's field names and nesting
 * (`AgentgatewayBackend.spec`, `AgentgatewayPolicy.spec`, `AgentgatewayModel.spec`, `HTTPRoute.spec`, `Gateway.spec`).
 * Every field is a `pulumi.Input`, except the containers on the way to an `auth.key`, to client
 * API keys (`traffic.apiKeyAuthentication.keys`) or to basic-auth users
 * (`traffic.basicAuthentication.users`): they become Secrets, so where they are must be known when
 * the component is constructed.
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
  /** Google access (or ID) tokens, minted and refreshed by the gateway: Vertex AI, Cloud Run-style backends. */
  gcp?: GcpAuthArgs;
  /** Entra ID tokens, minted and refreshed by the gateway: Azure OpenAI and Azure AI resources. */
  azure?: AzureAuthArgs;
  /** AWS credentials for Bedrock's SigV4 signing: static keys, or a role assumed on top of the gateway's own credentials. */
  aws?: AwsAuthArgs;
  /** `{}`: the client's own credential is what the provider receives (never logged). */
  passthrough?: Input<NoFieldsArgs>;
}

/** A block that is set, with no fields (`passthrough: {}`, `workloadIdentity: {}`). */
// biome-ignore lint/suspicious/noEmptyInterface: the CRD's blocks have no fields; a named empty type is what the schema can express.
export interface NoFieldsArgs {}

/**
 * `gcp`: at most one of `credentials` and `secretRef`; neither means the environment's
 * application default credentials. The block itself is a plain object when it holds `credentials`.
 */
export interface GcpAuthArgs {
  /** `AccessToken` (default), or `IdToken` (with `audience`) for Cloud Run-style backends. */
  type?: Input<'AccessToken' | 'IdToken'>;
  audience?: Input<string>;
  /**
   * A service-account key (its JSON, a Pulumi secret): moved into a Secret the component creates
   * (`<name>-gcp-credentials`, entry `credentials.json`), never rendered.
   * @secret
   */
  credentials?: Input<string>;
  /** A Secret you manage holding the key JSON at `key` (default `credentials.json`). */
  secretRef?: Input<{ name: Input<string>; key?: Input<string> }>;
}

/** An Entra ID application's client secret credentials. */
export interface AzureClientSecretArgs {
  tenantID: Input<string>;
  clientID: Input<string>;
  /**
   * The client secret (a Pulumi secret).
   * @secret
   */
  clientSecret: Input<string>;
}

/**
 * `azure`: at most one of `clientSecret`, `secretRef`, `managedIdentity`, `workloadIdentity`;
 * none means the environment's default credentials. The block itself is a plain object when it
 * holds `clientSecret`.
 */
export interface AzureAuthArgs {
  /** Moved into a Secret the component creates (`<name>-azure-credentials`, entries `tenantID`, `clientID`, `clientSecret`), never rendered. */
  clientSecret?: AzureClientSecretArgs;
  /** A Secret you manage with entries `tenantID`, `clientID`, `clientSecret`. */
  secretRef?: Input<{ name: Input<string> }>;
  /** At most one of the fields; none means the system-assigned identity. */
  managedIdentity?: Input<{ clientId?: Input<string>; objectId?: Input<string>; resourceId?: Input<string> }>;
  /** `{}`: the pod's (or function's) federated workload identity. */
  workloadIdentity?: Input<NoFieldsArgs>;
}

export interface AwsSessionTagArgs {
  key: Input<string>;
  value: Input<string>;
}

/** A role the gateway assumes (with STS) on top of its own credentials; on AWS the function's role may assume exactly this one. */
export interface AwsAssumeRoleArgs {
  /** `arn:aws:iam::<account>:role/<name>`; a plain string on AWS (the role's grant names it). */
  roleArn: Input<string>;
  sessionName?: Input<string>;
  /** Session tags (the grant then includes `sts:TagSession` on the role). */
  tags?: Input<Input<AwsSessionTagArgs>[]>;
}

/**
 * `aws`: static keys (`accessKey` + `secretKey`, optional `sessionToken`) or `secretRef`, or
 * `assumeRole`; neither keys nor `secretRef` means the gateway's own credentials (on AWS, the
 * function's role). The block itself is a plain object when it holds keys.
 */
export interface AwsAuthArgs {
  /**
   * An access key id: with `secretKey` (and `sessionToken`), moved into a Secret the component
   * creates (`<name>-aws-credentials`, entries `accessKey`, `secretKey`, `sessionToken`), never rendered.
   * @secret
   */
  accessKey?: Input<string>;
  /**
   * The secret access key (a Pulumi secret).
   * @secret
   */
  secretKey?: Input<string>;
  /**
   * A session token, for temporary keys (a Pulumi secret).
   * @secret
   */
  sessionToken?: Input<string>;
  /** A Secret you manage with entries `accessKey`, `secretKey` (and `sessionToken`). */
  secretRef?: Input<{ name: Input<string> }>;
  assumeRole?: Input<AwsAssumeRoleArgs>;
  /** The signing Region (default: the provider's). */
  region?: Input<string>;
  /** The signing service name (default `bedrock`). */
  serviceName?: Input<string>;
}

/**
 * First-token deadline and hedged requests (modelgate's, as `modelgate.dev/` annotations on the
 * object; agentgateway ignores them).
 */
export interface HedgingArgs {
  /** A duration (`800ms`) or `auto` (the provider's recent p95 time to first content, within 200 ms - 10 s): when the next candidate is started as well. */
  after: Input<string>;
  /** Extra attempts running at once, 1-3 (default 1). */
  maxHedges?: Input<number>;
  /** Share of requests allowed to hedge over a sliding window, `0%`-`100%` (default `10%`). */
  budget?: Input<string>;
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

/** A provider kind's block (`openai`, `anthropic`, `gemini`): the model it pins, if any. */
export interface ProviderModelArgs {
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
  openai?: Input<ProviderModelArgs>;
  anthropic?: Input<ProviderModelArgs>;
  bedrock?: Input<BedrockArgs>;
  gemini?: Input<ProviderModelArgs>;
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

/** One local token bucket: exactly one of `requests` and `tokens` (LLM tokens) per `unit`. */
export interface LocalRateLimitArgs {
  requests?: Input<number>;
  tokens?: Input<number>;
  unit: Input<'Seconds' | 'Minutes' | 'Hours'>;
  /** What may be spent at once above the rate. */
  burst?: Input<number>;
}

/** A conditional entry's limits. */
export interface RateLimitPolicyArgs {
  local?: Input<Input<LocalRateLimitArgs>[]>;
}

/** The first entry whose CEL `condition` holds applies; the last may have none. */
export interface ConditionalRateLimitArgs {
  condition?: Input<string>;
  policy: Input<RateLimitPolicyArgs>;
}

/** `rateLimit`: `local` buckets, or `conditional` entries (not both). */
export interface RateLimitArgs {
  local?: Input<Input<LocalRateLimitArgs>[]>;
  conditional?: Input<Input<ConditionalRateLimitArgs>[]>;
}

/** Where the JSON Web Key Set comes from: exactly one of `inline` (a JWKS document, public keys) and `remote`. */
export interface JwksArgs {
  inline?: Input<string>;
  remote?: Input<{ url: Input<string>; cacheDuration?: Input<string> }>;
}

export interface JwtProviderArgs {
  issuer: Input<string>;
  /** Accepted `aud` values; any audience when unset. */
  audiences?: Input<Input<string>[]>;
  jwks: Input<JwksArgs>;
}

/** `jwtAuthentication`: requests carry a JWT signed by one of the providers. */
export interface JwtAuthenticationArgs {
  /** `Strict` (default): a valid token is required; `Optional`: an invalid one is refused, none is allowed; `Permissive`: never refuses. */
  mode?: Input<'Strict' | 'Optional' | 'Permissive'>;
  providers: Input<Input<JwtProviderArgs>[]>;
  location?: Input<CredentialLocationArgs>;
}

/**
 * `basicAuthentication` (RFC 7617). Exactly one of:
 * - `users`: htpasswd lines (`alice:$apr1$...`, `bob:$2y$...`), hashes, never passwords. The
 *   component stores them in a Secret `<policy name>-basic-auth` (entry `.htaccess`; on AWS in
 *   Secrets Manager) and writes `secretRef` in their place.
 * - `secretRef`: a Secret holding an `.htaccess` file you manage yourself (Kubernetes), or another
 *   Policy's `<name>-basic-auth` (both platforms).
 * The block itself is a plain object when it holds `users` (its fields may be Outputs).
 */
export interface BasicAuthenticationArgs {
  /** `Strict` (default): credentials are required; `Optional`: wrong ones are refused, none are allowed. */
  mode?: Input<'Strict' | 'Optional'>;
  /** The realm of `WWW-Authenticate` on a refusal (default `Restricted`). */
  realm?: Input<string>;
  location?: Input<CredentialLocationArgs>;
  /**
   * htpasswd lines `user:hash`: moved into a Secret the component creates, never rendered.
   * @secret
   */
  users?: Input<Input<string>[]>;
  secretRef?: Input<{ name: Input<string>; key?: Input<string> }>;
}

/** `authorization`: one rule; its CEL `matchExpressions` must all hold for it to match. */
export interface AuthorizationArgs {
  /** `Allow` (default) and `Require` admit only matching requests, `Deny` refuses them. */
  action?: Input<'Allow' | 'Deny' | 'Require'>;
  policy: Input<{ matchExpressions: Input<Input<string>[]> }>;
}

export interface CorsArgs {
  allowCredentials?: Input<boolean>;
  allowHeaders?: Input<Input<string>[]>;
  allowMethods?: Input<Input<string>[]>;
  /** `https://example.com`, `https://*.example.com`, or `*`. */
  allowOrigins?: Input<Input<string>[]>;
  exposeHeaders?: Input<Input<string>[]>;
  /** Seconds a preflight answer may be cached (default 5). */
  maxAge?: Input<number>;
}

export interface HeaderValueArgs {
  name: Input<string>;
  value: Input<string>;
}

export interface HeaderFilterArgs {
  add?: Input<Input<HeaderValueArgs>[]>;
  set?: Input<Input<HeaderValueArgs>[]>;
  remove?: Input<Input<string>[]>;
}

/** `headerModifiers`: headers added, set or removed on the request (to the provider) and on the response (to the client). */
export interface HeaderModifiersArgs {
  request?: Input<HeaderFilterArgs>;
  response?: Input<HeaderFilterArgs>;
}

/** An answer the gateway gives itself, without calling a provider. */
export interface DirectResponsePolicyArgs {
  /** 200-599. */
  status?: Input<number>;
  body?: Input<string>;
  /** CEL for the body (not with `body`). */
  bodyExpression?: Input<string>;
  /** Each `value` is a CEL expression (a literal is quoted: `'"text/plain"'`). */
  headers?: Input<Input<HeaderValueArgs>[]>;
}

/** The first entry whose CEL `condition` holds answers; the last may have none. */
export interface ConditionalDirectResponseArgs {
  condition?: Input<string>;
  policy: Input<DirectResponsePolicyArgs>;
}

/** `directResponse`: one answer (`status` required), or `conditional` entries (nothing else with them). */
export interface DirectResponseArgs extends DirectResponsePolicyArgs {
  conditional?: Input<Input<ConditionalDirectResponseArgs>[]>;
}

export interface TrafficPolicyArgs {
  phase?: Input<'PostRouting' | 'PreRouting'>;
  retry?: Input<RetryArgs>;
  timeouts?: Input<{ request?: Input<string> }>;
  apiKeyAuthentication?: ApiKeyAuthenticationArgs;
  rateLimit?: Input<RateLimitArgs>;
  jwtAuthentication?: Input<JwtAuthenticationArgs>;
  basicAuthentication?: BasicAuthenticationArgs;
  authorization?: Input<AuthorizationArgs>;
  cors?: Input<CorsArgs>;
  headerModifiers?: Input<HeaderModifiersArgs>;
  directResponse?: Input<DirectResponseArgs>;
}

// ---------------------------------------------------------------- AgentgatewayModel

/** The model names a model answers to: exact, `gpt-*`, `*-latest` or `*` (default: the object's name). */
export interface ModelMatchArgs {
  model?: Input<string>;
}

/** `azure`: an Azure OpenAI resource (`{resourceName}.openai.azure.com`) or a Foundry project. */
export interface ModelAzureArgs {
  resourceName: Input<string>;
  resourceType: Input<'OpenAI' | 'Foundry'>;
  /** Required for `Foundry`. */
  projectName?: Input<string>;
  /** Default `v1`; a dated version makes the requested model the deployment. */
  apiVersion?: Input<string>;
}

/** `bedrock`: Converse in `region` (default `us-east-1`), signed with the gateway's AWS credentials. */
export interface ModelBedrockArgs {
  region?: Input<string>;
  guardrail?: Input<{ identifier: Input<string>; version: Input<string> }>;
}

/** `vertexai`: the Google Cloud project (and region, default `global`). */
export interface ModelVertexAiArgs {
  projectId: Input<string>;
  region?: Input<string>;
}

/** `custom`: an OpenAI- or Anthropic-compatible host at `baseURL`, and the APIs it speaks. */
export interface ModelCustomArgs {
  formats: Input<Array<Input<{ type: Input<'Completions' | 'Messages' | 'Responses' | 'Embeddings'>; path?: Input<string> }>>>;
}

export interface FieldExpressionArgs {
  field: Input<string>;
  /** CEL over `request` and `llmRequest`. */
  expression: Input<string>;
}

/**
 * A concrete model's `policies`. `auth.key` (a Pulumi secret) is moved into a Secret the component
 * creates (`<model name>-secret`), as a Backend's is.
 */
export interface ModelPoliciesArgs {
  auth?: BackendAuthArgs;
  health?: Input<HealthArgs>;
  /** Applied to the request before it is sent (`model` rewritten, fields set). */
  transformations?: Input<Input<FieldExpressionArgs>[]>;
  finalTransformations?: Input<Input<FieldExpressionArgs>[]>;
  authorization?: Input<AuthorizationArgs>;
}

/** A concrete model a virtual model's target names, by `name` (of the same namespace). */
export interface ModelRefArgs {
  name: Input<string>;
}

// ---------------------------------------------------------------- Gateway API

export interface ListenerArgs {
  name: Input<string>;
  port: Input<number>;
  protocol: Input<string>;
  hostname?: Input<string>;
  /**
   * Which routes may attach. agentgateway attaches an AgentgatewayModel only to a listener whose
   * `kinds` include `{ group: 'agentgateway.dev', kind: 'AgentgatewayModel' }`; modelgate serves
   * HTTPRoutes and models on every listener.
   */
  allowedRoutes?: Input<{
    namespaces?: Input<{ from?: Input<'All' | 'Same' | 'Selector'> }>;
    kinds?: Input<Input<{ group?: Input<string>; kind: Input<string> }>[]>;
  }>;
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
