/** `AgentgatewayBackend` (agentgateway.dev/v1alpha1): the models a route can reach, in priority groups. */
import * as z from 'zod';
import { countPresent, dnsSubdomain, objectMeta, port, UNSUPPORTED, unsupported } from './common.js';
import { backendPolicies, providerPolicies } from './policies.js';

/** Every provider kind agentgateway knows; the ones modelgate serves have a schema below. */
const PROVIDER_KINDS = ['openai', 'azureopenai', 'azure', 'anthropic', 'gemini', 'vertexai', 'bedrock', 'custom'] as const;

const model = z.string().min(1);
const modelOnly = z.strictObject({ model: model.optional() });

/** `vertexai`: Gemini on Vertex AI. `region` defaults to `global` (the CRD's default). */
export const vertexai = z.strictObject({
  model: model.optional(),
  projectId: z.string().min(1).max(64),
  region: z.string().min(1).max(64).optional(),
});

/** `bedrock`: the Converse API in `region` (default `us-east-1`), signed with the AWS credential chain. */
export const bedrock = z.strictObject({
  model: model.optional(),
  region: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9-]+$/, "should match '^[a-z0-9-]+$'")
    .optional(),
  guardrail: z.strictObject({ identifier: z.string().min(1).max(256), version: z.string().min(1).max(256) }).optional(),
});

/** `azureopenai`: an Azure OpenAI resource. A dated `apiVersion` addresses a deployment, so it needs one. */
const azureopenai = z
  .strictObject({
    endpoint: z.string().min(1).max(256),
    deploymentName: z.string().min(1).max(256).optional(),
    apiVersion: z.string().min(1).max(64).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.apiVersion !== undefined && a.apiVersion !== 'v1' && a.deploymentName === undefined) {
      ctx.addIssue({ code: 'custom', message: 'deploymentName is required for this apiVersion' });
    }
  });

/** `azure`: a resource by name, an Azure OpenAI resource or a Foundry project (model/azure-resource.ts maps it to its host). */
const azureResource = z
  .strictObject({
    apiVersion: z.string().min(1).max(64).optional(),
    model: z.string().min(1).max(256).optional(),
    projectName: z.string().min(1).max(256).optional(),
    resourceName: z.string().min(1).max(256),
    resourceType: z.enum(['Foundry', 'OpenAI']),
  })
  .superRefine((a, ctx) => {
    if (a.resourceType === 'Foundry' && a.projectName === undefined) ctx.addIssue({ code: 'custom', message: 'projectName is required when resourceType is Foundry' });
  });

/** Every API format the CRD lets a custom provider declare; modelgate uses Completions and Messages. */
const CUSTOM_FORMATS = ['AnthropicTokenCount', 'Completions', 'Embeddings', 'Messages', 'Realtime', 'Rerank', 'Responses'] as const;
const SERVED_CUSTOM_FORMATS: readonly string[] = ['Completions', 'Messages'];

const customFormat = z.strictObject({
  type: z.enum(CUSTOM_FORMATS),
  path: z.string().min(1).max(1024).startsWith('/', 'path must start with /').optional(),
});

/** A Kubernetes Service or InferencePool: what agentgateway reaches inside a cluster; modelgate cannot. */
const customBackendRef = z
  .strictObject({
    group: z.string().max(253).optional(),
    kind: z.string().min(1).max(63).optional(),
    name: z.string().min(1).max(253),
    port: port.optional(),
  })
  .superRefine((ref, ctx) => {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    if (group === '' && kind === 'Service' && ref.port === undefined) ctx.addIssue({ code: 'custom', message: 'Must have port for Service reference' });
  });

/** `custom`: a self-hosted or other compatible host, at `host`/`port`, speaking the declared `formats`. */
const custom = z
  .strictObject({
    model: model.optional(),
    formats: z.array(customFormat).min(1, 'should have at least 1 items').max(6, 'should have at most 6 items'),
    backendRef: customBackendRef.optional(),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.formats.forEach((f, i) => {
      if (seen.has(f.type)) ctx.addIssue({ code: 'custom', path: ['formats', i], message: `Duplicate value: {"type":"${f.type}"}` });
      seen.add(f.type);
    });
    const ref = c.backendRef;
    if (ref) {
      const group = ref.group ?? '';
      const kind = ref.kind ?? 'Service';
      const allowed = (group === '' && kind === 'Service') || (group === 'inference.networking.k8s.io' && kind === 'InferencePool');
      if (!allowed) ctx.addIssue({ code: 'custom', path: ['backendRef'], message: 'custom provider backendRef may target only Service or InferencePool' });
      else {
        ctx.addIssue({
          code: 'custom',
          path: ['backendRef'],
          message: `${UNSUPPORTED}: a backendRef names a Kubernetes ${kind}, which only agentgateway inside the cluster can reach; give the provider host and port instead`,
        });
      }
    }
    if (c.formats.length > 0 && !c.formats.some((f) => SERVED_CUSTOM_FORMATS.includes(f.type))) {
      ctx.addIssue({
        code: 'custom',
        path: ['formats'],
        message: `a custom provider without a Completions or Messages format ${UNSUPPORTED} (modelgate serves chat completions and messages)`,
      });
    }
  });

/** The fields of one provider, whether it stands alone (`ai.provider`) or in a group. */
const providerFields = {
  openai: z.strictObject({ model: model.optional(), moderation: unsupported().optional() }).optional(),
  anthropic: modelOnly.optional(),
  azureopenai: azureopenai.optional(),
  azure: azureResource.optional(),
  gemini: modelOnly.optional(),
  vertexai: vertexai.optional(),
  bedrock: bedrock.optional(),
  custom: custom.optional(),
  host: z.string().min(1).optional(),
  port: port.optional(),
  path: z.string().startsWith('/', 'path must start with /').optional(),
  pathPrefix: z.string().startsWith('/', 'pathPrefix must start with /').optional(),
};

/** The CEL rules the CRD puts on a provider, with the CRD's messages. */
function providerRules(p: Record<string, unknown>, ctx: z.RefinementCtx) {
  if ((p.host === undefined) !== (p.port === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'both host and port must be set together' });
  }
  if (p.path !== undefined && p.pathPrefix !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'path and pathPrefix are mutually exclusive' });
  }
  if (p.pathPrefix !== undefined && p.host === undefined) {
    ctx.addIssue({ code: 'custom', message: 'pathPrefix requires host to be set' });
  }
  const customSpec = p.custom as { backendRef?: unknown; formats?: Array<{ path?: unknown }> } | undefined;
  if (customSpec !== undefined && (customSpec.backendRef !== undefined) === (p.host !== undefined)) {
    ctx.addIssue({ code: 'custom', message: 'custom providers must specify exactly one of backendRef or host and port' });
  }
  if (customSpec !== undefined && (customSpec.formats ?? []).some((f) => f?.path !== undefined) && (p.path !== undefined || p.pathPrefix !== undefined)) {
    ctx.addIssue({ code: 'custom', message: 'path, pathPrefix, and custom format paths are mutually exclusive' });
  }
  if (countPresent(p, PROVIDER_KINDS) !== 1) {
    ctx.addIssue({ code: 'custom', message: `exactly one of the fields in [${PROVIDER_KINDS.join(' ')}] must be set` });
  }
}

export const singleProvider = z.strictObject(providerFields).superRefine(providerRules);

export const namedProvider = z.strictObject({ name: dnsSubdomain, policies: providerPolicies.optional(), ...providerFields }).superRefine(providerRules);

const providerGroup = z.strictObject({ providers: z.array(namedProvider).min(1) });

const aiBackend = z.strictObject({ provider: singleProvider.optional(), groups: z.array(providerGroup).min(1).optional() }).superRefine((ai, ctx) => {
  if (countPresent(ai, ['provider', 'groups']) !== 1) {
    ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [provider groups] must be set' });
  }
  // agentgateway asks for unique names inside a group; modelgate keys eviction state by provider
  // name within the backend, so names must be unique across all groups.
  const seen = new Set<string>();
  for (const [g, group] of (ai.groups ?? []).entries()) {
    for (const [p, provider] of group.providers.entries()) {
      if (seen.has(provider.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', g, 'providers', p, 'name'],
          message: `duplicate provider name "${provider.name}": names must be unique in the backend`,
        });
      }
      seen.add(provider.name);
    }
  }
});

export const backendObject = z.strictObject({
  apiVersion: z.literal('agentgateway.dev/v1alpha1'),
  kind: z.literal('AgentgatewayBackend'),
  metadata: objectMeta,
  spec: z
    .strictObject({
      ai: aiBackend.optional(),
      policies: backendPolicies.optional(),
      static: unsupported().optional(),
      mcp: unsupported().optional(),
      a2a: unsupported().optional(),
      aws: unsupported().optional(),
      dynamicForwardProxy: unsupported().optional(),
    })
    .superRefine((spec, ctx) => {
      if (countPresent(spec, ['ai', 'static', 'mcp', 'a2a', 'aws', 'dynamicForwardProxy']) !== 1) {
        ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [ai static mcp a2a aws dynamicForwardProxy] must be set' });
      }
      if (spec.policies?.ai !== undefined && spec.ai === undefined) {
        ctx.addIssue({ code: 'custom', path: ['policies', 'ai'], message: 'AI policies require AI' });
      }
      if (spec.policies?.mcp !== undefined && spec.mcp === undefined) {
        ctx.addIssue({ code: 'custom', path: ['policies', 'mcp'], message: 'MCP policies require MCP' });
      }
    }),
  status: z.unknown().optional(),
});

export type BackendObject = z.infer<typeof backendObject>;
export type NamedProviderSpec = z.infer<typeof namedProvider>;
export type SingleProviderSpec = z.infer<typeof singleProvider>;
