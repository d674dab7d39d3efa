/**
 * HTTPRoute -> CompiledRules: parent Gateways and the listeners that admit the route,
 * backendRefs resolved against compiled backends (across namespaces only with a ReferenceGrant),
 * and per rule the traffic policy (timeouts, retry, client keys) merged with the rule's own.
 */
import { parseDuration } from '../core/duration.js';
import { compileCondition, CelSyntaxError } from './cel.js';
import { compileClientKeys } from './client-keys.js';
import type { ClientKeyAuth, CompiledBackend, CompiledRule, RetrySettings } from './config.js';
import type { BackendRefSpec, GatewayObject, HttpRouteObject, ReferenceGrantObject, RouteRuleSpec } from './schema/gateway-api.js';
import type { PolicyObject, RetrySpec } from './schema/policy.js';
import { describeObject, idOf, ns } from './compile-objects.js';
import type { SecretSource } from './compile-secrets.js';
import { trafficFor } from './compile-policies.js';
import { compileMatch } from './compile-matches.js';
import { aiRoutesOf } from './compile-ai-transformations.js';
import { rateLimitOf, type CompiledRateLimit } from './compile-rate-limit.js';
import { mergeTrafficAuth } from './compile-traffic-auth.js';
import type { TrafficAuth } from './traffic-auth-config.js';
import { mergeHttpTraffic, type HttpTraffic } from './compile-traffic-http.js';

/** What compiling a route needs besides the route: the config's other objects, and what routes share. */
export interface RouteContext {
  gateways: readonly GatewayObject[];
  backends: ReadonlyMap<string, CompiledBackend>;
  policies: readonly PolicyObject[];
  grants: readonly ReferenceGrantObject[];
  secrets: SecretSource;
  /** Client keys per policy id: one policy often covers many rules, so its keys compile (and report their problems) once. */
  clientKeys: Map<string, ClientKeyAuth | undefined>;
  problems: string[];
}

export function compileRoute(route: HttpRouteObject, ctx: RouteContext): CompiledRule[] {
  const parentIds = parentGateways(route, ctx.gateways, ctx.problems);
  return route.spec.rules.map((rule, ri) => compileRule(route, rule, ri, parentIds, ctx));
}

/** The ids of the Gateways the route attaches to; a parentRef naming a missing Gateway or listener, or one that does not admit the route, is a problem. */
function parentGateways(route: HttpRouteObject, gateways: readonly GatewayObject[], problems: string[]): string[] {
  const where = describeObject(route);
  const parentIds: string[] = [];
  (route.spec.parentRefs ?? []).forEach((ref, i) => {
    if (ref.kind !== 'Gateway') {
      problems.push(`${where}: spec.parentRefs[${i}]: parent kind ${ref.kind} is not supported by modelgate yet`);
      return;
    }
    const gateway = gateways.find((g) => g.metadata.name === ref.name && ns(g) === (ref.namespace ?? ns(route)));
    if (!gateway) {
      if (gateways.length > 0) problems.push(`${where}: spec.parentRefs[${i}]: Gateway ${ref.namespace ?? ns(route)}/${ref.name} not found`);
      return;
    }
    const listeners = gateway.spec.listeners.filter((l) => !ref.sectionName || l.name === ref.sectionName);
    if (listeners.length === 0) problems.push(`${where}: spec.parentRefs[${i}].sectionName: listener ${ref.sectionName} not found on Gateway ${idOf(gateway)}`);
    const admitted = listeners.some((l) => {
      const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
      return from === 'All' || (from === 'Same' && ns(gateway) === ns(route));
    });
    if (listeners.length > 0 && !admitted) {
      problems.push(`${where}: spec.parentRefs[${i}]: Gateway ${idOf(gateway)} does not allow routes from namespace ${ns(route)} (allowedRoutes.namespaces.from)`);
    }
    parentIds.push(idOf(gateway));
  });
  return parentIds;
}

function compileRule(route: HttpRouteObject, rule: RouteRuleSpec, ri: number, parentIds: readonly string[], ctx: RouteContext): CompiledRule {
  const where = `${describeObject(route)}: spec.rules[${ri}]`;
  const backends = (rule.backendRefs ?? []).flatMap((ref, bi) => resolveBackendRef(route, ref, `${where}.backendRefs[${bi}]`, ctx));
  const traffic = trafficSettings(trafficFor(ctx.policies, route, rule.name, parentIds), ctx);
  let requestTimeoutMs = traffic.requestTimeoutMs;
  if (rule.timeouts?.request) requestTimeoutMs = parseDuration(rule.timeouts.request) || undefined;
  const attemptTimeoutMs = rule.timeouts?.backendRequest ? parseDuration(rule.timeouts.backendRequest) || undefined : undefined;

  return {
    id: `${idOf(route)}${rule.name ? `#${rule.name}` : `#${ri}`}`,
    routeId: idOf(route),
    hostnames: route.spec.hostnames ?? [],
    matches: rule.matches.map((m, mi) => compileMatch(m, `${where}.matches[${mi}]`, ctx.problems)),
    backends,
    retry: traffic.retry,
    ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
    ...(attemptTimeoutMs !== undefined && { attemptTimeoutMs }),
    ...(traffic.clientAuth && { clientAuth: traffic.clientAuth }),
    ...(traffic.trafficAuth && { trafficAuth: traffic.trafficAuth }),
    ...(traffic.rateLimit && { rateLimit: traffic.rateLimit }),
    ...(traffic.http && { http: traffic.http }),
    ...withAiRoutes(backends),
  };
}

/** The compiled backend a backendRef names, or none (and a problem) when it is of another kind, missing, or not granted. */
function resolveBackendRef(route: HttpRouteObject, ref: BackendRefSpec, where: string, ctx: RouteContext): CompiledRule['backends'] {
  if (ref.kind !== 'AgentgatewayBackend' || ref.group !== 'agentgateway.dev') {
    ctx.problems.push(
      `${where}: backend kind ${ref.group ? `${ref.group}/` : ''}${ref.kind} is not supported by modelgate yet (use group agentgateway.dev, kind AgentgatewayBackend)`,
    );
    return [];
  }
  const backend = ctx.backends.get(`${ref.namespace ?? ns(route)}/${ref.name}`);
  if (!backend) {
    ctx.problems.push(`${where}: AgentgatewayBackend ${ref.namespace ?? ns(route)}/${ref.name} not found`);
    return [];
  }
  if (backend.namespace !== ns(route) && !granted(ctx.grants, ns(route), backend)) {
    ctx.problems.push(
      `${where}: AgentgatewayBackend ${backend.id} is in another namespace, and no ReferenceGrant in ${backend.namespace} allows HTTPRoutes from ${ns(route)} to use it`,
    );
    return [];
  }
  return [{ backend, weight: ref.weight }];
}

/** The traffic policies of one rule (least specific first) merged: request timeout, client keys, retry. */
function trafficSettings(traffic: ReturnType<typeof trafficFor>, ctx: RouteContext) {
  let retry: RetrySettings = {};
  let requestTimeoutMs: number | undefined;
  let clientAuth: ClientKeyAuth | undefined;
  let trafficAuth: TrafficAuth | undefined;
  let rateLimit: CompiledRateLimit | undefined;
  let http: HttpTraffic | undefined;
  for (const { traffic: t, at, namespace, id } of traffic) {
    // CORS, header modifiers, direct response: each replaced whole by a more specific policy (compile-traffic-http.ts).
    http = mergeHttpTraffic(http, t, at, ctx.problems);
    // A more specific `rateLimit` replaces a less specific one whole (compile-rate-limit.ts).
    if (t.rateLimit) rateLimit = rateLimitOf(t.rateLimit, id, `${at}.rateLimit`, ctx.problems);
    // JWT, basic authentication and authorization rules (compile-traffic-auth.ts).
    trafficAuth = mergeTrafficAuth(trafficAuth, t, at, namespace, ctx);
    if (t.timeouts?.request) requestTimeoutMs = parseDuration(t.timeouts.request);
    if (t.apiKeyAuthentication) {
      if (!ctx.clientKeys.has(id)) ctx.clientKeys.set(id, compileClientKeys(t.apiKeyAuthentication, namespace, ctx.secrets, `${at}.apiKeyAuthentication`, ctx.problems));
      clientAuth = ctx.clientKeys.get(id);
    }
    // A more specific `retry` replaces a less specific one whole (policies merge per field), so a
    // Gateway's `codes` do not leak into a route's retry that leaves them out.
    if (t.retry) retry = compileRetry(t.retry, `${at}.retry`, ctx.problems);
  }
  return { retry, requestTimeoutMs, clientAuth, trafficAuth, rateLimit, http };
}

/** Gateway API: a reference across namespaces needs a ReferenceGrant in the referent's namespace. */
function granted(grants: readonly ReferenceGrantObject[], fromNamespace: string, backend: CompiledBackend): boolean {
  return grants.some(
    (g) =>
      ns(g) === backend.namespace &&
      g.spec.from.some((f) => f.group === 'gateway.networking.k8s.io' && f.kind === 'HTTPRoute' && f.namespace === fromNamespace) &&
      g.spec.to.some((t) => t.group === 'agentgateway.dev' && t.kind === 'AgentgatewayBackend' && (t.name === undefined || t.name === backend.name)),
  );
}

function compileRetry(spec: RetrySpec, where: string, problems: string[]): RetrySettings {
  const out: RetrySettings = {};
  if (spec.attempts !== undefined) out.attempts = spec.attempts;
  if (spec.codes !== undefined) out.codes = new Set(spec.codes);
  if (spec.backoff !== undefined) out.backoffMs = parseDuration(spec.backoff)!;
  if (spec.condition !== undefined) {
    try {
      out.condition = compileCondition(spec.condition);
    } catch (error) {
      if (!(error instanceof CelSyntaxError)) throw error;
      problems.push(`${where}.condition: ${error.message}`);
    }
  }
  return out;
}

/**
 * The traffic policies (timeouts, retry, client keys) that target these Gateways, merged as for a
 * route rule: what an AgentgatewayModel attached to them is served with (compile-models.ts).
 */
export function gatewayTraffic(namespace: string, gatewayIds: readonly string[], ctx: RouteContext) {
  // No HTTPRoute-targeted policy can name this stand-in (a route name is never empty), so only Gateway policies apply.
  const standIn = { metadata: { name: '', namespace } } as HttpRouteObject;
  return trafficSettings(trafficFor(ctx.policies, standIn, undefined, gatewayIds), ctx);
}

/** The rule's `aiRoutes` field, when its backends have routes. */
export function withAiRoutes(backends: CompiledRule['backends']): Pick<CompiledRule, 'aiRoutes'> {
  const aiRoutes = aiRoutesOf(backends);
  return aiRoutes ? { aiRoutes } : {};
}
