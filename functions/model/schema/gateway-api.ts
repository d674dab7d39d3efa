/**
 * Gateway API objects (gateway.networking.k8s.io/v1): `Gateway` for the listener, `HTTPRoute` for
 * matching requests to backends. Rules and messages follow the v1.6.1 CRDs.
 */
import * as z from 'zod';
import { compileLinearRegex, LinearRegexError } from '../regex.js';
import { parseDuration } from '../../core/duration.js';
import { dnsSubdomain, duration, ignored, objectMeta, port, unsupported } from './common.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

const listener = z.strictObject({
  name: dnsSubdomain,
  port,
  protocol: z.string().regex(/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/),
  hostname: z.string().optional(),
  allowedRoutes: z
    .strictObject({
      namespaces: z.strictObject({ from: z.enum(['All', 'Same', 'Selector']).default('Same'), selector: unsupported().optional() }).optional(),
      kinds: ignored(),
    })
    .optional(),
  tls: unsupported().optional(),
});

export const gatewayObject = z.strictObject({
  apiVersion: z.literal(`${GATEWAY_GROUP}/v1`),
  kind: z.literal('Gateway'),
  metadata: objectMeta,
  spec: z
    .strictObject({
      gatewayClassName: z.string().min(1).max(253),
      listeners: z.array(listener).min(1).max(64),
      addresses: ignored(),
      infrastructure: ignored(),
      allowedListeners: ignored(),
      tls: unsupported().optional(),
    })
    .superRefine((spec, ctx) => {
      const names = new Set<string>();
      spec.listeners.forEach((l, i) => {
        if (names.has(l.name)) ctx.addIssue({ code: 'custom', path: ['listeners', i, 'name'], message: 'Listener name must be unique within the Gateway' });
        names.add(l.name);
        if (l.protocol !== 'HTTP') {
          ctx.addIssue({
            code: 'custom',
            path: ['listeners', i, 'protocol'],
            message: `protocol ${l.protocol} is not supported by modelgate yet (HTTP only; terminate TLS in front)`,
          });
        }
      });
    }),
  status: z.unknown().optional(),
});

const parentRef = z.strictObject({
  group: z.string().default(GATEWAY_GROUP),
  kind: z.string().default('Gateway'),
  name: z.string().min(1).max(253),
  namespace: z.string().optional(),
  sectionName: dnsSubdomain.optional(),
  port: port.optional(),
});

/** RE2 syntax, as agentgateway and Envoy read it (`(?i)` included); JavaScript's RegExp is never used. */
function checkRe2(pattern: string, ctx: z.RefinementCtx): void {
  try {
    compileLinearRegex(pattern, 'search');
  } catch (error) {
    if (!(error instanceof LinearRegexError)) throw error;
    ctx.addIssue({ code: 'custom', path: ['value'], message: `invalid regular expression: ${error.message}` });
  }
}

const VALID_PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

const pathMatch = z
  .strictObject({
    type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).default('PathPrefix'),
    value: z.string().max(1024).default('/'),
  })
  .superRefine((path, ctx) => {
    if (path.type === 'RegularExpression') {
      checkRe2(path.value, ctx);
      return;
    }
    const broken = [
      [!path.value.startsWith('/'), "value must be an absolute path and start with '/'"],
      [path.value.includes('//'), "must not contain '//'"],
      [path.value.includes('/./'), "must not contain '/./'"],
      [path.value.includes('/../'), "must not contain '/../'"],
      [/%2f/i.test(path.value), "must not contain '%2f'"],
      [path.value.includes('#'), "must not contain '#'"],
      [path.value.endsWith('/..') || path.value.endsWith('/.'), "must not end with '/..' or '/.'"],
      [!VALID_PATH_CHARS.test(path.value), `must only contain valid characters (matching ${VALID_PATH_CHARS.source})`],
    ] as const;
    for (const [bad, message] of broken) if (bad) ctx.addIssue({ code: 'custom', message: `${message} when type one of ['Exact', 'PathPrefix']` });
  });

const valueMatch = z
  .strictObject({
    type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
    name: z.string().min(1).max(256),
    value: z.string().min(1).max(4096),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'RegularExpression') checkRe2(m.value, ctx);
  });

export const routeMatch = z.strictObject({
  path: pathMatch.optional(),
  headers: z.array(valueMatch).max(16).optional(),
  queryParams: z.array(valueMatch).max(16).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']).optional(),
});

const backendRef = z.strictObject({
  group: z.string().default(''),
  kind: z.string().default('Service'),
  name: z.string().min(1).max(253),
  namespace: z.string().optional(),
  port: port.optional(),
  weight: z.int().min(0).max(1_000_000).default(1),
  filters: unsupported().optional(),
});

const routeRule = z.strictObject({
  name: dnsSubdomain.optional(),
  matches: z
    .array(routeMatch)
    .max(64)
    .default([{ path: { type: 'PathPrefix', value: '/' } }]),
  backendRefs: z.array(backendRef).max(16).optional(),
  filters: unsupported().optional(),
  timeouts: z
    .strictObject({ request: duration(0).optional(), backendRequest: duration(0).optional() })
    // The v1.6.1 CRD's rule (`0s` request means no deadline).
    .refine(
      (t) => !(t.request && t.backendRequest && parseDuration(t.request) !== 0 && parseDuration(t.backendRequest)! > parseDuration(t.request)!),
      'backendRequest timeout cannot be longer than request timeout',
    )
    .optional(),
});

export const httpRouteObject = z.strictObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`]),
  kind: z.literal('HTTPRoute'),
  metadata: objectMeta,
  spec: z.strictObject({
    parentRefs: z.array(parentRef).max(32).optional(),
    hostnames: z.array(z.string().min(1).max(253)).max(16).optional(),
    rules: z
      .array(routeRule)
      .max(16)
      .default([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]),
  }),
  status: z.unknown().optional(),
});

export type GatewayObject = z.infer<typeof gatewayObject>;
export type HttpRouteObject = z.infer<typeof httpRouteObject>;
export type RouteRuleSpec = z.infer<typeof routeRule>;
export type RouteMatchSpec = z.infer<typeof routeMatch>;
export type BackendRefSpec = z.infer<typeof backendRef>;

const grantFrom = z.strictObject({
  group: z.string().max(253),
  kind: z.string().min(1).max(63),
  namespace: z.string().min(1).max(63),
});
const grantTo = z.strictObject({
  group: z.string().max(253),
  kind: z.string().min(1).max(63),
  name: z.string().min(1).max(253).optional(),
});

/** `ReferenceGrant`: lets routes in another namespace reference backends in this one. */
export const referenceGrantObject = z.strictObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1beta1`, `${GATEWAY_GROUP}/v1`]),
  kind: z.literal('ReferenceGrant'),
  metadata: objectMeta,
  spec: z.strictObject({ from: z.array(grantFrom).min(1).max(16), to: z.array(grantTo).min(1).max(16) }),
});

export type ReferenceGrantObject = z.infer<typeof referenceGrantObject>;
