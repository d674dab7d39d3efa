/**
 * The Kubernetes platform under Pulumi mocks: what each component applies (custom resources and
 * Secrets, recorded as the engine receives them), checked against the upstream CRDs — schema and
 * x-kubernetes-validations CEL rules, in a suite of its own that needs ../shared — and against the
 * tutorial's own YAML.
 */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { validateObject } from '../../functions/model/validate.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import { isSecretInput, plain, setupMocks, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';
import { buildTutorial, tutorialKey, tutorialObjects } from './tutorial.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

/**
 * The Kubernetes objects applied, as plain objects (secret markers removed), without the
 * `pulumi.com/` await annotations: instructions to Pulumi's provider, not part of the objects the
 * tutorial defines (kubernetes-install.test.ts checks them).
 */
function applied(): Array<Record<string, unknown>> {
  return recorded
    .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:providers:'))
    .map((r) => withoutAwaitAnnotations(Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)]))));
}

function withoutAwaitAnnotations(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = object.metadata as { annotations?: Record<string, string> } | undefined;
  if (!metadata?.annotations) return object;
  const annotations = Object.fromEntries(Object.entries(metadata.annotations).filter(([k]) => !k.startsWith('pulumi.com/')));
  const { annotations: _dropped, ...rest } = metadata;
  return { ...object, metadata: Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest };
}

const byId = (o: Record<string, unknown>) => {
  const meta = o.metadata as { name: string; namespace?: string };
  return `${String(o.kind)} ${meta.namespace}/${meta.name}`;
};

/** Every Secret passes modelgate's own Secret schema (there is no CRD for it). */
function expectSecretsValid(objects: Array<Record<string, unknown>>) {
  for (const object of objects) if (object.kind === 'Secret') expect(validateObject(object), byId(object)).toMatchObject({ ok: true });
}

/** Every custom resource passes the upstream CRD (schema and CEL rules). Needs ../shared/crds. */
function expectCrdValid(objects: Array<Record<string, unknown>>) {
  const crds = loadCrdValidators();
  for (const object of objects) if (object.kind !== 'Secret') expect(crds.validate(object).map(formatViolation), byId(object)).toEqual([]);
}

/** The tutorial with its Gateway written out in full, as applied. */
async function applyTutorial(): Promise<Array<Record<string, unknown>>> {
  const { gateway, backend, policy, route } = buildTutorial(
    c,
    {
      platform: 'kubernetes',
      namespace: 'agentgateway-system',
      gatewayClassName: 'agentgateway',
      listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
    },
    pulumi.secret(tutorialKey()),
  );
  await settle(gateway.urn, backend.urn, policy.urn, route.urn);
  return applied();
}

/** A backend-level key shared by two providers, and a provider's own key. */
async function applyMixedKeys() {
  const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'team-a' });
  const shared = pulumi.secret('sk-shared');
  const backend = new c.Backend('mixed', {
    gateway,
    policies: { auth: { key: shared }, health: { eviction: { duration: '5s' } } },
    ai: {
      groups: [
        {
          providers: [
            { name: 'openai-4o', openai: { model: 'gpt-4o' } },
            { name: 'anthropic-a', anthropic: {}, policies: { auth: { key: pulumi.secret('sk-a') } } },
          ],
        },
        { providers: [{ name: 'anthropic-b', anthropic: {}, policies: { auth: { key: shared } } }] },
      ],
    },
  });
  await settle(gateway.urn, backend.urn);
  return { backend, objects: applied() };
}

/** Traffic policies on a Route and on the Gateway, a backend policy by name, Output-valued fields. */
async function applyTrafficPolicies(): Promise<Array<Record<string, unknown>>> {
  const gateway = new c.Gateway('edge', {
    platform: 'kubernetes',
    namespace: 'ai',
    listeners: [{ name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }],
  });
  const backend = new c.Backend('models', {
    gateway,
    ai: { provider: { openai: { model: pulumi.output('gpt-4o-mini') } } },
    policies: { auth: { secretRef: { name: 'existing-openai-key' } } },
  });
  const route = new c.Route('chat', {
    gateway,
    hostnames: ['ai.example.com'],
    rules: [
      {
        name: 'completions',
        matches: [{ path: { type: 'Exact', value: '/v1/chat/completions' }, method: 'POST' }],
        backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'models' }],
        timeouts: { request: '120s' },
      },
    ],
  });
  const retry = new c.Policy('retry', { gateway, targetRefs: [route], traffic: { retry: { attempts: 2, codes: [429, 503], backoff: '500ms' } } });
  const timeouts = new c.Policy('timeouts', { gateway, targetRefs: [gateway], traffic: { timeouts: { request: '300s' } } });
  const provider = new c.Policy('sonnet-only', {
    gateway,
    targetRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'models', sectionName: 'models' }],
    backend: { http: { requestTimeout: '60s' }, ai: { defaults: [{ field: 'temperature', value: 0.2 }] } },
  });
  await settle(gateway.urn, backend.urn, route.urn, retry.urn, timeouts.urn, provider.urn);
  return applied();
}

describe('kubernetes: the tutorial', () => {
  it('renders exactly the objects of the tutorial YAML', async () => {
    const objects = await applyTutorial();
    expect(objects.map(byId).sort()).toEqual(tutorialObjects().map(byId).sort());
    const expected = new Map(tutorialObjects().map((o) => [byId(o), o]));
    for (const object of objects) expect(object, byId(object)).toEqual(expected.get(byId(object)));
    expectSecretsValid(objects);
  });

  it("the default Gateway (class, listener) and parentRefs are the tutorial's", async () => {
    const { gateway, backend, policy, route } = buildTutorial(c, { platform: 'kubernetes', namespace: 'agentgateway-system' }, pulumi.secret(tutorialKey()));
    await settle(gateway.urn, backend.urn, policy.urn, route.urn);
    const tutorialGateway = tutorialObjects().find((o) => o.kind === 'Gateway');
    expect(applied().find((o) => o.kind === 'Gateway')).toEqual(tutorialGateway);
  });

  it("keeps the key secret: the Secret's stringData is a secret input, and no other object holds the key", async () => {
    const key = 'sk-ant-kubernetes-test-key';
    const { gateway, backend, policy, route } = buildTutorial(c, { platform: 'kubernetes', namespace: 'agentgateway-system' }, pulumi.secret(key));
    await settle(gateway.urn, backend.urn, policy.urn, route.urn);

    const secrets = recorded.filter((r) => r.type === 'kubernetes:core/v1:Secret');
    expect(secrets.map((s) => s.name)).toEqual(['anthropic-secret']);
    expect(isSecretInput(secrets[0]!.inputs.stringData)).toBe(true);
    expect(plain(secrets[0]!.inputs.stringData)).toEqual({ Authorization: key });
    expect(await pulumi.isSecret(backend.secrets![0]!.stringData)).toBe(true);

    for (const r of recorded) {
      for (const [field, value] of Object.entries(r.inputs)) {
        if (!isSecretInput(value)) expect(JSON.stringify(value) ?? '', `${r.type} ${r.name} ${field}`).not.toContain(key);
      }
    }
    expect(JSON.stringify(await valueOf(backend.manifest))).not.toContain(key);
    expect(await valueOf(backend.secretNames)).toEqual(['anthropic-secret']);
  });

  it('names children after the component and records the outputs', async () => {
    const { gateway, backend, policy, route } = buildTutorial(c, { platform: 'kubernetes', namespace: 'agentgateway-system' }, pulumi.secret(tutorialKey()));
    await settle(gateway.urn, backend.urn, policy.urn, route.urn);
    expect(
      recorded
        .filter((r) => r.type.startsWith('kubernetes:'))
        .map((r) => [r.type, r.name])
        .sort(),
    ).toEqual(
      [
        ['kubernetes:gateway.networking.k8s.io/v1:Gateway', 'agentgateway-openshell'],
        ['kubernetes:core/v1:Secret', 'anthropic-secret'],
        ['kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'anthropic'],
        ['kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy', 'failover-health'],
        ['kubernetes:gateway.networking.k8s.io/v1:HTTPRoute', 'openshell-openai'],
      ].sort(),
    );
    expect(recorded.filter((r) => r.type.startsWith('modelgate:index:')).map((r) => [r.type, r.name])).toEqual([
      ['modelgate:index:Gateway', 'agentgateway-openshell'],
      ['modelgate:index:Backend', 'anthropic'],
      ['modelgate:index:Policy', 'failover-health'],
      ['modelgate:index:Route', 'openshell-openai'],
    ]);
    expect(await valueOf(gateway.name)).toBe('agentgateway-openshell');
    expect(await valueOf(gateway.namespace)).toBe('agentgateway-system');
    expect(await valueOf(backend.name)).toBe('anthropic');
    expect(await valueOf(route.namespace)).toBe('agentgateway-system');
    // No address reported (the mock controller has none): the url is empty until it has one.
    expect(await valueOf(gateway.url)).toBe('');
    expect(gateway.table).toBeUndefined();
  });

  it('sends every object to the given cluster provider', async () => {
    const k8s = await import('@pulumi/kubernetes');
    const cluster = new k8s.Provider('cluster', { kubeconfig: '{}' });
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', provider: cluster });
    const backend = new c.Backend('b', { gateway, ai: { provider: { openai: { model: 'gpt-4o' } } }, policies: { auth: { key: pulumi.secret('k') } } });
    await settle(gateway.urn, backend.urn);
    const children = recorded.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:'));
    expect(children.map((r) => r.type).sort()).toEqual(
      ['kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'kubernetes:core/v1:Secret', 'kubernetes:gateway.networking.k8s.io/v1:Gateway'].sort(),
    );
    for (const child of children) expect(child.provider, `${child.type} ${child.name}`).toMatch(/::cluster::/);
  });

  it("url is the address the controller reports, on the first listener's port", async () => {
    const withAddress = await setupMocks({ gatewayAddress: '203.0.113.10' });
    try {
      const gateway = new c.Gateway('gw-address', { platform: 'kubernetes', namespace: 'agentgateway-system' });
      expect(await valueOf(gateway.url)).toBe('http://203.0.113.10:8080');
    } finally {
      recorded = withAddress;
      recorded.length = 0;
    }
  });
});

describe('kubernetes: other shapes', () => {
  it('a backend-level key and several keys: one Secret per distinct key, in order of first use', async () => {
    const { backend, objects } = await applyMixedKeys();
    expectSecretsValid(objects);
    const secrets = objects.filter((o) => o.kind === 'Secret');
    expect(secrets.map((s) => [(s.metadata as { name: string }).name, s.stringData])).toEqual([
      ['mixed-secret', { Authorization: 'sk-shared' }],
      ['mixed-secret-2', { Authorization: 'sk-a' }],
    ]);
    const spec = objects.find((o) => o.kind === 'AgentgatewayBackend')!.spec as { policies: unknown; ai: { groups: Array<{ providers: Array<{ policies?: unknown }> }> } };
    expect(spec.policies).toEqual({ auth: { secretRef: { name: 'mixed-secret' } }, health: { eviction: { duration: '5s' } } });
    expect(spec.ai.groups[0]!.providers[1]!.policies).toEqual({ auth: { secretRef: { name: 'mixed-secret-2' } } });
    expect(spec.ai.groups[1]!.providers[0]!.policies).toEqual({ auth: { secretRef: { name: 'mixed-secret' } } });
    expect(await valueOf(backend.secretNames)).toEqual(['mixed-secret', 'mixed-secret-2']);
  });

  it('traffic policies on a Route and on the Gateway, references by name, Output-valued fields', async () => {
    const objects = await applyTrafficPolicies();
    expect(objects).toHaveLength(6);
    const get = (kind: string, name: string) => objects.find((o) => o.kind === kind && (o.metadata as { name: string }).name === name)!;
    expect(get('HTTPRoute', 'chat').spec).toMatchObject({ parentRefs: [{ name: 'edge', namespace: 'ai' }], hostnames: ['ai.example.com'] });
    expect(get('AgentgatewayPolicy', 'retry').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'chat' }],
      traffic: { retry: { attempts: 2, codes: [429, 503], backoff: '500ms' } },
    });
    expect(get('AgentgatewayPolicy', 'timeouts').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }],
      traffic: { timeouts: { request: '300s' } },
    });
    expect(get('AgentgatewayBackend', 'models').spec).toEqual({
      ai: { provider: { openai: { model: 'gpt-4o-mini' } } },
      policies: { auth: { secretRef: { name: 'existing-openai-key' } } },
    });
    // A secretRef to a Secret the components do not manage makes no Secret.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describeWithShared('kubernetes: every custom resource applied is valid against the upstream CRDs', CRDS, () => {
  it('the tutorial', async () => {
    expectCrdValid(await applyTutorial());
  });

  it('a backend-level key and several keys', async () => {
    expectCrdValid((await applyMixedKeys()).objects);
  });

  it('traffic policies on a Route and on the Gateway', async () => {
    expectCrdValid(await applyTrafficPolicies());
  });
});
