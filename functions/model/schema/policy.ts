/** `AgentgatewayPolicy` (agentgateway.dev/v1alpha1): health, auth, retries and timeouts attached to targets. */
import * as z from 'zod';
import { atLeastOne, countPresent, dnsSubdomain, duration, objectMeta, port, unsupported } from './common.js';
import { backendPolicies } from './policies.js';
import { rateLimit } from './rate-limit.js';
import { trafficAuthSchemas } from './traffic-auth.js';
import { cors, directResponse, headerModifiers, notInTrafficTimeouts } from './traffic-http.js';

/** The kinds agentgateway lets a policy target, with their API group. */
const TARGET_GROUPS: Record<string, string> = {
  Gateway: 'gateway.networking.k8s.io',
  HTTPRoute: 'gateway.networking.k8s.io',
  GRPCRoute: 'gateway.networking.k8s.io',
  ListenerSet: 'gateway.networking.k8s.io',
  AgentgatewayBackend: 'agentgateway.dev',
  Service: '',
  InferencePool: 'inference.networking.k8s.io',
};

export const targetRef = z
  .strictObject({
    group: z.string().regex(/^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/),
    kind: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/),
    name: z.string().min(1).max(253),
    sectionName: dnsSubdomain.optional(),
    port: port.optional(),
  })
  .superRefine((ref, ctx) => {
    if (countPresent(ref, ['sectionName', 'port']) > 1) {
      ctx.addIssue({ code: 'custom', message: 'at most one of the fields in [sectionName port] may be set' });
    }
  });

const retryPolicy = z.strictObject({
  attempts: z.int().min(1).optional(),
  backoff: duration(0).optional(),
  codes: z.array(z.int().min(400).max(599)).optional(),
  condition: z.string().min(1).max(16_384).optional(),
  precondition: unsupported().optional(),
});

/** `traffic` fields the CRD refuses with `phase: PreRouting`. */
const POST_ROUTING_ONLY = ['buffer', 'csrf', 'delay', 'directResponse', 'headerModifiers', 'hostRewrite', 'rateLimit', 'retry', 'timeouts'];

const credentialLocation = z
  .strictObject({
    header: z
      .strictObject({
        name: z
          .string()
          .min(1)
          .max(256)
          .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/),
        prefix: z.string().min(1).max(256).optional(),
      })
      .optional(),
    queryParameter: z.strictObject({ name: z.string().min(1).max(256) }).optional(),
    cookie: z.strictObject({ name: z.string().min(1).max(256) }).optional(),
    // A CEL expression over `request` that yields the credential (compiled in credential-location.ts).
    expression: z.string().min(1).max(16_384).optional(),
  })
  .superRefine((loc, ctx) => {
    if (countPresent(loc, ['header', 'queryParameter', 'cookie', 'expression']) !== 1) {
      ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [header queryParameter cookie expression] must be set' });
    }
  });

/** Client API keys, in agentgateway's shape: a Secret whose entries are keys (raw, or `{"keyHash": "sha256:<hex>"}`). */
export const apiKeyAuthentication = z
  .strictObject({
    mode: z.enum(['Strict', 'Optional', 'Permissive']).default('Strict'),
    location: credentialLocation.optional(),
    secretRef: z.strictObject({ name: z.string().min(1).max(253), group: z.string().optional(), kind: z.string().optional() }).optional(),
    secretSelector: unsupported().optional(),
    configMapSelector: unsupported().optional(),
  })
  .superRefine((auth, ctx) => {
    if (countPresent(auth, ['secretRef', 'secretSelector', 'configMapSelector']) !== 1) {
      ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [secretRef secretSelector configMapSelector] must be set' });
    }
    if (auth.secretRef && ((auth.secretRef.group ?? '') !== '' || (auth.secretRef.kind ?? 'Secret') !== 'Secret')) {
      ctx.addIssue({ code: 'custom', path: ['secretRef'], message: 'credential sources other than a core Secret is not supported by modelgate yet' });
    }
  });

export type ApiKeyAuthenticationSpec = z.infer<typeof apiKeyAuthentication>;

// `jwtAuthentication`, `basicAuthentication` and `authorization` (traffic-auth.ts, with the CRD's rules).
const { jwtAuthentication, basicAuthentication, trafficAuthorization } = trafficAuthSchemas(credentialLocation);

const trafficPolicy = z
  .strictObject({
    phase: z.enum(['PostRouting', 'PreRouting']).optional(),
    retry: retryPolicy.optional(),
    // As the CRD: `request` is optional, and an empty `timeouts` is refused by an at-least-one rule.
    timeouts: z
      .strictObject({ request: duration(1, 'request must be at least 1ms').optional(), backendRequest: notInTrafficTimeouts.optional() })
      .superRefine(atLeastOne(['request']))
      .optional(),
    apiKeyAuthentication: apiKeyAuthentication.optional(),
    authorization: trafficAuthorization.optional(),
    basicAuthentication: basicAuthentication.optional(),
    buffer: unsupported().optional(),
    cors: cors.optional(),
    csrf: unsupported().optional(),
    delay: unsupported().optional(),
    directResponse: directResponse.optional(),
    extAuth: unsupported().optional(),
    extProc: unsupported().optional(),
    headerModifiers: headerModifiers.optional(),
    hostRewrite: unsupported().optional(),
    jwtAuthentication: jwtAuthentication.optional(),
    rateLimit: rateLimit.optional(),
    transformation: unsupported().optional(),
  })
  .superRefine((traffic, ctx) => {
    // The CRD's rule and message: every field outside the PreRouting set is refused, not only the
    // two modelgate implements (a PreRouting rateLimit must read as this error, not as "unsupported").
    if (traffic.phase === 'PreRouting' && countPresent(traffic, POST_ROUTING_ONLY) > 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'phase PreRouting only supports extAuth, authorization, transformation, extProc, jwtAuthentication, basicAuthentication, apiKeyAuthentication and cors',
      });
    }
  });

export const policyObject = z.strictObject({
  apiVersion: z.literal('agentgateway.dev/v1alpha1'),
  kind: z.literal('AgentgatewayPolicy'),
  metadata: objectMeta,
  spec: z
    .strictObject({
      targetRefs: z.array(targetRef).min(1).max(16).optional(),
      targetSelectors: unsupported().optional(),
      traffic: trafficPolicy.optional(),
      backend: backendPolicies.optional(),
      frontend: unsupported().optional(),
      strategy: unsupported().optional(),
    })
    .superRefine((spec, ctx) => {
      if (countPresent(spec, ['traffic', 'frontend', 'backend']) === 0) {
        ctx.addIssue({ code: 'custom', message: 'At least one of traffic, frontend, or backend must be provided.' });
      }
      if (countPresent(spec, ['targetRefs', 'targetSelectors']) !== 1) {
        ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [targetRefs targetSelectors] must be set' });
      }
      const refs = spec.targetRefs ?? [];
      if (!refs.every((r) => TARGET_GROUPS[r.kind] === r.group)) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetRefs'],
          message: 'targetRefs may only reference Gateway, HTTPRoute, GRPCRoute, ListenerSet, Service, AgentgatewayBackend, or InferencePool resources',
        });
      }
      if (new Set(refs.map((r) => r.kind)).size > 1) {
        ctx.addIssue({ code: 'custom', path: ['targetRefs'], message: 'Only one Kind of targetRef can be set on one policy' });
      }
      if (spec.traffic && !refs.every((r) => ['Gateway', 'HTTPRoute', 'GRPCRoute', 'ListenerSet', 'InferencePool'].includes(r.kind))) {
        ctx.addIssue({ code: 'custom', message: "the 'traffic' field can only target a Gateway, ListenerSet, GRPCRoute, HTTPRoute, or InferencePool" });
      }
      if (spec.traffic?.phase === 'PreRouting' && !refs.every((r) => r.kind === 'Gateway' || r.kind === 'ListenerSet')) {
        ctx.addIssue({ code: 'custom', message: "the 'traffic.phase=PreRouting' field can only target a Gateway or ListenerSet" });
      }
      if (refs.some((r) => r.port !== undefined) && (spec.traffic || spec.backend || !spec.frontend)) {
        ctx.addIssue({ code: 'custom', message: 'port may only be set on frontend-only policies (not traffic or backend)' });
      }
      if (spec.backend?.ai && refs.some((r) => r.kind === 'Service')) {
        ctx.addIssue({ code: 'custom', message: 'backend.ai may not be used with a Service target' });
      }
      if (spec.backend?.mcp && refs.some((r) => r.kind === 'Service')) {
        ctx.addIssue({ code: 'custom', message: 'backend.mcp may not be used with a Service target' });
      }
      if (refs.some((r) => r.kind === 'Service' && r.sectionName !== undefined && !(Number(r.sectionName) >= 1 && Number(r.sectionName) <= 65535))) {
        ctx.addIssue({ code: 'custom', message: 'Service sectionName must be a numeric port from 1 to 65535' });
      }
    }),
  status: z.unknown().optional(),
});

export type PolicyObject = z.infer<typeof policyObject>;
export type TargetRef = z.infer<typeof targetRef>;
export type RetrySpec = z.infer<typeof retryPolicy>;
