/**
 * AgentgatewayPolicy attachment outside backends: whether each targetRef names something that
 * exists, and which `spec.traffic` blocks apply to a route rule, in merge order.
 */
import type { BackendObject } from './schema/backend.js';
import type { GatewayObject, HttpRouteObject } from './schema/gateway-api.js';
import type { PolicyObject, TargetRef } from './schema/policy.js';
import { describeObject, idOf, ns } from './compile-objects.js';

interface Targets {
  gateways: readonly GatewayObject[];
  routes: readonly HttpRouteObject[];
  backends: readonly BackendObject[];
}

/** A policy whose target does not exist does nothing: warn, as the controller reports it in status. */
export function checkPolicyTargets(policies: readonly PolicyObject[], targets: Targets, problems: string[], warnings: string[]) {
  for (const policy of policies) {
    const where = describeObject(policy);
    (policy.spec.targetRefs ?? []).forEach((ref, i) => {
      if (policy.spec.backend && ref.kind !== 'AgentgatewayBackend') {
        problems.push(`${where}: spec.targetRefs[${i}]: spec.backend attached to a ${ref.kind} is not supported by modelgate yet; target the AgentgatewayBackend`);
      }
      if (!targetExists(ref, ns(policy), targets)) {
        warnings.push(
          `${where}: spec.targetRefs[${i}]: ${ref.kind} ${ns(policy)}/${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ''} not found; the policy does nothing for it`,
        );
      }
    });
  }
}

function targetExists(ref: TargetRef, namespace: string, t: Targets): boolean {
  const same = <T extends { metadata: { name: string; namespace?: string | undefined } }>(o: T) => o.metadata.name === ref.name && ns(o) === namespace;
  switch (ref.kind) {
    case 'Gateway':
      return t.gateways.some((g) => same(g) && (!ref.sectionName || g.spec.listeners.some((l) => l.name === ref.sectionName)));
    case 'HTTPRoute':
      return t.routes.some((r) => same(r) && (!ref.sectionName || r.spec.rules.some((rule) => rule.name === ref.sectionName)));
    case 'AgentgatewayBackend':
      return t.backends.some(
        (b) =>
          same(b) &&
          (!ref.sectionName ||
            (b.spec.ai?.groups ?? []).some((g) => g.providers.some((p) => p.name === ref.sectionName)) ||
            (b.spec.ai?.provider !== undefined && ref.sectionName === b.metadata.name)),
      );
    default:
      return false;
  }
}

/**
 * `spec.traffic` of the policies that apply to one route rule, least specific first (Gateway, route,
 * rule by sectionName), so later entries override. Within one level the Gateway API conflict rule
 * holds as for backend policies: the alphabetically first policy wins, so it comes last.
 */
export function trafficFor(policies: readonly PolicyObject[], route: HttpRouteObject, ruleName: string | undefined, gatewayIds: readonly string[]) {
  const applies = (p: PolicyObject, r: TargetRef) => {
    if (r.kind === 'Gateway') return gatewayIds.includes(`${ns(p)}/${r.name}`);
    if (r.kind === 'HTTPRoute') return ns(p) === ns(route) && r.name === route.metadata.name && (!r.sectionName || r.sectionName === ruleName);
    return false;
  };
  const specificity = (r: TargetRef) => (r.kind === 'Gateway' ? 0 : r.sectionName ? 2 : 1);
  return policies
    .flatMap((p) => (p.spec.traffic ? (p.spec.targetRefs ?? []).filter((r) => applies(p, r)).map((r) => ({ p, level: specificity(r) })) : []))
    .sort((a, b) => a.level - b.level || idOf(b.p).localeCompare(idOf(a.p)))
    .map(({ p }) => ({ traffic: p.spec.traffic!, at: `${describeObject(p)}: spec.traffic`, namespace: ns(p), id: idOf(p) }));
}
