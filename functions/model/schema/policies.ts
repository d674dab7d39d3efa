/**
 * The backend policy block (`auth`, `health`, `http`, `ai`, ...), shared by three places:
 * `AgentgatewayPolicy.spec.backend`, `AgentgatewayBackend.spec.policies`, and a provider's
 * `policies`. Field names, nesting and rules are agentgateway's.
 */
import * as z from 'zod';
import { atLeastOne, backendObjectRef, countPresent, duration, secretRef, unsupported } from './common.js';
import { awsAuth, azureAuth, gcpAuth, passthroughAuth } from './backend-auth.js';

const AUTH_METHODS = ['key', 'secretRef', 'passthrough', 'aws', 'azure', 'gcp', 'oauthTokenExchange', 'crossAppAccess', 'jwtSign'] as const;

const backendAuth = z
  .strictObject({
    key: z.string().min(1).optional(),
    secretRef: secretRef.optional(),
    location: unsupported().optional(),
    credentials: unsupported().optional(),
    passthrough: passthroughAuth.optional(),
    aws: awsAuth.optional(),
    azure: azureAuth.optional(),
    gcp: gcpAuth.optional(),
    oauthTokenExchange: unsupported().optional(),
    crossAppAccess: unsupported().optional(),
    jwtSign: unsupported().optional(),
  })
  .superRefine((auth, ctx) => {
    if (countPresent(auth, [...AUTH_METHODS, 'credentials']) === 0) {
      ctx.addIssue({ code: 'custom', message: `one of [${AUTH_METHODS.join(' ')} credentials] must be set` });
    }
    if (countPresent(auth, AUTH_METHODS) > 1) {
      ctx.addIssue({ code: 'custom', message: `at most one of the fields in [${AUTH_METHODS.join(' ')}] may be set` });
    }
  });

const eviction = z.strictObject({
  duration: duration(1_000, 'duration must be at least 1 second').optional(),
  consecutiveFailures: z.int().min(0).optional(),
  healthThreshold: z.int().min(0).max(100).optional(),
  restoreHealth: z.int().min(0).max(100).optional(),
});

const health = z.strictObject({
  unhealthyCondition: z.string().min(1).max(16_384).optional(),
  eviction: eviction.optional(),
});

const backendHttp = z.strictObject({
  requestTimeout: duration(1, 'requestTimeout must be at least 1ms').optional(),
  // HTTP/1.1 vs HTTP/2 to the upstream: modelgate speaks HTTP/1.1 with keep-alive; the answer is the same.
  version: z.enum(['HTTP1', 'HTTP2']).optional(),
});

/**
 * TCP keepalive tunes the OS, so modelgate ignores it (with a warning), but still validates it as
 * the CRD does: an object kubectl would refuse must not load here either.
 */
const keepalive = z.strictObject({
  interval: duration(1_000, 'interval must be at least 1 second').optional(),
  retries: z.int().min(1).max(64).optional(),
  time: duration(1_000, 'time must be at least 1 second').optional(),
});

const backendTcp = z.strictObject({
  connectTimeout: duration(100, 'connectTimeout must be at least 100ms').optional(),
  keepalive: keepalive.optional(),
});

const promptMessage = z.strictObject({ role: z.string().min(1), content: z.string() });
const fieldValue = z.strictObject({ field: z.string().min(1), value: z.unknown() });
/** A transformation: the request field `field` set to the value of the CEL `expression`. */
const fieldExpression = z.strictObject({ field: z.string().min(1).max(256), expression: z.string().min(1).max(16_384) });
const AI_ROUTE_TYPES = [
  'AnthropicTokenCount',
  'Completions',
  'Detect',
  'Embeddings',
  'GeminiCountTokens',
  'GenerateContent',
  'Messages',
  'Models',
  'Passthrough',
  'Realtime',
  'Rerank',
  'Responses',
] as const;

const guardResponse = z.strictObject({ message: z.string().optional(), statusCode: z.int().min(200).max(599).optional() }).superRefine(atLeastOne(['message', 'statusCode']));
/** A regex guard; its patterns are compiled (RE2) and checked at load, in compile-prompt-guard.ts. */
const regexGuard = z.strictObject({
  action: z.enum(['Mask', 'Reject']).optional(),
  builtins: z
    .array(z.enum(['CaSin', 'CreditCard', 'Email', 'PhoneNumber', 'Ssn']))
    .max(5)
    .optional(),
  matches: z.array(z.string().min(1).max(1024)).max(64).optional(),
});
const GUARD_KINDS = ['regex', 'webhook', 'openAIModeration', 'bedrockGuardrails', 'googleModelArmor'] as const;
const exactlyOneGuard = (value: object, ctx: z.RefinementCtx) => {
  if (countPresent(value, GUARD_KINDS) !== 1) ctx.addIssue({ code: 'custom', message: `exactly one of the fields in [${GUARD_KINDS.join(' ')}] must be set` });
};
/** A guardrail webhook (compile-prompt-guard.ts resolves its Service to a URL). */
const guardWebhook = z.strictObject({
  backendRef: backendObjectRef.refine(
    (ref) => !((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service') || ref.port !== undefined,
    'Must have port for Service reference',
  ),
  failureMode: z.enum(['FailClosed', 'FailOpen']).optional(),
  forwardHeaderMatches: z
    .array(z.strictObject({ name: z.string().min(1).max(256), type: z.enum(['Exact', 'RegularExpression']).optional(), value: z.string().min(1).max(4096) }))
    .max(64)
    .optional(),
  headers: z.record(z.string(), z.string().min(1).max(16_384)).optional(),
});
/** Where a guard service's key goes (the CRD's `auth.location`); by default `Authorization: Bearer <key>`. */
const guardKeyLocation = z
  .strictObject({
    header: z
      .strictObject({
        name: z
          .string()
          .min(1)
          .max(256)
          .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, 'must be an HTTP header name'),
        prefix: z.string().min(1).max(256).optional(),
      })
      .optional(),
    queryParameter: z.strictObject({ name: z.string().min(1).max(256) }).optional(),
    cookie: z.strictObject({ name: z.string().min(1).max(256) }).optional(),
  })
  .superRefine((value, ctx) => {
    if (countPresent(value, ['header', 'queryParameter', 'cookie']) !== 1)
      ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [header queryParameter cookie] must be set' });
  });
/**
 * Backend auth methods a guard service's auth does not have (the CRD leaves them out): named in the
 * error as kubectl would ("unknown field"), which a strict object cannot do under `auth` (validate.ts
 * hides unknown names there, as they may be a key).
 */
const NOT_GUARD_AUTH = ['passthrough', 'aws', 'azure', 'gcp', 'oauthTokenExchange', 'crossAppAccess', 'jwtSign', 'credentials'] as const;
/** A guard service's `policies.auth` (compile-prompt-guard.ts reads the key as backend auth does); `aws` only where the CRD has it (Bedrock). */
const guardAuth = (methods: readonly string[]) =>
  z
    .strictObject({
      key: z.string().min(1).max(2048).optional(),
      secretRef: secretRef.optional(),
      location: guardKeyLocation.optional(),
      ...Object.fromEntries(NOT_GUARD_AUTH.map((m) => [m, z.unknown().optional()])),
      // `aws: {}`: the default AWS credential chain, as the Bedrock provider signs; its other fields are not implemented.
      aws: z
        .strictObject({ assumeRole: unsupported().optional(), region: unsupported().optional(), secretRef: unsupported().optional(), serviceName: unsupported().optional() })
        .optional(),
    })
    .superRefine((auth, ctx) => {
      for (const m of NOT_GUARD_AUTH) {
        if (!methods.includes(m) && (auth as Record<string, unknown>)[m] !== undefined) ctx.addIssue({ code: 'custom', path: [m], message: `unknown field "${m}"` });
      }
      if (countPresent(auth, methods) !== 1) ctx.addIssue({ code: 'custom', message: `exactly one of the fields in [${methods.join(' ')}] must be set` });
      if (auth.location && !auth.key && !auth.secretRef) ctx.addIssue({ code: 'custom', message: 'location may only be set for key or secretRef auth' });
    });
/** `policies` of a guard service: auth and the call's timeout; TLS, tunnel and TCP tuning are not implemented. */
const guardServicePolicies = (methods: readonly string[]) =>
  z.strictObject({
    auth: guardAuth(methods).optional(),
    http: backendHttp.optional(),
    tcp: unsupported().optional(),
    tls: unsupported().optional(),
    tunnel: unsupported().optional(),
  });
/** OpenAI's moderation endpoint (https://api.openai.com/v1/moderations); request guards only, as in the CRD. */
const openAIModeration = z.strictObject({ model: z.string().min(1).max(256).optional(), policies: guardServicePolicies(['key', 'secretRef']).optional() });
/** AWS Bedrock's ApplyGuardrail API, SigV4-signed (or with an API key in `policies.auth`). */
const bedrockGuardrails = z.strictObject({
  identifier: z.string().min(1).max(256),
  version: z.string().min(1).max(256),
  region: z.string().min(1).max(256),
  policies: guardServicePolicies(['key', 'secretRef', 'aws']).optional(),
});
// Regex, webhook, OpenAI moderation and Bedrock guardrails guards are enforced; Model Armor is not reached yet.
const promptGuardEntry = {
  regex: regexGuard.optional(),
  response: guardResponse.optional(),
  webhook: guardWebhook.optional(),
  bedrockGuardrails: bedrockGuardrails.optional(),
  googleModelArmor: unsupported().optional(),
};
const promptGuard = z
  .strictObject({
    request: z
      .array(
        z
          .strictObject({
            ...promptGuardEntry,
            openAIModeration: openAIModeration.optional(),
            scope: z
              .array(z.enum(['Messages', 'SystemPrompt', 'ToolInput', 'ToolOutput']))
              .min(1)
              .max(4)
              .optional(),
          })
          .superRefine(exactlyOneGuard)
          .superRefine((guard, ctx) => {
            const scope = guard.scope;
            if (scope && !guard.regex && !guard.bedrockGuardrails && !(scope.length === 2 && scope.includes('SystemPrompt') && scope.includes('Messages'))) {
              ctx.addIssue({
                code: 'custom',
                message: 'scope: only regex and bedrockGuardrails guards support a non-default scope; other guard kinds always inspect the default (SystemPrompt + Messages)',
              });
            }
          }),
      )
      .min(1)
      .max(8)
      .optional(),
    response: z.array(z.strictObject(promptGuardEntry).superRefine(exactlyOneGuard)).min(1).max(8).optional(),
    streaming: z.enum(['Enabled']).optional(),
  })
  .superRefine(atLeastOne(['request', 'response']));

const aiPolicy = z
  .strictObject({
    modelAliases: z.record(z.string(), z.string()).optional(),
    overrides: z.array(fieldValue).optional(),
    defaults: z.array(fieldValue).optional(),
    prompt: z.strictObject({ prepend: z.array(promptMessage).optional(), append: z.array(promptMessage).optional() }).optional(),
    // Provider-side prompt caching is an optimisation; without it requests cost more, answers are the same.
    // Ignored (with a warning), but validated with the CRD's shape so a typo is still refused.
    promptCaching: z
      .strictObject({
        cacheMessageOffset: z.int().min(0).optional(),
        cacheMessages: z.boolean().optional(),
        cacheSystem: z.boolean().optional(),
        cacheTools: z.boolean().optional(),
        minTokens: z.int().min(0).optional(),
      })
      .optional(),
    promptGuard: promptGuard.optional(),
    // Route types modelgate cannot serve (Passthrough, Realtime, ...) pass the CRD's enum here and are refused when compiled, with the reason.
    routes: z.record(z.string(), z.enum(AI_ROUTE_TYPES)).optional(),
    transformations: z.array(fieldExpression).min(1).max(64).optional(),
    finalTransformations: z.array(fieldExpression).min(1).max(64).optional(),
  })
  .superRefine(atLeastOne(['defaults', 'finalTransformations', 'modelAliases', 'overrides', 'prompt', 'promptCaching', 'promptGuard', 'routes', 'transformations']));

/** Fields common to every place backend policies appear. */
const backendPolicyFields = {
  ai: aiPolicy.optional(),
  auth: backendAuth.optional(),
  health: health.optional(),
  http: backendHttp.optional(),
  tcp: backendTcp.optional(),
  tls: unsupported().optional(),
  transformation: unsupported().optional(),
  tunnel: unsupported().optional(),
};

/** `AgentgatewayBackend.spec.policies` and `AgentgatewayPolicy.spec.backend`. */
export const backendPolicies = z
  .strictObject({
    ...backendPolicyFields,
    extAuth: unsupported().optional(),
    mcp: unsupported().optional(),
  })
  .superRefine(atLeastOne(['ai', 'auth', 'extAuth', 'health', 'http', 'mcp', 'tcp', 'tls', 'transformation', 'tunnel']));

/** `groups[].providers[].policies`: the same block without the backend-wide parts. */
export const providerPolicies = z.strictObject(backendPolicyFields).superRefine(atLeastOne(['ai', 'auth', 'health', 'http', 'tcp', 'tls', 'transformation', 'tunnel']));

export type BackendPolicies = z.infer<typeof backendPolicies>;
export type ProviderPolicies = z.infer<typeof providerPolicies>;
export type HealthSpec = z.infer<typeof health>;
export type AiPolicySpec = z.infer<typeof aiPolicy>;
