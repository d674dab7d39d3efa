/**
 * Validated objects -> one CompiledConfig. Resolves references (route -> backend, policy ->
 * target, auth -> Secret), merges policies in agentgateway's order, compiles CEL, and refuses
 * anything dangling with a message that names the object and the field. The steps live beside
 * it: compile-backends (with compile-targets, compile-secrets), compile-policies, compile-routes
 * (with compile-matches); compile-objects names objects in ids and messages.
 */
import type { ClientKeyAuth, CompiledBackend, CompiledConfig, Listener } from './config.js';
import type { GatewayObject, HttpRouteObject } from './schema/gateway-api.js';
import type { ManifestObject } from './validate.js';
import { idOf } from './compile-objects.js';
import { manifestSecrets, type SecretSource } from './compile-secrets.js';
import { compileBackend } from './compile-backends.js';
import { checkPolicyTargets } from './compile-policies.js';
import { compileRoute, gatewayTraffic } from './compile-routes.js';
import { compileModels } from './compile-models.js';
import { byPrecedence } from './compile-matches.js';

// The names config sources, the CLI and the components import from here.
export { DEFAULT_NAMESPACE, recordOrigin } from './compile-objects.js';
export { manifestSecrets, type SecretSource } from './compile-secrets.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export function compileConfig(objects: readonly ManifestObject[], secrets: SecretSource = manifestSecrets(objects)): CompiledConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const of = <K extends ManifestObject['kind']>(kind: K) => objects.filter((o): o is Extract<ManifestObject, { kind: K }> => o.kind === kind);

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
  const routeContext = { gateways, backends, policies, grants, secrets, clientKeys, problems };
  const rules = routes.flatMap((route) => compileRoute(route, routeContext));

  const models = compileModels(of('AgentgatewayModel'), {
    gateways,
    secrets,
    problems,
    warnings,
    traffic: (namespace, gatewayIds) => gatewayTraffic(namespace, gatewayIds, routeContext),
  });

  // A policy shared by several providers or rules reports its own mistake once.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  // A model's backends are backends of the config too: status, config dumps and key redaction see them.
  const modelBackends = models.flatMap((m) => m.routes.flatMap((r) => r.rule.backends.map((b) => b.backend)));
  return { listeners, rules, matchers: byPrecedence(rules), backends: [...backends.values(), ...modelBackends], ...(models.length > 0 && { models }), warnings };
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
  // AgentgatewayModels are served by the model a request names, without an HTTPRoute.
  if (routes.length === 0 && objects.some((o) => o.kind === 'AgentgatewayModel')) return [];
  const gateways = objects.filter((o): o is GatewayObject => o.kind === 'Gateway');
  if (routes.length === 0) {
    return ['no HTTPRoute: nothing is served, every request is answered 404 (an HTTPRoute matches requests and sends them to an AgentgatewayBackend in its backendRefs)'];
  }
  // A config compiles only when each parentRef names a Gateway of the config and a listener of it
  // (when the config has Gateways at all), so a route is unattached exactly when it has none.
  if (gateways.length > 0 && routes.every((r) => (r.spec.parentRefs ?? []).length === 0)) {
    const names = gateways.map((g) => `Gateway ${idOf(g)}`).join(', ');
    return [
      `no HTTPRoute is attached to a Gateway listener (none has spec.parentRefs naming ${names}): agentgateway would serve no route; modelgate serves every route on every listener`,
    ];
  }
  return [];
}
