/**
 * What the load path (functions/config/manifests.ts over functions/model/validate.ts and kinds.ts)
 * does with kinds it does not serve, and with a config that serves no route: a kind that does not
 * exist in agentgateway's or Gateway API's group is refused with a suggestion (a typo must not
 * silently drop the policy it was), a real kind modelgate does not serve is skipped with a warning,
 * as is anything of another group; a config with nothing to serve loads with a warning.
 */
import { describe, expect, it } from 'vitest';
import { loadManifestFiles, parseManifests } from '../../functions/config/manifests.js';
import { compileConfig } from '../../functions/model/compile.js';
import { judgeKind } from '../../functions/model/kinds.js';
import { nearest } from '../../functions/model/suggest.js';
import { SUPPORTED_KINDS, validateObject } from '../../functions/model/validate.js';
import { backend, backendRef, FILE, gateway, NS, parse, policy, problemsOf, provider, providerOf, route, rule, targetBackend, toYaml, type Obj } from '../support/manifests.js';

const SERVES = SUPPORTED_KINDS.join(', ');
const healthPolicy = (kind = 'AgentgatewayPolicy'): Obj => ({
  ...policy('failover-health', [targetBackend('b')], { backend: { health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '10s' } } } }),
  kind,
});

describe('kinds: a kind its group does not have is refused', () => {
  it('AgentGatewayPolicy (a typo of AgentgatewayPolicy) is an error naming the object, with the kind meant', () => {
    const problems = problemsOf(() => parse([backend('b', [[provider('p')]]), healthPolicy('AgentGatewayPolicy')]));
    expect(problems).toEqual([
      `${FILE}: document 2: AgentGatewayPolicy failover-health: kind: unknown kind AgentGatewayPolicy in agentgateway.dev/v1alpha1: did you mean AgentgatewayPolicy?`,
    ]);
  });

  it('the same policy spelled right applies its health rule (what the typo silently dropped)', () => {
    const { objects, warnings } = parse([backend('b', [[provider('p')]]), healthPolicy()]);
    expect(warnings).toEqual([]);
    expect(providerOf(compileConfig(objects), `${NS}/b/p`).health.condition?.source).toBe('response.code == 404');
  });

  it.each([
    ['gateway.networking.k8s.io/v1', 'HttpRoute', 'did you mean HTTPRoute?'],
    ['gateway.networking.k8s.io/v1', 'Gatway', 'did you mean Gateway?'],
    ['gateway.networking.k8s.io/v1', 'Route', 'did you mean HTTPRoute or GRPCRoute?'],
    ['agentgateway.dev/v1alpha1', 'AgentgatewayBackends', 'did you mean AgentgatewayBackend?'],
    ['agentgateway.dev/v1alpha1', 'Backend', 'did you mean AgentgatewayBackend?'],
    ['agentgateway.dev/v1alpha1', 'Frobnicator', 'the kinds of agentgateway.dev are AgentgatewayBackend, AgentgatewayPolicy, AgentgatewayModel, AgentgatewayParameters'],
  ])('%s %s: %s', (apiVersion, kind, hint) => {
    const result = validateObject({ apiVersion, kind, metadata: { name: 'x' } });
    expect(result).toMatchObject({ ok: false, kind, name: 'x', issues: [{ path: 'kind', message: `unknown kind ${kind} in ${apiVersion}: ${hint}`, unsupported: false }] });
    expect((result as { skip?: string }).skip).toBeUndefined();
  });
});

describe('kinds: a real kind modelgate does not serve is skipped with a warning', () => {
  it.each([
    ['agentgateway.dev/v1alpha1', 'AgentgatewayParameters'],
    ['gateway.networking.k8s.io/v1', 'GatewayClass'],
    ['gateway.networking.k8s.io/v1', 'GRPCRoute'],
    ['gateway.networking.k8s.io/v1alpha2', 'TLSRoute'],
    ['gateway.networking.k8s.io/v1', 'ListenerSet'],
    ['gateway.networking.k8s.io/v1', 'BackendTLSPolicy'],
  ])('%s %s', (apiVersion, kind) => {
    const { objects, warnings } = parse([{ apiVersion, kind, metadata: { name: 'm' } }, backend('b', [[provider('p')]])]);
    expect(objects.map((o) => o.kind)).toEqual(['AgentgatewayBackend']);
    expect(warnings).toEqual([`${FILE}: document 1: ${kind} m skipped: modelgate does not serve ${kind} (it serves ${SERVES})`]);
  });

  it("so is a kind of another group, as before (InferencePool is not Gateway API's)", () => {
    const { warnings } = parse([
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } },
      { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: { name: 'pool' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
    ]);
    expect(warnings).toEqual([
      `${FILE}: document 1: Deployment d skipped: modelgate serves ${SERVES}`,
      `${FILE}: document 2: InferencePool pool skipped: modelgate serves ${SERVES}`,
      `${FILE}: document 3: ConfigMap c skipped: modelgate serves ${SERVES}`,
    ]);
  });

  it('a typed list of a group modelgate reads (HTTPRouteList) is read like `kind: List`', () => {
    const list = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRouteList', items: [route('r', [rule([backendRef('b')])])] };
    const { objects, warnings } = parse([backend('b', [[provider('p')]]), list]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['AgentgatewayBackend/b', 'HTTPRoute/r']);
    expect(warnings).toEqual([]);
  });

  it('judgeKind leaves other groups, and objects without an apiVersion, alone', () => {
    expect(judgeKind('apps/v1', 'AgentGatewayPolicy')).toBeUndefined();
    expect(judgeKind(undefined, 'AgentGatewayPolicy')).toBeUndefined();
    expect(judgeKind('v1', 'toString')).toBeUndefined();
  });
});

describe('suggestions', () => {
  it('only the closest names, and none for a name close to nothing', () => {
    expect(nearest('header', ['method', 'path', 'host', 'headers'])).toEqual(['headers']);
    expect(nearest('model', ['provider', 'requestModel', 'responseModel', 'streaming'])).toEqual(['requestModel', 'responseModel']);
    expect(nearest('status', ['code', 'headers'])).toEqual([]);
    expect(nearest('x', ['y', 'z'])).toEqual(['y', 'z']);
  });
});

describe('a config that serves no route warns at load', () => {
  const load = (objects: Obj[]) => loadManifestFiles(['-'], () => Promise.resolve(toYaml(objects)), {});

  it('no HTTPRoute at all', async () => {
    const { config, warnings } = await load([gateway('gw'), backend('b', [[provider('p')]])]);
    expect(config.rules).toEqual([]);
    expect(warnings).toEqual([
      '<stdin>: no HTTPRoute: nothing is served, every request is answered 404 (an HTTPRoute matches requests and sends them to an AgentgatewayBackend in its backendRefs)',
    ]);
  });

  it('HTTPRoutes, none attached to the Gateway', async () => {
    const { config, warnings } = await load([gateway('gw'), backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')])])]);
    expect(config.rules).toHaveLength(1);
    expect(warnings).toEqual([
      `<stdin>: no HTTPRoute is attached to a Gateway listener (none has spec.parentRefs naming Gateway ${NS}/gw): agentgateway would serve no route; modelgate serves every route on every listener`,
    ]);
  });

  it('no warning once a route is attached, or when the config has no Gateway to attach to', async () => {
    const attached = route('r', [rule([backendRef('b')])], { parents: [{ name: 'gw' }] });
    expect((await load([gateway('gw'), backend('b', [[provider('p')]]), attached, route('other', [rule([backendRef('b')])])])).warnings).toEqual([]);
    expect((await load([backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')])])])).warnings).toEqual([]);
  });

  it('is judged on the whole config only, not by parseManifests or compileConfig (the components compile single objects)', () => {
    const { objects, warnings } = parseManifests([{ name: FILE, text: toYaml([backend('b', [[provider('p')]])]) }], {});
    expect(warnings).toEqual([]);
    expect(compileConfig(objects).warnings).toEqual([]);
  });
});
