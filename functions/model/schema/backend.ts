/** `AgentgatewayBackend` (agentgateway.dev/v1alpha1): the models a route can reach, in priority groups. */
import * as z from 'zod';
import { countPresent, dnsSubdomain, objectMeta, port, unsupported } from './common.js';
import { backendPolicies, providerPolicies } from './policies.js';

/** Every provider kind agentgateway knows; the ones modelgate serves have a schema below. */
export const PROVIDER_KINDS = ['openai', 'azureopenai', 'azure', 'anthropic', 'gemini', 'vertexai', 'bedrock', 'custom'] as const;

const modelOnly = z.strictObject({ model: z.string().min(1).optional() });

/** The fields of one provider, whether it stands alone (`ai.provider`) or in a group. */
const providerFields = {
  openai: z.strictObject({ model: z.string().min(1).optional(), moderation: unsupported().optional() }).optional(),
  anthropic: modelOnly.optional(),
  azureopenai: unsupported().optional(),
  azure: unsupported().optional(),
  gemini: unsupported().optional(),
  vertexai: unsupported().optional(),
  bedrock: unsupported().optional(),
  custom: unsupported().optional(),
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
  if (countPresent(p, PROVIDER_KINDS) !== 1) {
    ctx.addIssue({ code: 'custom', message: `exactly one of the fields in [${PROVIDER_KINDS.join(' ')}] must be set` });
  }
}

export const singleProvider = z.strictObject(providerFields).superRefine(providerRules);

export const namedProvider = z
  .strictObject({ name: dnsSubdomain, policies: providerPolicies.optional(), ...providerFields })
  .superRefine(providerRules);

export const providerGroup = z.strictObject({ providers: z.array(namedProvider).min(1) });

export const aiBackend = z
  .strictObject({ provider: singleProvider.optional(), groups: z.array(providerGroup).min(1).optional() })
  .superRefine((ai, ctx) => {
    if (countPresent(ai, ['provider', 'groups']) !== 1) {
      ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [provider groups] must be set' });
    }
    // agentgateway asks for unique names inside a group; modelgate keys eviction state by provider
    // name within the backend, so names must be unique across all groups.
    const seen = new Set<string>();
    ai.groups?.forEach((group, g) =>
      group.providers.forEach((provider, p) => {
        if (seen.has(provider.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', g, 'providers', p, 'name'],
            message: `duplicate provider name "${provider.name}": names must be unique in the backend`,
          });
        }
        seen.add(provider.name);
      }),
    );
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
