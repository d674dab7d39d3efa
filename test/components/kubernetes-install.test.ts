/**
 * The Kubernetes platform, installed and ready, under Pulumi mocks: `install: { agentgateway }`
 * applies the Gateway API CRDs, agentgateway's CRD chart and its control-plane chart at pinned
 * versions, in their namespace; every object the components render depends on the install; the
 * Gateway object carries the await annotations that make `pulumi up` wait until it is Programmed
 * and has an address, which `url` is made of.
 *
 * The mocks do not see `dependsOn`, so a resource transformation (run in the SDK, where the mocks
 * are) records each resource's options as it is constructed.
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KubernetesGatewayArgs } from '../../components/index.js';
import type { readyMessage as ReadyMessage } from '../../components/gateway.js';
import { one, setupMocks, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';
import { tutorialKey } from './tutorial.js';

let recorded: Recorded[];
let c: Components;
let readyMessage: typeof ReadyMessage;

useComponents(async (loaded) => {
  ({ recorded, c } = loaded);
  ({ readyMessage } = await import('../../components/gateway.js'));
});

/** `type name` -> the resources it was told to depend on. */
const dependencies = new Map<string, pulumi.Resource[]>();
const capture: pulumi.ResourceTransformation = ({ type, name, opts }) => {
  const deps = opts.dependsOn;
  dependencies.set(`${type} ${name}`, deps === undefined ? [] : ((Array.isArray(deps) ? deps : [deps]) as pulumi.Resource[]));
  return undefined;
};
const traced = { transformations: [capture] };
const depsOf = (type: string, name: string) => {
  const found = dependencies.get(`${type} ${name}`);
  if (!found) throw new Error(`no resource ${type} ${name} was constructed`);
  return found;
};

beforeEach(() => {
  dependencies.clear();
});

const K8S_GATEWAY = { platform: 'kubernetes', namespace: 'agentgateway-system' } as const;

/** The tutorial on Kubernetes with the given Gateway args, every component traced. */
async function tutorial(extra: Partial<Omit<KubernetesGatewayArgs, 'platform'>> = {}) {
  const gateway = new c.Gateway('agentgateway-openshell', { ...K8S_GATEWAY, ...extra }, traced);
  const key = pulumi.secret(tutorialKey());
  const provider = (name: string, model: string) => ({ name, anthropic: { model }, policies: { auth: { key } } });
  const backend = new c.Backend(
    'anthropic',
    { gateway, ai: { groups: [{ providers: [provider('anthropic-opus-46', 'claude-opus-4-6-FAKE')] }, { providers: [provider('anthropic-sonnet-46', 'claude-sonnet-4-6')] }] } },
    traced,
  );
  const policy = new c.Policy(
    'failover-health',
    {
      gateway,
      targetRefs: [backend],
      backend: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429', eviction: { duration: '10s', consecutiveFailures: 1 } } },
    },
    traced,
  );
  const route = new c.Route('openshell-openai', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }] }, traced);
  const clientKeys = new c.Policy('client-auth', { gateway, targetRefs: [route], traffic: { apiKeyAuthentication: { keys: [pulumi.secret('mg-client-key')] } } }, traced);
  await settle(gateway.urn, backend.urn, policy.urn, route.urn, clientKeys.urn);
  return { gateway, backend, policy, route, clientKeys };
}

const installTypes = ['kubernetes:core/v1:Namespace', 'kubernetes:yaml/v2:ConfigFile', 'kubernetes:helm.sh/v4:Chart', 'modelgate:index:AgentgatewayInstall'];
const installed = () => recorded.filter((r) => installTypes.includes(r.type));

describe('kubernetes install: pinned versions and chart coordinates', () => {
  it("the versions are exported constants, and the charts are agentgateway's OCI charts", () => {
    expect(c.AGENTGATEWAY_VERSION).toBe('v1.4.1');
    expect(c.GATEWAY_API_VERSION).toBe('v1.6.1');
    expect(c.AGENTGATEWAY_CHART).toBe('oci://cr.agentgateway.dev/charts/agentgateway');
    expect(c.AGENTGATEWAY_CRDS_CHART).toBe('oci://cr.agentgateway.dev/charts/agentgateway-crds');
    expect(c.AGENTGATEWAY_NAMESPACE).toBe('agentgateway-system');
    expect(c.gatewayApiCrdsUrl(c.GATEWAY_API_VERSION)).toBe('https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml');
  });

  it('install: { agentgateway: true }: namespace, Gateway API CRDs, agentgateway-crds and agentgateway, at the pinned versions', async () => {
    const { gateway } = await tutorial({ install: { agentgateway: true } });
    expect(
      installed()
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
    ).toEqual(
      [
        'modelgate:index:AgentgatewayInstall agentgateway-openshell',
        'kubernetes:core/v1:Namespace agentgateway-openshell-namespace',
        'kubernetes:yaml/v2:ConfigFile agentgateway-openshell-gateway-api-crds',
        'kubernetes:helm.sh/v4:Chart agentgateway-openshell-agentgateway-crds',
        'kubernetes:helm.sh/v4:Chart agentgateway-openshell-agentgateway',
      ].sort(),
    );
    expect(one(recorded, 'kubernetes:core/v1:Namespace').inputs).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'agentgateway-system' } });
    expect(one(recorded, 'kubernetes:yaml/v2:ConfigFile').inputs).toEqual({
      file: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml',
    });
    expect(one(recorded, 'kubernetes:helm.sh/v4:Chart', 'agentgateway-openshell-agentgateway-crds').inputs).toEqual({
      name: 'agentgateway-crds',
      chart: 'oci://cr.agentgateway.dev/charts/agentgateway-crds',
      version: 'v1.4.1',
      namespace: 'agentgateway-system',
    });
    expect(one(recorded, 'kubernetes:helm.sh/v4:Chart', 'agentgateway-openshell-agentgateway').inputs).toEqual({
      name: 'agentgateway',
      chart: 'oci://cr.agentgateway.dev/charts/agentgateway',
      version: 'v1.4.1',
      namespace: 'agentgateway-system',
    });
    expect(gateway.install).toBeInstanceOf(c.AgentgatewayInstall);
    expect(gateway.install!.version).toBe('v1.4.1');
    expect(gateway.install!.gatewayApiVersion).toBe('v1.6.1');
    expect(await valueOf(gateway.install!.namespace)).toBe('agentgateway-system');
  });

  it("the install's order: the control plane after its namespace and both CRD sets", async () => {
    const { gateway } = await tutorial({ install: { agentgateway: true } });
    const install = gateway.install!;
    expect(depsOf('kubernetes:helm.sh/v4:Chart', 'agentgateway-openshell-agentgateway')).toEqual([install.namespaceResource, install.gatewayApiCrds, install.crds]);
    expect(depsOf('kubernetes:helm.sh/v4:Chart', 'agentgateway-openshell-agentgateway-crds')).toEqual([]);
  });

  it('every object the components render depends on the install: Gateway, HTTPRoute, AgentgatewayBackend, AgentgatewayPolicy, Secrets', async () => {
    const { gateway } = await tutorial({ install: { agentgateway: true } });
    const objects = recorded.filter((r) => r.type.startsWith('kubernetes:') && !installTypes.includes(r.type));
    expect(objects.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        'kubernetes:gateway.networking.k8s.io/v1:Gateway agentgateway-openshell',
        'kubernetes:gateway.networking.k8s.io/v1:HTTPRoute openshell-openai',
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend anthropic',
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy failover-health',
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy client-auth',
        'kubernetes:core/v1:Secret anthropic-secret',
        'kubernetes:core/v1:Secret client-auth-client-keys',
      ].sort(),
    );
    for (const object of objects) expect(depsOf(object.type, object.name), `${object.type} ${object.name}`).toContain(gateway.install);
    // Still after their own Secrets and referents, as without an install.
    const backend = depsOf('kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'anthropic');
    expect(backend.map((r) => (r as unknown as { constructor: { name: string } }).constructor.name)).toEqual(['AgentgatewayInstall', 'Secret']);
  });

  it('without install (the default): nothing installed, no object waits on anything but its own Secrets and referents', async () => {
    const { gateway } = await tutorial();
    expect(installed()).toEqual([]);
    expect(gateway.install).toBeUndefined();
    expect(depsOf('kubernetes:gateway.networking.k8s.io/v1:Gateway', 'agentgateway-openshell')).toEqual([]);
    expect(depsOf('kubernetes:core/v1:Secret', 'anthropic-secret')).toEqual([]);
    expect(
      depsOf('kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'anthropic').map((r) => (r as unknown as { constructor: { name: string } }).constructor.name),
    ).toEqual(['Secret']);
    const off = new c.Gateway('off', { platform: 'kubernetes', install: { agentgateway: false } });
    await settle(off.urn);
    expect(installed()).toEqual([]);
  });

  it('options: version, namespace, values, createNamespace, gatewayApiVersion', async () => {
    const values = { controller: { replicaCount: 2 }, gatewayClassName: 'agentgateway' };
    const gateway = new c.Gateway(
      'gw',
      { platform: 'kubernetes', namespace: 'ai', install: { agentgateway: { version: 'v1.4.0', namespace: 'agw', values, gatewayApiVersion: 'v1.5.0' } } },
      traced,
    );
    await settle(gateway.urn);
    expect(one(recorded, 'kubernetes:core/v1:Namespace').inputs.metadata).toEqual({ name: 'agw' });
    expect(one(recorded, 'kubernetes:yaml/v2:ConfigFile').inputs.file).toBe('https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.0/standard-install.yaml');
    expect(one(recorded, 'kubernetes:helm.sh/v4:Chart', 'gw-agentgateway').inputs).toEqual({
      name: 'agentgateway',
      chart: c.AGENTGATEWAY_CHART,
      version: 'v1.4.0',
      namespace: 'agw',
      values,
    });
    expect(one(recorded, 'kubernetes:helm.sh/v4:Chart', 'gw-agentgateway-crds').inputs).toMatchObject({ version: 'v1.4.0', namespace: 'agw' });

    recorded.length = 0;
    const existing = new c.Gateway('gw2', { platform: 'kubernetes', install: { agentgateway: { createNamespace: false, gatewayApiVersion: false } } }, traced);
    await settle(existing.urn);
    expect(
      installed()
        .map((r) => r.type)
        .sort(),
    ).toEqual(['kubernetes:helm.sh/v4:Chart', 'kubernetes:helm.sh/v4:Chart', 'modelgate:index:AgentgatewayInstall']);
    expect(existing.install!.gatewayApiVersion).toBeUndefined();
    expect(depsOf('kubernetes:helm.sh/v4:Chart', 'gw2-agentgateway')).toEqual([existing.install!.crds]);
    expect(depsOf('kubernetes:helm.sh/v4:Chart', 'gw2-agentgateway-crds')).toEqual([]);
  });

  it('sends the install to the given cluster provider', async () => {
    const k8s = await import('@pulumi/kubernetes');
    const cluster = new k8s.Provider('install-cluster', { kubeconfig: '{}' });
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', provider: cluster, install: { agentgateway: true } });
    await settle(gateway.urn);
    const children = recorded.filter((x) => x.type === 'kubernetes:core/v1:Namespace' || x.type === 'kubernetes:gateway.networking.k8s.io/v1:Gateway');
    expect(children).toHaveLength(2);
    for (const r of children) expect(r.provider, `${r.type} ${r.name}`).toMatch(/::install-cluster::/);
  });

  it.each([
    [{ install: { agentgateway: { version: 'latest' } } }, 'install.agentgateway.version: Invalid value: "latest": must be a release version such as "v1.4.1"'],
    [
      { install: { agentgateway: { gatewayApiVersion: 'main' } } },
      'install.agentgateway.gatewayApiVersion: Invalid value: "main": must be a release version such as "v1.4.1" (or false)',
    ],
    [{ install: { agentgateway: { chart: 'x' } } }, 'install.agentgateway.chart: unknown field: supported fields: version, namespace, createNamespace, values, gatewayApiVersion'],
    [{ install: { agentgateway: { createNamespace: 'yes' } } }, 'install.agentgateway.createNamespace: Invalid value: "yes": must be of type boolean'],
    [{ install: { agentgateway: 'v1.4.1' } }, 'install.agentgateway: Invalid value: must be true or an object with version'],
    [{ install: { istio: true } }, 'install.istio: unknown field: supported fields: agentgateway'],
    [{ install: { agentgateway: { namespace: 'Agent_Gateway' } } }, 'namespace: Invalid value: "Agent_Gateway": must be a DNS label'],
    [{ readyTimeoutSeconds: 0 }, 'readyTimeoutSeconds: Invalid value: 0: must be an integer from 1 to 86400 seconds'],
    [{ readyTimeoutSeconds: 1.5 }, 'readyTimeoutSeconds: Invalid value: 1.5: must be an integer from 1 to 86400 seconds'],
    [{ awaitReady: 'no' }, 'awaitReady: Invalid value: "no": must be of type boolean'],
  ])('refuses %o, naming the component', (extra, message) => {
    let error: unknown;
    try {
      new c.Gateway('bad', { platform: 'kubernetes', ...(extra as object) } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(c.InvalidSpecError);
    expect((error as Error).message).toContain(`modelgate:index:`);
    expect((error as Error).message).toContain(message);
  });

  it('install is for kubernetes only', () => {
    expect(() => new c.Gateway('aws-install', { platform: 'aws', install: { agentgateway: true } } as never)).toThrow(
      'modelgate:index:Gateway aws-install: install: only for platform "kubernetes": on AWS the gateway is the Lambda function',
    );
  });
});

describe('kubernetes: the Gateway is awaited until Programmed, and url comes from its address', () => {
  const annotationsOf = () => (one(recorded, 'kubernetes:gateway.networking.k8s.io/v1:Gateway').inputs.metadata as { annotations?: Record<string, string> }).annotations;

  it("waits for Programmed and an address, 300 s by default, through Pulumi's await annotations", async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes' });
    await settle(gateway.urn);
    expect(annotationsOf()).toEqual({
      'pulumi.com/waitFor': '["condition=Programmed","jsonpath={.status.addresses[0].value}"]',
      'pulumi.com/timeoutSeconds': '300',
    });
    // The syntax Pulumi's provider reads: a JSON array of `condition=` / `jsonpath=` expressions.
    const expressions = JSON.parse(c.GATEWAY_WAIT_FOR) as string[];
    for (const e of expressions) expect(e).toMatch(/^(condition=[A-Za-z]+|jsonpath=\{[^}]+\})$/);
    expect(c.WAIT_FOR_ANNOTATION).toBe('pulumi.com/waitFor');
    expect(c.TIMEOUT_ANNOTATION).toBe('pulumi.com/timeoutSeconds');
    // Not part of the object the component renders.
    expect((await valueOf(gateway.manifest)).metadata).toEqual({ name: 'gw', namespace: 'default' });
  });

  it('readyTimeoutSeconds sets the timeout; awaitReady: false waits for nothing', async () => {
    await settle(new c.Gateway('gw', { platform: 'kubernetes', readyTimeoutSeconds: 900 }).urn);
    expect(annotationsOf()).toMatchObject({ 'pulumi.com/timeoutSeconds': '900' });
    recorded.length = 0;
    await settle(new c.Gateway('gw2', { platform: 'kubernetes', awaitReady: false }).urn);
    expect(annotationsOf()).toBeUndefined();
  });

  it('says what a timeout means: no controller for the class, or no address', () => {
    const owner = { type: 'modelgate:index:Gateway', name: 'gw' };
    // Logged during `pulumi up` only (with an engine, which the mocks have not): built directly here.
    const message = (installed: boolean) => readyMessage(owner, 'gw', 'agentgateway-system', undefined, 300, installed);
    expect(message(false)).toContain('modelgate:index:Gateway gw: waiting up to 300s for Gateway agentgateway-system/gw to be Programmed and to get an address.');
    expect(message(false)).toContain('kubectl get gatewayclass agentgateway');
    expect(message(false)).toContain('install: { agentgateway: true }');
    expect(message(true)).not.toContain('install: { agentgateway: true }');
    expect(message(true)).toContain('awaitReady: false');
  });

  it("url: the awaited Gateway's first address, on the first listener's port: IP, IPv6 or hostname", async () => {
    const cases: Array<[string, string]> = [
      ['203.0.113.10', 'http://203.0.113.10:8080'],
      ['2001:db8::10', 'http://[2001:db8::10]:8080'],
      ['a1b2c3.elb.us-east-1.amazonaws.com', 'http://a1b2c3.elb.us-east-1.amazonaws.com:8080'],
    ];
    try {
      for (const [address, url] of cases) {
        recorded = await setupMocks({ gatewayAddress: address });
        const gateway = new c.Gateway(`gw-${address.length}`, { platform: 'kubernetes', namespace: 'agentgateway-system' });
        expect(await valueOf(gateway.url), address).toBe(url);
        // Every registration reaches these mocks before the next ones replace them.
        await settle(gateway.urn);
      }
      recorded = await setupMocks({ gatewayAddress: '198.51.100.1' });
      const web = new c.Gateway('web', { platform: 'kubernetes', listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }] });
      expect(await valueOf(web.url)).toBe('http://198.51.100.1');
      await settle(web.urn);
    } finally {
      recorded = await setupMocks();
    }
  });
});
