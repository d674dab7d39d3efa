/**
 * infra/index.ts — the program Pulumi.yaml runs — under mocks, on both platforms: the config keys
 * it reads (`modelgate:platform`, the secrets `modelgate:anthropicApiKey` and, optional,
 * `modelgate:clientApiKey`, `modelgate:authType` — AWS_IAM unless a client key guards the route —
 * and `modelgate:installAgentgateway`), the tutorial it builds, and the `url` and `bundleSha256` it
 * exports. What it applies on
 * Kubernetes is checked against the upstream CRDs in a suite of its own, which needs ../shared.
 */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AGENTGATEWAY_CHART, AGENTGATEWAY_CRDS_CHART, AGENTGATEWAY_VERSION } from '../../components/kubernetes/install.js';
import { builtBundleSha256 } from './bundle-digest.js';
import { validateObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import { FUNCTION_URL, isSecretInput, ofType, plain, setupMocks, settle, valueOf, type Recorded } from './mocks.js';

const KEY = 'sk-ant-infra-test';
const CLIENT_KEY = 'mg-infra-client-key-0123456789';

/** Sets the stack's config as `pulumi config set` would (`--secret` for the keys), then runs the program (a fresh copy of it). */
async function run(config: Record<string, string>, options: { gatewayAddress?: string } = {}) {
  const recorded = await setupMocks(options);
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries({ 'modelgate:anthropicApiKey': KEY, ...config }).map(([k, v]) => [k, v])), [
    'modelgate:anthropicApiKey',
    'modelgate:clientApiKey',
  ]);
  vi.resetModules();
  const program = (await import('../../infra/index.js')) as { url: pulumi.Output<string>; bundleSha256: pulumi.Output<string> | undefined };
  await settle(program.url);
  return { recorded, url: program.url, bundleSha256: program.bundleSha256 };
}

/** The custom resources applied on Kubernetes (Secrets have no CRD). */
const customResources = (recorded: Recorded[]) => recorded.filter((x) => x.type.startsWith('kubernetes:') && x.type !== 'kubernetes:core/v1:Secret');

const names = (recorded: Recorded[], prefix: string) =>
  recorded
    .filter((r) => r.type.startsWith(prefix))
    .map((r) => `${r.type} ${r.name}`)
    .sort();

beforeEach(() => {
  pulumi.runtime.setAllConfig({});
});

describe('infra/index.ts', () => {
  it('aws by default: the tutorial in a Lambda function URL that takes IAM-signed requests only, exporting the URL', async () => {
    const { recorded, url } = await run({});
    expect(await valueOf(url)).toBe(FUNCTION_URL.replace(/\/$/, ''));
    expect(names(recorded, 'modelgate:')).toEqual(
      [
        'modelgate:index:Gateway agentgateway-openshell',
        'modelgate:index:Backend anthropic',
        'modelgate:index:Policy failover-health',
        'modelgate:index:Route openshell-openai',
      ].sort(),
    );
    // No client key configured: a public URL would let anyone spend the provider key.
    expect(ofType(recorded, 'aws:lambda/functionUrl:FunctionUrl')[0]!.inputs).toMatchObject({ authorizationType: 'AWS_IAM', invokeMode: 'RESPONSE_STREAM' });
    expect(ofType(recorded, 'aws:lambda/permission:Permission')).toHaveLength(0);

    const objects = ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => {
      const item = JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>;
      return JSON.parse(item[CONFIG_ATTRIBUTE]!.S) as { kind: string; spec?: { ai?: { groups: Array<{ providers: Array<{ anthropic: { model: string } }> }> } } };
    });
    for (const object of objects) expect(validateObject(object)).toMatchObject({ ok: true });
    const backend = objects.find((o) => o.kind === 'AgentgatewayBackend')!;
    expect(backend.spec!.ai!.groups.map((g) => g.providers.map((p) => p.anthropic.model))).toEqual([['claude-opus-4-6'], ['claude-sonnet-4-6']]);
    const version = ofType(recorded, 'aws:secretsmanager/secretVersion:SecretVersion')[0]!;
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(plain<string>(version.inputs.secretString))).toEqual({ Authorization: KEY });
  });

  it("kubernetes: the tutorial's objects, exporting the Gateway's address", async () => {
    const { recorded, url } = await run({ 'modelgate:platform': 'kubernetes', 'modelgate:firstModel': 'claude-opus-4-6-FAKE' }, { gatewayAddress: '198.51.100.7' });
    expect(await valueOf(url)).toBe('http://198.51.100.7:8080');
    expect(names(recorded, 'kubernetes:')).toEqual(
      [
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend anthropic',
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy failover-health',
        'kubernetes:core/v1:Secret anthropic-secret',
        'kubernetes:gateway.networking.k8s.io/v1:Gateway agentgateway-openshell',
        'kubernetes:gateway.networking.k8s.io/v1:HTTPRoute openshell-openai',
      ].sort(),
    );
    expect(recorded.filter((r) => r.type.startsWith('aws:'))).toEqual([]);
    const backend = recorded.find((r) => r.type.endsWith(':AgentgatewayBackend'))!.inputs.spec as { ai: { groups: Array<{ providers: Array<{ anthropic: { model: string } }> }> } };
    expect(backend.ai.groups.map((g) => g.providers[0]!.anthropic.model)).toEqual(['claude-opus-4-6-FAKE', 'claude-sonnet-4-6']);
    const secret = recorded.find((r) => r.type === 'kubernetes:core/v1:Secret')!;
    expect(isSecretInput(secret.inputs.stringData)).toBe(true);
    expect(plain(secret.inputs.stringData)).toEqual({ Authorization: KEY });
  });

  it('clientApiKey: the route requires it; only its digest is stored, as a secret', async () => {
    const entries = { 'key-1': JSON.stringify({ keyHash: `sha256:${createHash('sha256').update(CLIENT_KEY).digest('hex')}` }) };
    const aws = await run({ 'modelgate:clientApiKey': CLIENT_KEY });
    expect(names(aws.recorded, 'modelgate:')).toContain('modelgate:index:Policy client-auth');
    const version = aws.recorded.find((r) => r.type === 'aws:secretsmanager/secretVersion:SecretVersion' && r.name === 'client-auth-client-keys')!;
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(plain<string>(version.inputs.secretString))).toEqual(entries);
    const policy = aws.recorded
      .filter((r) => r.type === 'aws:dynamodb/tableItem:TableItem')
      .map((r) => JSON.parse((JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>)[CONFIG_ATTRIBUTE]!.S) as { kind: string; spec?: unknown })
      .find((o) => o.kind === 'AgentgatewayPolicy' && JSON.stringify(o.spec).includes('apiKeyAuthentication'))!;
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'openshell-openai' }],
      traffic: { apiKeyAuthentication: { secretRef: { name: 'client-auth-client-keys' } } },
    });
    for (const r of aws.recorded) expect(JSON.stringify(Object.values(r.inputs).map((v) => plain(v))), `${r.type} ${r.name}`).not.toContain(CLIENT_KEY);

    const k8s = await run({ 'modelgate:platform': 'kubernetes', 'modelgate:clientApiKey': CLIENT_KEY });
    const secret = k8s.recorded.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === 'client-auth-client-keys')!;
    expect(isSecretInput(secret.inputs.stringData)).toBe(true);
    expect(plain(secret.inputs.stringData)).toEqual(entries);
    expect(k8s.recorded.find((r) => r.type === 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy' && r.name === 'client-auth')).toBeDefined();

    // Without it, no client keys.
    const none = await run({});
    expect(names(none.recorded, 'modelgate:index:Policy')).toEqual(['modelgate:index:Policy failover-health']);
  });

  it('aws authType: NONE by default once a client key guards the route; an explicit setting wins either way', async () => {
    const authOf = (recorded: Recorded[]) => ofType(recorded, 'aws:lambda/functionUrl:FunctionUrl')[0]!.inputs.authorizationType;
    const warn = vi.spyOn(pulumi.log, 'warn');
    try {
      const keyed = await run({ 'modelgate:clientApiKey': CLIENT_KEY });
      expect(authOf(keyed.recorded)).toBe('NONE');
      expect(ofType(keyed.recorded, 'aws:lambda/permission:Permission')).toHaveLength(2);
      // Public, but every route needs the key: nothing to warn about.
      expect(warn.mock.calls.filter(([m]) => String(m).includes('public'))).toEqual([]);

      expect(authOf((await run({ 'modelgate:clientApiKey': CLIENT_KEY, 'modelgate:authType': 'AWS_IAM' })).recorded)).toBe('AWS_IAM');

      // Public on purpose, with no key: allowed, and warned about, naming the Gateway.
      const open = await run({ 'modelgate:authType': 'NONE' });
      expect(authOf(open.recorded)).toBe('NONE');
      const warned = warn.mock.calls.filter(([m]) => String(m).includes('public'));
      expect(warned).toHaveLength(1);
      expect(warned[0]![0]).toContain('modelgate:index:Gateway agentgateway-openshell: the function URL is public (authType NONE)');
      expect(warned[0]![0]).toContain('agentgateway-system/openshell-openai');
    } finally {
      warn.mockRestore();
    }
    await expect(run({ 'modelgate:authType': 'PUBLIC' })).rejects.toThrow('modelgate:authType must be "NONE" or "AWS_IAM", not "PUBLIC"');
  });

  it("aws: exports the Lambda bundle's SHA-256; kubernetes: does not", async () => {
    const aws = await run({});
    // The handler and its chunks: what the function runs.
    const expected = builtBundleSha256();
    expect(await valueOf(aws.bundleSha256)).toBe(expected);
    const k8s = await run({ 'modelgate:platform': 'kubernetes' });
    expect(k8s.bundleSha256).toBeUndefined();
  });

  it('kubernetes with modelgate:installAgentgateway: the pinned install first, then the tutorial', async () => {
    const { recorded } = await run({ 'modelgate:platform': 'kubernetes', 'modelgate:installAgentgateway': 'true' }, { gatewayAddress: '198.51.100.7' });
    expect(names(recorded, 'kubernetes:').filter((n) => !n.includes('agentgateway.dev/') && !n.includes('gateway.networking.k8s.io/') && !n.includes(':Secret '))).toEqual(
      [
        'kubernetes:core/v1:Namespace agentgateway-openshell-namespace',
        'kubernetes:helm.sh/v4:Chart agentgateway-openshell-agentgateway',
        'kubernetes:helm.sh/v4:Chart agentgateway-openshell-agentgateway-crds',
        'kubernetes:yaml/v2:ConfigFile agentgateway-openshell-gateway-api-crds',
      ].sort(),
    );
    const charts = ofType(recorded, 'kubernetes:helm.sh/v4:Chart').map((r) => [r.inputs.chart, r.inputs.version, r.inputs.namespace]);
    expect(charts.sort()).toEqual([
      [AGENTGATEWAY_CHART, AGENTGATEWAY_VERSION, 'agentgateway-system'],
      [AGENTGATEWAY_CRDS_CHART, AGENTGATEWAY_VERSION, 'agentgateway-system'],
    ]);
    // Without it, nothing is installed.
    const plainRun = await run({ 'modelgate:platform': 'kubernetes' });
    expect(plainRun.recorded.filter((r) => r.type.startsWith('kubernetes:helm.sh') || r.type.startsWith('kubernetes:yaml') || r.type === 'kubernetes:core/v1:Namespace')).toEqual(
      [],
    );
  });

  it('refuses an unknown platform, and needs the key', async () => {
    await expect(run({ 'modelgate:platform': 'gcp' })).rejects.toThrow('modelgate:platform must be "aws" or "kubernetes", not "gcp"');
    await setupMocks();
    pulumi.runtime.setAllConfig({});
    vi.resetModules();
    await expect(import('../../infra/index.js')).rejects.toThrow(/anthropicApiKey/);
  });
});

describeWithShared('infra/index.ts on kubernetes: against the upstream CRDs', CRDS, () => {
  it('every custom resource applied is valid, with and without clientApiKey', async () => {
    const crds = loadCrdValidators();
    const configs: Array<Record<string, string>> = [{ 'modelgate:firstModel': 'claude-opus-4-6-FAKE' }, { 'modelgate:clientApiKey': CLIENT_KEY }];
    for (const config of configs) {
      const { recorded } = await run({ 'modelgate:platform': 'kubernetes', ...config });
      const checked = customResources(recorded);
      expect(checked.map((r) => r.name)).toContain('anthropic');
      for (const r of checked) expect(crds.validate(r.inputs).map(formatViolation), r.name).toEqual([]);
    }
  });
});
