/**
 * Validated objects -> one CompiledConfig. Resolves references (route -> backend, policy ->
 * target, auth -> Secret), merges policies in agentgateway's order, compiles CEL, and refuses
 * anything dangling with a message that names the object and the field.
 */
import { parseDuration } from '../core/duration.js';
import { compileCondition, CelSyntaxError } from './cel.js';
import { compileLinearRegex, LinearRegexError, type LinearRegex, type RegexAnchoring } from './regex.js';
import { compileClientKeys, type SecretEntries } from './client-keys.js';
import type {
  AiSettings,
  ClientKeyAuth,
  CompiledBackend,
  CompiledConfig,
  CompiledMatch,
  CompiledProvider,
  CompiledRule,
  HealthSettings,
  Listener,
  RetrySettings,
  ValueMatch,
} from './config.js';
import type { BackendObject, NamedProviderSpec, SingleProviderSpec } from './schema/backend.js';
import type { GatewayObject, HttpRouteObject, ReferenceGrantObject, RouteMatchSpec } from './schema/gateway-api.js';
import type { BackendPolicies, ProviderPolicies } from './schema/policies.js';
import type { PolicyObject, TargetRef } from './schema/policy.js';
import { secretValues, type SecretObject } from './schema/secret.js';
import type { ManifestObject } from './validate.js';
import { PROVIDER_KINDS, type ProviderKind, type ProviderTarget } from '../core/provider-target.js';
import { bedrockHost, DEFAULT_AZURE_API_VERSION, DEFAULT_BEDROCK_REGION, DEFAULT_VERTEX_REGION, vertexHost } from '../core/endpoints.js';

export const DEFAULT_NAMESPACE = 'default';

/** Where provider keys come from: Secrets in the manifests locally, Secrets Manager on AWS. */
export interface SecretSource extends SecretEntries {
  /** The value of `key` in Secret `namespace/name`, or undefined when either is missing. */
  get(namespace: string, name: string, key: string): string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Vendors' public endpoints (those that depend on a region or an endpoint are built per provider); `host` + `port` replaces them with plain HTTP. */
const DEFAULT_BASE_URL: Partial<Record<ProviderKind, string>> = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

/** The Secret key agentgateway reads provider credentials from. */
const DEFAULT_SECRET_KEY = 'Authorization';

/** Backend policy fields merged as wholes: a more specific `health` replaces a less specific one. */
const BACKEND_POLICY_FIELDS = ['ai', 'auth', 'health', 'http', 'tcp'] as const;
type PolicyLayer = Partial<Pick<BackendPolicies, (typeof BACKEND_POLICY_FIELDS)[number]>>;

const ns = (o: { metadata: { namespace?: string | undefined } }) => o.metadata.namespace ?? DEFAULT_NAMESPACE;
const idOf = (o: { metadata: { name: string; namespace?: string | undefined } }) => `${ns(o)}/${o.metadata.name}`;

/**
 * Where a validated object was read from (`tutorial.yaml: document 3`), when its config source
 * knows: compile problems start with it, so they point into the file as validation problems do.
 */
const ORIGINS = new WeakMap<object, string>();

export function recordOrigin(object: ManifestObject, origin: string): void {
  ORIGINS.set(object, origin);
}

/** `tutorial.yaml: document 3: AgentgatewayBackend default/anthropic`, or without the origin when unknown. */
function describeObject(o: ManifestObject): string {
  const origin = ORIGINS.get(o);
  return `${origin ? `${origin}: ` : ''}${o.kind} ${idOf(o)}`;
}

/** Secrets from the manifests themselves (local `modelgate serve`). */
export function manifestSecrets(objects: readonly ManifestObject[]): SecretSource {
  const byId = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'Secret') byId.set(idOf(o), secretValues(o as SecretObject));
  return {
    get(namespace, name, key) {
      const values = byId.get(`${namespace}/${name}`);
      // Own keys only: a `key: toString` missing from the Secret must read as missing, not as a function.
      return values && Object.hasOwn(values, key) ? values[key] : undefined;
    },
    entries: (namespace, name) => byId.get(`${namespace}/${name}`),
  };
}

export function compileConfig(objects: readonly ManifestObject[], secrets: SecretSource = manifestSecrets(objects)): CompiledConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const of = <K extends ManifestObject['kind']>(kind: K) =>
    objects.filter((o): o is Extract<ManifestObject, { kind: K }> => o.kind === kind);

  const gateways = of('Gateway');
  const routes = of('HTTPRoute');
  const policies = [...of('AgentgatewayPolicy')].sort((a, b) => idOf(a).localeCompare(idOf(b)));

  const backends = new Map<string, CompiledBackend>();
  for (const backend of of('AgentgatewayBackend')) {
    const compiled = compileBackend(backend, policies, secrets, problems, warnings);
    if (compiled) backends.set(compiled.id, compiled);
  }

  checkPolicyTargets(policies, { gateways, routes, backends: of('AgentgatewayBackend') }, problems, warnings);

  const listeners: Listener[] = gateways.flatMap((g) => g.spec.listeners.map((l) => ({ gateway: idOf(g), name: l.name, port: l.port })));
  const grants = of('ReferenceGrant');
  const clientKeys = new Map<string, ClientKeyAuth | undefined>();
  const rules = routes.flatMap((route) => compileRoute(route, gateways, backends, policies, grants, secrets, clientKeys, problems));

  // A policy shared by several providers or rules reports its own mistake once.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return { listeners, rules, matchers: byPrecedence(rules), backends: [...backends.values()], warnings };
}

/**
 * What a whole config that is about to be served says about its routes, when that is nothing a
 * client could reach: no HTTPRoute at all (every request is answered 404), or Gateways that no
 * route attaches to. Not part of compileConfig: the components compile single objects with
 * stand-ins, and a config source on AWS may be mid-update; only a config served as a whole
 * (`modelgate serve`, `validate`) is judged. Call it on objects that compiled.
 */
export function routeWarnings(objects: readonly ManifestObject[]): string[] {
  const routes = objects.filter((o): o is HttpRouteObject => o.kind === 'HTTPRoute');
  const gateways = objects.filter((o): o is GatewayObject => o.kind === 'Gateway');
  if (routes.length === 0) {
    return ['no HTTPRoute: nothing is served, every request is answered 404 (an HTTPRoute matches requests and sends them to an AgentgatewayBackend in its backendRefs)'];
  }
  // A config compiles only when each parentRef names a Gateway of the config and a listener of it
  // (when the config has Gateways at all), so a route is unattached exactly when it has none.
  if (gateways.length > 0 && routes.every((r) => (r.spec.parentRefs ?? []).length === 0)) {
    const names = gateways.map((g) => `Gateway ${idOf(g)}`).join(', ');
    return [`no HTTPRoute is attached to a Gateway listener (none has spec.parentRefs naming ${names}): agentgateway would serve no route; modelgate serves every route on every listener`];
  }
  return [];
}

// ---------------------------------------------------------------- backends

function compileBackend(
  backend: BackendObject,
  policies: readonly PolicyObject[],
  secrets: SecretSource,
  problems: string[],
  warnings: string[],
): CompiledBackend | undefined {
  const where = describeObject(backend);
  const ai = backend.spec.ai;
  if (!ai) return undefined; // only AI backends exist past validation; kept for type narrowing

  // A single `provider` is a group of one, named after the backend (agentgateway calls it
  // `backend` internally; the backend's own name reads better in logs and served-by headers).
  const groups: Array<Array<{ spec: NamedProviderSpec | SingleProviderSpec; name: string; path: string }>> = ai.provider
    ? [[{ spec: ai.provider, name: backend.metadata.name, path: 'spec.ai.provider' }]]
    : (ai.groups ?? []).map((g, gi) =>
        g.providers.map((p, pi) => ({ spec: p, name: p.name, path: `spec.ai.groups[${gi}].providers[${pi}]` })),
      );

  const compiledGroups = groups.map((group, gi) =>
    group.map(({ spec, name, path }) => {
      const providerPolicies = 'policies' in spec ? spec.policies : undefined;
      const layers: SourcedLayer[] = [
        ...attachedBackendPolicies(policies, backend, undefined),
        ...attachedBackendPolicies(policies, backend, name),
        { layer: backend.spec.policies ?? {}, at: `${where}: spec.policies` },
        { layer: providerPolicies ?? {}, at: `${where}: ${path}.policies` },
      ];
      return compileProvider({ backend, spec, name, group: gi, layers, secrets, problems, warnings, where: `${where}: ${path}` });
    }),
  );
  const providers = compiledGroups.flat();
  return { id: idOf(backend), name: backend.metadata.name, namespace: ns(backend), groups: compiledGroups, providers };
}

/**
 * One layer of backend policy and where it was written (`<object>: <path of the block>`), so a
 * problem in a merged field (a missing Secret, bad CEL) names the object and field that set it.
 */
interface SourcedLayer {
  layer: PolicyLayer;
  at: string;
}

/** `spec.backend` of the AgentgatewayPolicies that target this backend (and, with `section`, this provider). */
function attachedBackendPolicies(policies: readonly PolicyObject[], backend: BackendObject, section: string | undefined): SourcedLayer[] {
  return policies
    .filter((p) => p.spec.backend && ns(p) === ns(backend))
    .filter((p) =>
      (p.spec.targetRefs ?? []).some(
        (r) => r.kind === 'AgentgatewayBackend' && r.name === backend.metadata.name && r.sectionName === section,
      ),
    )
    // Gateway API conflict rule: the oldest policy wins, then the alphabetically first. Manifests carry
    // no creation time, so names decide; layers merge with later entries overriding, hence reversed.
    .reverse()
    .map((p) => ({ layer: p.spec.backend as PolicyLayer, at: `${describeObject(p)}: spec.backend` }));
}

/** The merged policy, and for each field the `at` of the layer it came from. */
function mergeLayers(layers: readonly SourcedLayer[]): { merged: PolicyLayer; from: Partial<Record<(typeof BACKEND_POLICY_FIELDS)[number], string>> } {
  const merged: PolicyLayer = {};
  const from: Partial<Record<(typeof BACKEND_POLICY_FIELDS)[number], string>> = {};
  for (const { layer, at } of layers) {
    for (const field of BACKEND_POLICY_FIELDS) {
      if (layer[field] !== undefined) {
        (merged as Record<string, unknown>)[field] = layer[field];
        from[field] = at;
      }
    }
  }
  return { merged, from };
}

interface ProviderInput {
  backend: BackendObject;
  spec: NamedProviderSpec | SingleProviderSpec;
  name: string;
  group: number;
  layers: SourcedLayer[];
  secrets: SecretSource;
  problems: string[];
  warnings: string[];
  /** `<object>: <path of the provider>`, for messages. */
  where: string;
}

type ProviderSpec = NamedProviderSpec | SingleProviderSpec;

/** The provider kind a validated spec sets (validation guarantees exactly one, and not `azure`). */
function kindOf(spec: ProviderSpec): ProviderKind {
  for (const kind of PROVIDER_KINDS) if (spec[kind] !== undefined) return kind;
  return 'openai';
}

/** Where a provider lives, and what it needs besides a key: region, project, deployment, formats. */
function kindTarget(spec: ProviderSpec, kind: ProviderKind, where: string, warnings: string[]): Omit<ProviderTarget, 'name' | 'kind'> {
  const hostPort = spec.host !== undefined && spec.port !== undefined ? `http://${hostForUrl(spec.host)}:${spec.port}` : undefined;
  const common = {
    ...(spec.path !== undefined && { path: spec.path }),
    ...(spec.pathPrefix !== undefined && { pathPrefix: spec.pathPrefix }),
  };
  switch (kind) {
    case 'vertexai': {
      const v = spec.vertexai!;
      const region = v.region ?? DEFAULT_VERTEX_REGION;
      return { baseUrl: hostPort ?? `https://${vertexHost(region)}`, region, projectId: v.projectId, ...(v.model !== undefined && { model: v.model }), ...common };
    }
    case 'bedrock': {
      const b = spec.bedrock!;
      const region = b.region ?? DEFAULT_BEDROCK_REGION;
      return {
        baseUrl: hostPort ?? `https://${bedrockHost(region)}`,
        region,
        ...(b.model !== undefined && { model: b.model }),
        ...(b.guardrail && { guardrail: { identifier: b.guardrail.identifier, version: b.guardrail.version } }),
        ...common,
      };
    }
    case 'azureopenai': {
      const a = spec.azureopenai!;
      // "If the scheme is included, it is stripped."
      const endpoint = a.endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
      return {
        baseUrl: hostPort ?? `https://${endpoint}`,
        azure: { apiVersion: a.apiVersion ?? DEFAULT_AZURE_API_VERSION, ...(a.deploymentName !== undefined && { deploymentName: a.deploymentName }) },
        // The deployment is what answers: with the v1 API it is the body's `model`.
        ...(a.deploymentName !== undefined && { model: a.deploymentName }),
        ...common,
      };
    }
    case 'custom': {
      const c = spec.custom!;
      const formats: NonNullable<ProviderTarget['formats']> = {};
      c.formats.forEach((f, i) => {
        if (f.type === 'Completions' || f.type === 'Messages') formats[f.type] = f.path !== undefined ? { path: f.path } : {};
        else warnings.push(`${where}.custom.formats[${i}]: format ${f.type} is not used by modelgate (it serves chat completions and messages)`);
      });
      // Validation guarantees host and port (a backendRef is refused).
      return { baseUrl: hostPort ?? '', formats, ...(c.model !== undefined && { model: c.model }), ...common };
    }
    default: {
      const model = (spec[kind] as { model?: string } | undefined)?.model;
      return { baseUrl: hostPort ?? DEFAULT_BASE_URL[kind] ?? '', ...(model !== undefined && { model }), ...common };
    }
  }
}

function compileProvider(input: ProviderInput): CompiledProvider {
  const { backend, spec, name, group, secrets, problems, warnings, where } = input;
  const { merged: policy, from } = mergeLayers(input.layers);
  const kind = kindOf(spec);
  const target: ProviderTarget = { name, kind, ...kindTarget(spec, kind, where, warnings) };
  if (kind === 'bedrock') {
    // SigV4 with the AWS credential chain (the Lambda's role): a key would be a second, unused credential.
    if (policy.auth) warnings.push(`${from.auth}.auth is not used for bedrock provider ${name}: Bedrock calls are signed with SigV4 from the AWS credential chain (on Lambda, the function's role)`);
  } else {
    const apiKey = resolveApiKey(policy.auth, ns(backend), `${from.auth}.auth`, secrets, problems);
    if (apiKey !== undefined) target.apiKey = apiKey;
    if (kind === 'vertexai' && apiKey === undefined) {
      warnings.push(`${where}: vertexai provider ${name} has no auth: Vertex AI needs an OAuth access token (policies.auth.key or auth.secretRef); modelgate does not mint one from Google application default credentials`);
    }
  }

  const requestTimeoutMs = policy.http?.requestTimeout ? parseDuration(policy.http.requestTimeout) : undefined;
  const connectTimeoutMs = policy.tcp?.connectTimeout ? parseDuration(policy.tcp.connectTimeout) : undefined;
  return {
    id: `${idOf(backend)}/${name}`,
    name,
    backendId: idOf(backend),
    group,
    target,
    health: compileHealth(policy.health, `${from.health}.health.unhealthyCondition`, problems),
    ai: compileAi(policy.ai),
    ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
    ...(connectTimeoutMs !== undefined && { connectTimeoutMs }),
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function resolveApiKey(
  auth: BackendPolicies['auth'] | ProviderPolicies['auth'],
  namespace: string,
  where: string,
  secrets: SecretSource,
  problems: string[],
): string | undefined {
  if (!auth) return undefined;
  const raw = auth.key ?? (auth.secretRef ? secrets.get(namespace, auth.secretRef.name, auth.secretRef.key ?? DEFAULT_SECRET_KEY) : undefined);
  if (auth.secretRef && raw === undefined) {
    problems.push(`${where}.secretRef: key "${auth.secretRef.key ?? DEFAULT_SECRET_KEY}" of Secret ${namespace}/${auth.secretRef.name} not found`);
    return undefined;
  }
  // agentgateway trims the value and drops a leading `Bearer `, so a Secret can hold either form.
  return raw?.trim().replace(/^Bearer\s+/i, '');
}

function compileHealth(health: BackendPolicies['health'], where: string, problems: string[]): HealthSettings {
  const out: HealthSettings = {};
  if (health?.unhealthyCondition !== undefined) {
    try {
      out.condition = compileCondition(health.unhealthyCondition);
    } catch (error) {
      if (!(error instanceof CelSyntaxError)) throw error;
      problems.push(`${where}: ${error.message}`);
    }
  }
  const ev = health?.eviction;
  if (ev) {
    out.eviction = {
      ...(ev.duration !== undefined && { durationMs: parseDuration(ev.duration)! }),
      ...(ev.consecutiveFailures !== undefined && { consecutiveFailures: ev.consecutiveFailures }),
      ...(ev.healthThreshold !== undefined && { healthThreshold: ev.healthThreshold / 100 }),
      ...(ev.restoreHealth !== undefined && { restoreHealth: ev.restoreHealth / 100 }),
    };
  }
  return out;
}

function compileAi(ai: BackendPolicies['ai']): AiSettings {
  if (!ai) return {};
  return {
    ...(ai.modelAliases && { modelAliases: ai.modelAliases }),
    ...(ai.overrides && { overrides: ai.overrides }),
    ...(ai.defaults && { defaults: ai.defaults }),
    ...(ai.prompt && { prompt: { prepend: ai.prompt.prepend ?? [], append: ai.prompt.append ?? [] } }),
  };
}

// ---------------------------------------------------------------- policies

interface Targets {
  gateways: readonly GatewayObject[];
  routes: readonly HttpRouteObject[];
  backends: readonly BackendObject[];
}

/** A policy whose target does not exist does nothing: warn, as the controller reports it in status. */
function checkPolicyTargets(policies: readonly PolicyObject[], targets: Targets, problems: string[], warnings: string[]) {
  for (const policy of policies) {
    const where = describeObject(policy);
    (policy.spec.targetRefs ?? []).forEach((ref, i) => {
      if (policy.spec.backend && ref.kind !== 'AgentgatewayBackend') {
        problems.push(`${where}: spec.targetRefs[${i}]: spec.backend attached to a ${ref.kind} is not supported by modelgate yet; target the AgentgatewayBackend`);
      }
      if (!targetExists(ref, ns(policy), targets)) {
        warnings.push(`${where}: spec.targetRefs[${i}]: ${ref.kind} ${ns(policy)}/${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ''} not found; the policy does nothing for it`);
      }
    });
  }
}

function targetExists(ref: TargetRef, namespace: string, t: Targets): boolean {
  const same = <T extends { metadata: { name: string; namespace?: string | undefined } }>(o: T) =>
    o.metadata.name === ref.name && ns(o) === namespace;
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
function trafficFor(policies: readonly PolicyObject[], route: HttpRouteObject, ruleName: string | undefined, gatewayIds: readonly string[]) {
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

// ---------------------------------------------------------------- routes

function compileRoute(
  route: HttpRouteObject,
  gateways: readonly GatewayObject[],
  backends: ReadonlyMap<string, CompiledBackend>,
  policies: readonly PolicyObject[],
  grants: readonly ReferenceGrantObject[],
  secrets: SecretSource,
  clientKeys: Map<string, ClientKeyAuth | undefined>,
  problems: string[],
): CompiledRule[] {
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

  return route.spec.rules.map((rule, ri) => {
    const rulePath = `spec.rules[${ri}]`;
    const refs = (rule.backendRefs ?? []).flatMap((ref, bi) => {
      const refPath = `${where}: ${rulePath}.backendRefs[${bi}]`;
      if (ref.kind !== 'AgentgatewayBackend' || ref.group !== 'agentgateway.dev') {
        problems.push(`${refPath}: backend kind ${ref.group ? `${ref.group}/` : ''}${ref.kind} is not supported by modelgate yet (use group agentgateway.dev, kind AgentgatewayBackend)`);
        return [];
      }
      const backend = backends.get(`${ref.namespace ?? ns(route)}/${ref.name}`);
      if (!backend) {
        problems.push(`${refPath}: AgentgatewayBackend ${ref.namespace ?? ns(route)}/${ref.name} not found`);
        return [];
      }
      if (backend.namespace !== ns(route) && !granted(grants, ns(route), backend)) {
        problems.push(`${refPath}: AgentgatewayBackend ${backend.id} is in another namespace, and no ReferenceGrant in ${backend.namespace} allows HTTPRoutes from ${ns(route)} to use it`);
        return [];
      }
      return [{ backend, weight: ref.weight }];
    });

    const traffic = trafficFor(policies, route, rule.name, parentIds);
    let retry: RetrySettings = {};
    let requestTimeoutMs: number | undefined;
    let clientAuth: ClientKeyAuth | undefined;
    for (const { traffic: t, at, namespace, id } of traffic) {
      if (t.timeouts?.request) requestTimeoutMs = parseDuration(t.timeouts.request);
      if (t.apiKeyAuthentication) {
        // One policy often covers many rules: compile its keys (and report its problems) once.
        if (!clientKeys.has(id)) clientKeys.set(id, compileClientKeys(t.apiKeyAuthentication, namespace, secrets, `${at}.apiKeyAuthentication`, problems));
        clientAuth = clientKeys.get(id);
      }
      // A more specific `retry` replaces a less specific one whole (policies merge per field), so a
      // Gateway's `codes` do not leak into a route's retry that leaves them out.
      if (t.retry) retry = compileRetry(t.retry, `${at}.retry`, problems);
    }
    if (rule.timeouts?.request) requestTimeoutMs = parseDuration(rule.timeouts.request) || undefined;
    const attemptTimeoutMs = rule.timeouts?.backendRequest ? parseDuration(rule.timeouts.backendRequest) || undefined : undefined;

    return {
      id: `${idOf(route)}${rule.name ? `#${rule.name}` : `#${ri}`}`,
      routeId: idOf(route),
      hostnames: route.spec.hostnames ?? [],
      matches: rule.matches.map((m, mi) => compileMatch(m, `${where}: ${rulePath}.matches[${mi}]`, problems)),
      backends: refs,
      retry,
      ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
      ...(attemptTimeoutMs !== undefined && { attemptTimeoutMs }),
      ...(clientAuth && { clientAuth }),
    };
  });
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

function compileRetry(spec: NonNullable<PolicyObject['spec']['traffic']>['retry'] & object, where: string, problems: string[]): RetrySettings {
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
 * RE2 (linear time: these run on client input before client auth), or a problem naming the field.
 * The placeholder never matches; a config with problems is refused whole anyway.
 */
function compileRegex(pattern: string, anchoring: RegexAnchoring, where: string, problems: string[]): LinearRegex {
  try {
    return compileLinearRegex(pattern, anchoring);
  } catch (error) {
    if (!(error instanceof LinearRegexError)) throw error;
    problems.push(`${where}: invalid regular expression: ${error.message}`);
    return { source: pattern, programSize: 0, test: () => false };
  }
}

/** Header and query regexes search the value, as Gateway API implementations (and `RegExp.test`) do. */
function compileValueMatch(
  m: { type: 'Exact' | 'RegularExpression'; name: string; value: string },
  lowerName: boolean,
  where: string,
  problems: string[],
): ValueMatch {
  const name = lowerName ? m.name.toLowerCase() : m.name;
  return m.type === 'Exact' ? { name, exact: m.value } : { name, regex: compileRegex(m.value, 'search', `${where}.value`, problems) };
}

/** A path regex matches the whole path, as agentgateway does. */
function compileMatch(m: RouteMatchSpec, where: string, problems: string[]): CompiledMatch {
  const path = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  return {
    path:
      path.type === 'RegularExpression'
        ? { type: path.type, value: path.value, regex: compileRegex(path.value, 'full', `${where}.path.value`, problems) }
        : { type: path.type, value: path.value },
    headers: (m.headers ?? []).map((h, i) => compileValueMatch(h, true, `${where}.headers[${i}]`, problems)),
    queryParams: (m.queryParams ?? []).map((q, i) => compileValueMatch(q, false, `${where}.queryParams[${i}]`, problems)),
    ...(m.method !== undefined && { method: m.method }),
  };
}

/**
 * Gateway API precedence between matches: an Exact path beats a prefix, a longer prefix beats a
 * shorter one, then a method match, more header matches, more query matches; ties keep the
 * order of the manifests.
 */
function byPrecedence(rules: readonly CompiledRule[]): Array<{ match: CompiledMatch; rule: CompiledRule }> {
  const rank = (m: CompiledMatch): number[] => [
    m.path.type === 'Exact' ? 2 : m.path.type === 'PathPrefix' ? 1 : 0,
    m.path.type === 'RegularExpression' ? 0 : m.path.value.length,
    m.method ? 1 : 0,
    m.headers.length,
    m.queryParams.length,
  ];
  return rules
    .flatMap((rule) => rule.matches.map((match) => ({ match, rule })))
    .map((pair, index) => ({ pair, index, rank: rank(pair.match) }))
    .sort((a, b) => compareRank(b.rank, a.rank) || a.index - b.index)
    .map(({ pair }) => pair);
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
