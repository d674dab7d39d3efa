/**
 * AgentgatewayModels -> CompiledModels. A concrete model becomes a provider (the same
 * CompiledProvider a backend's provider is: target, key, health, transformations) in a backend of
 * its own. A virtual model's targets are copies of the concrete models they name, each sending the
 * target's `model`: `failover` puts them in priority groups of one backend (lower priority first,
 * equal priorities share a group), so the engine's group-ordered failover, eviction and
 * `x-modelgate-attempts` apply unchanged, naming the target models; `weighted` makes one backend per
 * target, split by weight as a route's backendRefs are; `conditional` makes one route per target,
 * each behind its CEL `when`.
 */
import { compileHealth } from './compile-backends.js';
import { compilePromptGuard } from './compile-prompt-guard.js';
import { compileTransformation, compileTransformations, TransformationError, type CompiledTransformation } from './compile-ai-transformations.js';
import { describeObject, idOf, ns } from './compile-objects.js';
import type { SecretSource } from './compile-secrets.js';
import { compileBackendAuth } from './compile-backend-auth.js';
import type { ClientKeyAuth, CompiledBackend, CompiledProvider, CompiledRule, RetrySettings } from './config.js';
import type { CompiledModel, ModelAuthorization, ModelRoute } from './model-config.js';
import type { GatewayObject } from './schema/gateway-api.js';
import type { ModelObject } from './schema/model.js';
import { modelTarget } from './compile-model-targets.js';
import { withAiRoutes } from './compile-routes.js';
import { compileHedging, type HedgingSettings } from './compile-hedging.js';
import { compileHeaderChanges } from './compile-traffic-http.js';

interface ModelContext {
  gateways: readonly GatewayObject[];
  /** The Gateway-level traffic policies (client keys, timeouts, retry) for a model in `namespace` attached to these Gateways. */
  traffic: (
    namespace: string,
    gatewayIds: readonly string[],
  ) => {
    retry: RetrySettings;
    requestTimeoutMs?: number | undefined;
    clientAuth?: ClientKeyAuth | undefined;
    trafficAuth?: CompiledRule['trafficAuth'];
    http?: CompiledRule['http'];
    rateLimit?: CompiledRule['rateLimit'];
  };
  secrets: SecretSource;
  problems: string[];
  warnings: string[];
}

/** Every model of the config; concrete ones first, since virtual ones copy them. */
export function compileModels(models: readonly ModelObject[], ctx: ModelContext): CompiledModel[] {
  const rules = new RuleMaker(ctx);
  const concrete = new Map<string, ConcreteModel>();
  const out: CompiledModel[] = [];
  // Read once per model (its problems said once), before any of its backends is built.
  for (const m of models) hedgingOf.set(m, compileHedging(m.metadata.annotations, describeObject(m), ctx.problems));
  for (const m of models) {
    if (m.spec.virtualModel) continue;
    const provider = compileConcrete(m, ctx);
    const authorization = compileAuthorization(m, ctx.problems);
    concrete.set(idOf(m), { object: m, provider, ...(authorization && { authorization }) });
    const rule = rules.rule(m, idOf(m), [{ backend: backendOf(idOf(m), m, [[provider]]), weight: 1 }]);
    out.push({
      ...modelHead(m),
      kind: 'concrete',
      routes: [{ rule, ...(authorization && { authorization: new Map([[provider.id, authorization]]) }) }],
      ownedBy: provider.target.kind,
    });
  }
  for (const m of models) {
    if (m.spec.virtualModel) out.push(compileVirtual(m, concrete, rules, ctx));
  }
  return out;
}

function modelHead(m: ModelObject) {
  return { id: idOf(m), name: m.metadata.name, namespace: ns(m), match: m.spec.match?.model ?? m.metadata.name, visibility: m.spec.visibility ?? 'Public' } as const;
}

/** modelgate serves every listener alike (as with HTTPRoutes), but a parentRef must name a Gateway and listener of the config when it has Gateways. */
function parentGatewayIds(m: ModelObject, ctx: ModelContext): string[] {
  const ids: string[] = [];
  m.spec.parentRefs.forEach((ref, i) => {
    const namespace = ref.namespace ?? ns(m);
    const gateway = ctx.gateways.find((g) => g.metadata.name === ref.name && ns(g) === namespace);
    if (!gateway) {
      if (ctx.gateways.length > 0) ctx.problems.push(`${describeObject(m)}: spec.parentRefs[${i}]: Gateway ${namespace}/${ref.name} not found`);
      return;
    }
    ids.push(idOf(gateway));
    const listeners = gateway.spec.listeners.filter((l) => !ref.sectionName || l.name === ref.sectionName);
    if (listeners.length === 0) {
      ctx.problems.push(`${describeObject(m)}: spec.parentRefs[${i}].sectionName: listener ${ref.sectionName} not found on Gateway ${idOf(gateway)}`);
    } else if (
      !listeners.some((l) => (l.allowedRoutes?.namespaces?.from ?? 'Same') === 'All' || ((l.allowedRoutes?.namespaces?.from ?? 'Same') === 'Same' && ns(gateway) === ns(m)))
    ) {
      // The same rule as for an HTTPRoute (compile-routes.ts): a listener admits its own namespace unless it says All.
      ctx.problems.push(`${describeObject(m)}: spec.parentRefs[${i}]: Gateway ${idOf(gateway)} does not allow routes from namespace ${ns(m)} (allowedRoutes.namespaces.from)`);
    }
  });
  return ids;
}

function compileConcrete(m: ModelObject, ctx: ModelContext): CompiledProvider {
  const where = describeObject(m);
  const spec = m.spec;
  const target = modelTarget(m.metadata.name, spec, where, ctx.warnings);
  const policies = spec.policies;
  const auth = compileBackendAuth({
    auth: policies?.auth,
    kind: target.kind,
    namespace: ns(m),
    where: `${where}: spec.policies.auth`,
    provider: m.metadata.name,
    secrets: ctx.secrets,
    problems: ctx.problems,
    warnings: ctx.warnings,
  });
  if (auth.apiKey !== undefined) target.apiKey = auth.apiKey;
  if (auth.credential) target.credential = auth.credential;
  const transformations = compileTransformations(policies?.transformations, `${where}: spec.policies.transformations`, ctx.problems);
  const finalTransformations = compileTransformations(policies?.finalTransformations, `${where}: spec.policies.finalTransformations`, ctx.problems);
  const promptGuard = compilePromptGuard(policies?.promptGuard, `${where}: spec.policies.promptGuard`, ctx.problems, ns(m), ctx.secrets);
  const headers = policies?.headers && {
    ...(policies.headers.request && { request: compileHeaderChanges(policies.headers.request) }),
    ...(policies.headers.response && { response: compileHeaderChanges(policies.headers.response) }),
  };
  return {
    ...(headers && { headers }),
    id: `${idOf(m)}/${m.metadata.name}`,
    name: m.metadata.name,
    backendId: idOf(m),
    group: 0,
    target,
    health: compileHealth(policies?.health, `${where}: spec.policies.health.unhealthyCondition`, ctx.problems),
    ai: { ...(transformations && { transformations }), ...(finalTransformations && { finalTransformations }), ...(promptGuard && { promptGuard }) },
  };
}

/** Each model's `modelgate.dev/` hedging annotations, compiled (compile-hedging.ts). */
const hedgingOf = new WeakMap<ModelObject, HedgingSettings | undefined>();

function backendOf(id: string, m: ModelObject, groups: CompiledProvider[][]): CompiledBackend {
  const hedging = hedgingOf.get(m);
  return { id, name: m.metadata.name, namespace: ns(m), groups, providers: groups.flat(), ...(hedging && { hedging }) };
}

/**
 * Route rules of a model's own: no matches (a model is found by name, not by path), served with
 * the traffic policies of the Gateways it attaches to (client keys, request timeout, retry), each
 * computed once per model.
 */
class RuleMaker {
  readonly #traffic = new Map<string, ReturnType<ModelContext['traffic']>>();
  constructor(private readonly ctx: ModelContext) {}

  rule(m: ModelObject, id: string, backends: CompiledRule['backends']): CompiledRule {
    let t = this.#traffic.get(idOf(m));
    if (!t) {
      t = this.ctx.traffic(ns(m), parentGatewayIds(m, this.ctx));
      this.#traffic.set(idOf(m), t);
    }
    return {
      id: `AgentgatewayModel ${id}`,
      routeId: idOf(m),
      hostnames: [],
      matches: [],
      backends,
      retry: t.retry,
      ...(t.requestTimeoutMs !== undefined && { requestTimeoutMs: t.requestTimeoutMs }),
      ...(t.clientAuth && { clientAuth: t.clientAuth }),
      ...(t.trafficAuth && { trafficAuth: t.trafficAuth }),
      ...(t.rateLimit && { rateLimit: t.rateLimit }),
      ...(t.http && { http: t.http }),
      ...withAiRoutes(backends),
    };
  }
}

type VirtualTarget = { modelRef: { name?: string | undefined }; model?: string | undefined };

interface ResolvedTarget {
  /** The attempt's name: the model the target asks for. */
  name: string;
  provider: CompiledProvider;
  authorization?: ModelAuthorization;
}

interface ConcreteModel {
  object: ModelObject;
  provider: CompiledProvider;
  authorization?: ModelAuthorization;
}

/** `policies.authorization`, its expressions compiled as a `when` is (over `request` and `llmRequest`). */
function compileAuthorization(m: ModelObject, problems: string[]): ModelAuthorization | undefined {
  const spec = m.spec.policies?.authorization;
  if (!spec) return undefined;
  const where = `${describeObject(m)}: spec.policies.authorization.policy.matchExpressions`;
  const expressions = spec.policy.matchExpressions.map((source, i) => compileWhen(source, `${where}[${i}]`, problems));
  if (expressions.some((e) => e === undefined)) return undefined;
  return { action: spec.action ?? 'Allow', expressions: expressions as CompiledTransformation[] };
}

/** The route with the authorization of each of its providers' concrete models (providers are named after their targets). */
function authorized(route: ModelRoute, targets: ReadonlyArray<ResolvedTarget | undefined>): ModelRoute {
  const byName = new Map(targets.flatMap((t) => (t?.authorization ? [[t.name, t.authorization] as const] : [])));
  const map = new Map<string, ModelAuthorization>();
  for (const { backend } of route.rule.backends) for (const p of backend.providers) if (byName.has(p.name)) map.set(p.id, byName.get(p.name)!);
  return map.size > 0 ? { ...route, authorization: map } : route;
}

function compileVirtual(m: ModelObject, concrete: ReadonlyMap<string, ConcreteModel>, rules: RuleMaker, ctx: ModelContext): CompiledModel {
  const where = describeObject(m);
  const v = m.spec.virtualModel!;
  const head = { ...modelHead(m), ownedBy: 'modelgate' };
  const resolve = (list: readonly VirtualTarget[], path: string) => resolveTargets(m, list, path, concrete, ctx);
  if (v.failover) {
    const targets = resolve(v.failover.targets, 'spec.virtualModel.failover.targets');
    // Lower priority first; equal priorities share a group, in list order.
    const priorities = [...new Set(v.failover.targets.map((t) => t.priority))].sort((a, b) => a - b);
    const groups = priorities.map((prio, gi) =>
      targets.flatMap((t, i) => (t && v.failover!.targets[i]!.priority === prio ? [{ ...t.provider, id: `${idOf(m)}/${t.name}`, backendId: idOf(m), group: gi }] : [])),
    );
    return {
      ...head,
      kind: 'failover',
      routes: [
        authorized(
          {
            rule: rules.rule(m, idOf(m), [
              {
                backend: backendOf(
                  idOf(m),
                  m,
                  groups.filter((g) => g.length > 0),
                ),
                weight: 1,
              },
            ]),
          },
          targets,
        ),
      ],
    };
  }
  if (v.weighted) {
    const targets = resolve(v.weighted.targets, 'spec.virtualModel.weighted.targets');
    const backends = targets.flatMap((t, i) => (t ? [{ backend: singleTarget(m, t), weight: v.weighted!.targets[i]!.weight ?? 1 }] : []));
    return { ...head, kind: 'weighted', routes: [authorized({ rule: rules.rule(m, idOf(m), backends) }, targets)] };
  }
  const list = v.conditional!.targets;
  const targets = resolve(list, 'spec.virtualModel.conditional.targets');
  const routes: ModelRoute[] = targets.flatMap((t, i) => {
    if (!t) return [];
    const source = list[i]!.when;
    const when = source === undefined ? undefined : compileWhen(source, `${where}: spec.virtualModel.conditional.targets[${i}].when`, ctx.problems);
    const rule = rules.rule(m, `${idOf(m)}#${i}`, [{ backend: singleTarget(m, t), weight: 1 }]);
    return [authorized({ rule, ...(when && { when }) }, targets)];
  });
  return { ...head, kind: 'conditional', routes };
}

/** A weighted or conditional target: a backend of one provider, named after the target. */
function singleTarget(m: ModelObject, t: ResolvedTarget): CompiledBackend {
  const id = `${idOf(m)}/${t.name}`;
  return backendOf(id, m, [[{ ...t.provider, id: `${id}/${t.name}`, backendId: id, group: 0 }]]);
}

/**
 * Each target as a copy of the concrete model it names, sending the target's model: a
 * transformation that sets `model` runs first, so the concrete model's own transformations
 * (`stripPrefix("openai/")`) see the name the virtual model chose. `undefined` where it does not resolve.
 */
function resolveTargets(
  m: ModelObject,
  list: readonly VirtualTarget[],
  path: string,
  concrete: ReadonlyMap<string, ConcreteModel>,
  ctx: ModelContext,
): Array<ResolvedTarget | undefined> {
  const where = describeObject(m);
  const seen = new Map<string, number>();
  return list.map((t, i) => {
    const refName = t.modelRef.name ?? '';
    const ref = concrete.get(`${ns(m)}/${refName}`);
    if (!ref) {
      const virtual = refName === m.metadata.name ? 'itself' : undefined;
      ctx.problems.push(
        `${where}: ${path}[${i}].modelRef: ${virtual ? 'a virtual model cannot target itself' : `no concrete AgentgatewayModel ${ns(m)}/${refName} (targets must name concrete models of the same namespace)`}`,
      );
      return undefined;
    }
    const match = ref.object.spec.match?.model ?? ref.object.metadata.name;
    const model = t.model ?? (match.includes('*') ? undefined : match);
    if (model === undefined) {
      ctx.problems.push(`${where}: ${path}[${i}].model: required, because ${describeObject(ref.object)} matches the wildcard ${match}`);
      return undefined;
    }
    const n = (seen.get(model) ?? 0) + 1;
    seen.set(model, n);
    const name = n > 1 ? `${model}#${n}` : model;
    const setModel = compileTransformation('model', JSON.stringify(model));
    const ai = { ...ref.provider.ai, transformations: [setModel, ...(ref.provider.ai.transformations ?? [])] };
    return { name, provider: { ...ref.provider, name, target: { ...ref.provider.target, name }, ai }, ...(ref.authorization && { authorization: ref.authorization }) };
  });
}

/**
 * A conditional target's `when`, compiled as a transformation's expression is (same CEL
 * environment, limits and cost bound): it sees `request` and `llmRequest`, the request body.
 * agentgateway's examples read the body as `json(request.body)`; modelgate has the body parsed
 * already, so that spelling is read as `llmRequest`.
 */
export function compileWhen(source: string, where: string, problems: string[]): CompiledTransformation | undefined {
  try {
    return compileTransformation('when', source.replaceAll('json(request.body)', 'llmRequest'));
  } catch (error) {
    if (!(error instanceof TransformationError)) throw error;
    problems.push(`${where}: ${error.message}`);
    return undefined;
  }
}
