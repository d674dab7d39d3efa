/**
 * infra/index.ts — the program Pulumi.yaml runs — under mocks, on both platforms: the config keys
 * it reads (`modelgate:platform`, the secret `modelgate:anthropicApiKey`), the tutorial it
 * builds, and the `url` it exports.
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { validateObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { FUNCTION_URL, isSecretInput, ofType, plain, setupMocks, settle, valueOf, type Recorded } from './mocks.js';

const KEY = 'sk-ant-infra-test';

/** Sets the stack's config as `pulumi config set` would, then runs the program (a fresh copy of it). */
async function run(config: Record<string, string>, options: { gatewayAddress?: string } = {}) {
  const recorded = await setupMocks(options);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries({ 'modelgate:anthropicApiKey': KEY, ...config }).map(([k, v]) => [k, v])),
    ['modelgate:anthropicApiKey'],
  );
  vi.resetModules();
  const program = (await import('../../infra/index.js')) as { url: pulumi.Output<string> };
  await settle(program.url);
  return { recorded, url: program.url };
}

const names = (recorded: Recorded[], prefix: string) => recorded.filter((r) => r.type.startsWith(prefix)).map((r) => `${r.type} ${r.name}`).sort();

beforeEach(() => {
  pulumi.runtime.setAllConfig({});
});

describe('infra/index.ts', () => {
  it('aws by default: the tutorial in a Lambda function URL, exporting the URL', async () => {
    const { recorded, url } = await run({});
    expect(await valueOf(url)).toBe(FUNCTION_URL.replace(/\/$/, ''));
    expect(names(recorded, 'modelgate:')).toEqual(
      ['modelgate:index:Gateway agentgateway-openshell', 'modelgate:index:Backend anthropic', 'modelgate:index:Policy failover-health', 'modelgate:index:Route openshell-openai'].sort(),
    );
    expect(ofType(recorded, 'aws:lambda/functionUrl:FunctionUrl')[0]!.inputs).toMatchObject({ authorizationType: 'NONE', invokeMode: 'RESPONSE_STREAM' });
    expect(ofType(recorded, 'aws:lambda/permission:Permission')).toHaveLength(2);

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

  it('kubernetes: the tutorial\'s objects, valid against the CRDs, exporting the Gateway\'s address', async () => {
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
    const crds = loadCrdValidators();
    for (const r of recorded.filter((x) => x.type.startsWith('kubernetes:') && x.type !== 'kubernetes:core/v1:Secret')) {
      expect(crds.validate(r.inputs).map(formatViolation), r.name).toEqual([]);
    }
    const backend = recorded.find((r) => r.type.endsWith(':AgentgatewayBackend'))!.inputs.spec as { ai: { groups: Array<{ providers: Array<{ anthropic: { model: string } }> }> } };
    expect(backend.ai.groups.map((g) => g.providers[0]!.anthropic.model)).toEqual(['claude-opus-4-6-FAKE', 'claude-sonnet-4-6']);
    const secret = recorded.find((r) => r.type === 'kubernetes:core/v1:Secret')!;
    expect(isSecretInput(secret.inputs.stringData)).toBe(true);
    expect(plain(secret.inputs.stringData)).toEqual({ Authorization: KEY });
  });

  it('refuses an unknown platform, and needs the key', async () => {
    await expect(run({ 'modelgate:platform': 'gcp' })).rejects.toThrow('modelgate:platform must be "aws" or "kubernetes", not "gcp"');
    await setupMocks();
    pulumi.runtime.setAllConfig({});
    vi.resetModules();
    await expect(import('../../infra/index.js')).rejects.toThrow(/anthropicApiKey/);
  });
});
