/**
 * `AgentgatewayModel` (agentgateway.dev/v1alpha1): a model a client asks for by name, attached to
 * a Gateway listener. Concrete (`provider`, `baseURL`, provider settings, `policies`) or virtual
 * (`virtualModel`: failover by priority, weighted, or conditional on CEL). Field names, limits and
 * the CRD's x-kubernetes-validations rules (with their messages) are agentgateway's.
 */
import * as z from 'zod';
import { countPresent, objectMeta, port, UNSUPPORTED, unsupported } from './common.js';
import { providerPolicies } from './policies.js';
import { bedrock, vertexai } from './backend.js';
import { headerModifiers } from './traffic-http.js';

export const MODEL_PROVIDERS = [
  'Anthropic',
  'Azure',
  'Baseten',
  'Bedrock',
  'Cerebras',
  'Cohere',
  'Custom',
  'Deepinfra',
  'Deepseek',
  'Fireworks',
  'Gemini',
  'Groq',
  'Huggingface',
  'Mistral',
  'Ollama',
  'OpenAI',
  'Openrouter',
  'TogetherAI',
  'VertexAI',
  'XAI',
] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** Providers whose public endpoint modelgate knows; the others speak OpenAI's API at the `baseURL` they are given. */
export const PROVIDERS_WITH_DEFAULT_URL: readonly ModelProvider[] = ['OpenAI', 'Anthropic', 'Azure', 'Gemini', 'VertexAI', 'Bedrock'];

const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Gateway listener the model attaches to. ListenerSet and HTTPRoute parents are agentgateway's, not modelgate's (yet). */
const parentRef = z
  .strictObject({
    group: z.string().max(253).optional(),
    kind: z.string().min(1).max(63).optional(),
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(63).optional(),
    port: port.optional(),
    sectionName: z.string().min(1).max(253).regex(SECTION_NAME, `should match '${SECTION_NAME.source}'`).optional(),
  })
  .superRefine((ref, ctx) => {
    const kind = ref.kind ?? 'Gateway';
    if (kind !== 'Gateway') ctx.addIssue({ code: 'custom', path: ['kind'], message: `parent kind ${kind} ${UNSUPPORTED} (a model attaches to a Gateway listener)` });
  });

/** The CRD's rule: `*`, a suffix wildcard (`gpt-*`) or a prefix wildcard (`*-latest`); one star at most. */
const matchModel = z
  .string()
  .min(1)
  .max(1024)
  .refine((m) => !m.includes('*') || (m.indexOf('*') === m.lastIndexOf('*') && (m.indexOf('*') === 0 || m.indexOf('*') === m.length - 1)), {
    message: "model wildcards must be '*', a suffix like 'gpt-*', or a prefix like '*-latest'",
  });

const fieldExpression = z.strictObject({ field: z.string().min(1).max(256), expression: z.string().min(1).max(16_384) });

/**
 * A concrete model's `policies`: `auth` and `health` are the backend policy blocks (policies.ts);
 * `transformations` / `finalTransformations` as under `ai`. The others change what is sent or who
 * may send it, so they are refused until modelgate implements them rather than ignored.
 */
const modelPolicies = z
  .strictObject({
    auth: providerPolicies.shape.auth,
    health: providerPolicies.shape.health,
    transformations: z.array(fieldExpression).min(1).max(64).optional(),
    finalTransformations: z.array(fieldExpression).min(1).max(64).optional(),
    authorization: z
      .strictObject({
        action: z.enum(['Allow', 'Deny', 'Require']).optional(),
        policy: z.strictObject({ matchExpressions: z.array(z.string().min(1).max(16_384)).min(1).max(256) }),
      })
      .optional(),
    // Request and response header changes for this model's provider: the same block, rules and checks as traffic.headerModifiers.
    headers: headerModifiers.optional(),
    // The same block as a backend's `ai.promptGuard` (policies.ts), with its rules and its unsupported guards.
    promptGuard: providerPolicies.shape.ai.unwrap().shape.promptGuard,
    tls: unsupported().optional(),
    tunnel: unsupported().optional(),
  })
  .superRefine((p, ctx) => {
    const keys = ['auth', 'authorization', 'finalTransformations', 'headers', 'health', 'promptGuard', 'tls', 'transformations', 'tunnel'];
    if (countPresent(p, keys) < 1) ctx.addIssue({ code: 'custom', message: `at least one of the fields in [${keys.join(' ')}] must be set` });
  });

const CUSTOM_FORMATS = ['AnthropicTokenCount', 'Completions', 'Embeddings', 'Messages', 'Realtime', 'Rerank', 'Responses'] as const;

const custom = z
  .strictObject({
    backendRef: z
      .strictObject({ group: z.string().max(253).optional(), kind: z.string().min(1).max(63).optional(), name: z.string().min(1).max(253), port: port.optional() })
      .optional(),
    formats: z
      .array(z.strictObject({ type: z.enum(CUSTOM_FORMATS), path: z.string().min(1).max(1024).startsWith('/', 'path must start with /').optional() }))
      .min(1, 'should have at least 1 items')
      .max(6, 'should have at most 6 items'),
  })
  .superRefine((c, ctx) => {
    const ref = c.backendRef;
    if (!ref) return;
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    if (group === '' && kind === 'Service' && ref.port === undefined) ctx.addIssue({ code: 'custom', path: ['backendRef'], message: 'Must have port for Service reference' });
    const allowed = (group === '' && kind === 'Service') || (group === 'inference.networking.k8s.io' && kind === 'InferencePool');
    if (!allowed) ctx.addIssue({ code: 'custom', path: ['backendRef'], message: 'custom provider backendRef may target only Service or InferencePool' });
    else
      ctx.addIssue({
        code: 'custom',
        path: ['backendRef'],
        message: `${UNSUPPORTED}: a backendRef names a Kubernetes ${kind}, which only agentgateway inside the cluster can reach; give the provider a baseURL instead`,
      });
  });

/** `azure`: an Azure OpenAI resource (`{resourceName}.openai.azure.com`) or a Foundry project (`{resourceName}.services.ai.azure.com`). */
const azure = z
  .strictObject({
    resourceName: z.string().min(1).max(256),
    resourceType: z.enum(['Foundry', 'OpenAI']),
    projectName: z.string().min(1).max(256).optional(),
    apiVersion: z.string().min(1).max(64).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.resourceType === 'Foundry' && a.projectName === undefined) ctx.addIssue({ code: 'custom', message: 'projectName is required when resourceType is Foundry' });
  });

const modelRef = z.strictObject({ name: z.string().optional() });
const targetModel = z.string().min(1).max(1024).optional();
const targets = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'should have at least 1 items').max(64, 'should have at most 64 items');

const virtualModel = z
  .strictObject({
    failover: z.strictObject({ targets: targets(z.strictObject({ modelRef, model: targetModel, priority: z.int().min(0).max(1_000_000) })) }).optional(),
    weighted: z.strictObject({ targets: targets(z.strictObject({ modelRef, model: targetModel, weight: z.int().min(1).max(1_000_000).optional() })) }).optional(),
    conditional: z
      .strictObject({
        targets: targets(z.strictObject({ modelRef, model: targetModel, when: z.string().min(1).max(16_384).optional() })).refine(
          (ts) => ts.filter((t) => t.when === undefined).length <= 1 && (!ts.some((t) => t.when === undefined) || ts.at(-1)!.when === undefined),
          { message: 'conditional targets without when must be last' },
        ),
      })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (countPresent(v, ['weighted', 'failover', 'conditional']) !== 1)
      ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [weighted failover conditional] must be set' });
  });

/** agentgateway refuses a baseURL that reaches the gateway's own host: the CRD's four patterns. */
const LOCAL_BASE_URL = [
  /^https?:\/\/(localhost|[^/]+\.localhost)(:[0-9]+)?(\/|$)/i,
  /^https?:\/\/127(\.[0-9]{1,3}){0,3}(:[0-9]+)?(\/|$)/,
  /^https?:\/\/169\.254\.[0-9]{1,3}\.[0-9]{1,3}(:[0-9]+)?(\/|$)/,
  /^https?:\/\/\[(::1|fe[89ab][0-9a-f:]*)\](:[0-9]+)?(\/|$)/i,
];

function baseUrlIssues(baseURL: string): string[] {
  let url: URL | undefined;
  try {
    url = new URL(baseURL);
  } catch {
    url = undefined;
  }
  const issues: string[] = [];
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') issues.push('baseURL must be an absolute http or https URL with a host');
  if (LOCAL_BASE_URL.some((re) => re.test(baseURL))) issues.push('baseURL cannot target localhost, loopback, or link-local addresses');
  // "Query parameters, fragments, and user info are not supported" (the field's description).
  if (url && (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')) issues.push(`baseURL with a query, fragment or user info ${UNSUPPORTED}`);
  return issues;
}

const modelSpec = z
  .strictObject({
    parentRefs: z.array(parentRef).min(1, 'should have at least 1 items').max(16, 'should have at most 16 items'),
    match: z.strictObject({ model: matchModel.optional() }).optional(),
    visibility: z.enum(['Internal', 'Public']).optional(),
    provider: z.enum(MODEL_PROVIDERS).optional(),
    baseURL: z.string().min(1).max(1024).optional(),
    azure: azure.optional(),
    // A backend provider's blocks without `model`: a model names its model with `match.model`.
    bedrock: bedrock.omit({ model: true }).optional(),
    vertexai: vertexai.omit({ model: true }).optional(),
    custom: custom.optional(),
    policies: modelPolicies.optional(),
    virtualModel: virtualModel.optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (message: string, path: PropertyKey[] = []) => ctx.addIssue({ code: 'custom', path, message });
    if (s.baseURL !== undefined && s.provider === undefined) issue('baseURL requires provider');
    if (s.virtualModel && s.policies) issue('policies cannot be used with virtualModel');
    if (s.virtualModel && s.visibility === 'Internal') issue('virtual models must be public');
    if (s.virtualModel && s.match?.model?.includes('*')) issue('virtual model match.model must be an exact name');
    if (s.provider === 'Ollama' && s.baseURL === undefined) issue('ollama requires baseURL');
    if (s.baseURL !== undefined) for (const m of baseUrlIssues(s.baseURL)) issue(m, ['baseURL']);
    for (const [field, provider] of [
      ['azure', 'Azure'],
      ['vertexai', 'VertexAI'],
      ['bedrock', 'Bedrock'],
      ['custom', 'Custom'],
    ] as const) {
      if ((s[field] !== undefined) !== (s.provider === provider)) issue(`${field} must be set if and only if provider is ${provider}`);
    }
    if (countPresent(s, ['provider', 'virtualModel']) !== 1) issue('exactly one of the fields in [provider virtualModel] must be set');
    // A provider modelgate has no endpoint for: it is reached at its baseURL, as an OpenAI-compatible API.
    if (s.provider !== undefined && s.provider !== 'Custom' && s.provider !== 'Ollama' && !PROVIDERS_WITH_DEFAULT_URL.includes(s.provider) && s.baseURL === undefined) {
      issue(`provider ${s.provider} without baseURL ${UNSUPPORTED} (modelgate knows the endpoints of ${PROVIDERS_WITH_DEFAULT_URL.join(', ')}; give baseURL)`, ['provider']);
    }
    if (s.provider === 'Custom' && s.custom?.backendRef === undefined && s.baseURL === undefined) issue('a Custom provider needs baseURL (or a backendRef)', ['baseURL']);
  });

export const modelObject = z.strictObject({
  apiVersion: z.literal('agentgateway.dev/v1alpha1'),
  kind: z.literal('AgentgatewayModel'),
  metadata: objectMeta,
  spec: modelSpec,
  status: z.unknown().optional(),
});

export type ModelObject = z.infer<typeof modelObject>;
export type ModelSpec = ModelObject['spec'];
