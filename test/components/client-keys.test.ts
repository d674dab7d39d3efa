/**
 * Client API keys in the components (`traffic.apiKeyAuthentication.keys`), under Pulumi mocks:
 * the Policy gets `secretRef` to a Secret `<policy>-client-keys` the component made, whose entries
 * hold only SHA-256 digests (`{"keyHash": "sha256:<hex>"}`) — a Kubernetes Secret, or on AWS a
 * Secrets Manager secret named by a Secret config item, readable by the role. The objects pass the
 * CRDs (a suite of its own, which needs ../shared); the AWS config compiles and, through the data plane's own code, accepts the original key;
 * no key is ever in the objects, the Secrets, or an output.
 */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { SECRET_ARN_ANNOTATION, SecretsManagerLoader } from '../../functions/config/secrets-manager.js';
import { TableConfigSource } from '../../functions/config/table-source.js';
import { checkClientKey } from '../../functions/engine/client-auth.js';
import { MemoryLogger } from '../../functions/core/log.js';
import type { GatewayRequest } from '../../functions/engine/types.js';
import { compileConfig } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import { ACCOUNT, collectingRejections, isSecretInput, one, ofType, plain, REGION, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const KEYS = ['mg-client-key-alpha-0123456789abcdef', 'mg-client-key-beta-fedcba9876543210'];
const PROVIDER_KEY = 'sk-ant-provider-key-for-client-keys';
const digest = (key: string) => `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
const ENTRIES = { 'key-1': JSON.stringify({ keyHash: digest(KEYS[0]!) }), 'key-2': JSON.stringify({ keyHash: digest(KEYS[1]!) }) };

/** A gateway, a backend, a route, and a Policy requiring the client keys on the route. */
function build(platform: 'kubernetes' | 'aws', keys: Array<pulumi.Input<string>> = KEYS.map((k) => pulumi.secret(k))) {
  const gateway = new c.Gateway('gw', { platform, namespace: 'ai' });
  const backend = new c.Backend('llm', { gateway, ai: { provider: { anthropic: { model: 'claude-sonnet-4-6' } } }, policies: { auth: { key: pulumi.secret(PROVIDER_KEY) } } });
  const route = new c.Route('v1', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }] });
  const policy = new c.Policy('clients', { gateway, targetRefs: [route], traffic: { apiKeyAuthentication: { keys } } });
  return { gateway, backend, route, policy };
}

async function deploy(platform: 'kubernetes' | 'aws', keys?: Array<pulumi.Input<string>>) {
  const parts = build(platform, keys);
  await settle(parts.gateway.urn, parts.backend.urn, parts.route.urn, parts.policy.urn, parts.policy.manifest);
  return parts;
}

/** No key in any input, secret or not (only digests are stored); digests only in secret inputs. */
function expectNoKeyAnywhere() {
  for (const r of recorded) {
    for (const [field, value] of Object.entries(r.inputs)) {
      const text = JSON.stringify(plain(value)) ?? '';
      for (const key of KEYS) expect(text, `${r.type} ${r.name} ${field}`).not.toContain(key);
      if (!isSecretInput(value)) for (const key of KEYS) expect(text, `${r.type} ${r.name} ${field}`).not.toContain(digest(key).slice(7));
    }
  }
}

async function expectOutputsClean(...outputs: Array<pulumi.Output<unknown>>) {
  for (const output of outputs) {
    expect(await pulumi.isSecret(output)).toBe(false);
    const text = JSON.stringify(await valueOf(output));
    for (const key of KEYS) expect(text).not.toContain(key);
  }
}

/** The Kubernetes objects applied, as plain objects (secret markers removed), with their records. */
function appliedKubernetes() {
  return recorded
    .filter((r) => r.type.startsWith('kubernetes:'))
    .map((r) => ({ record: r, object: Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)])) as Record<string, unknown> }));
}

/** Client keys in a header of their own, optional, on a Gateway target. */
async function deployHeaderKeys() {
  const gateway = new c.Gateway('edge', { platform: 'kubernetes' });
  const policy = new c.Policy('header-keys', {
    gateway,
    targetRefs: [gateway],
    traffic: { apiKeyAuthentication: { mode: 'Optional', location: { header: { name: 'x-team-key' } }, keys: [pulumi.secret(KEYS[0]!)] } },
  });
  await settle(gateway.urn, policy.urn);
  return one(recorded, 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy');
}

function request(headers: Record<string, string>): GatewayRequest {
  return { method: 'POST', path: '/v1/chat/completions', query: '', headers, body: new Uint8Array(), signal: new AbortController().signal, id: 'test' };
}

describe('client keys on kubernetes', () => {
  it('a Secret of digests, secretRef in the Policy, every object valid for modelgate', async () => {
    const { policy } = await deploy('kubernetes');
    const applied = appliedKubernetes();

    const policyObject = applied.find((a) => a.object.kind === 'AgentgatewayPolicy')!.object;
    expect(policyObject.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'v1' }],
      traffic: { apiKeyAuthentication: { secretRef: { name: 'clients-client-keys' } } },
    });

    const secret = one(recorded, 'kubernetes:core/v1:Secret', 'clients-client-keys');
    expect(isSecretInput(secret.inputs.stringData)).toBe(true);
    expect(plain(secret.inputs.stringData)).toEqual(ENTRIES);
    expect(secret.inputs.metadata).toEqual({ name: 'clients-client-keys', namespace: 'ai' });
    expect(secret.inputs.type).toBe('Opaque');

    // The Secret as the data plane reads it: the policy compiles and accepts exactly the keys.
    const objects = applied.map((a) => {
      const result = validateObject(a.object);
      expect(result).toMatchObject({ ok: true });
      return (result as { object: ManifestObject }).object;
    });
    const config = compileConfig(objects);
    const auth = config.rules[0]!.clientAuth!;
    expect(auth.keyDigests.map((d) => `sha256:${d.toString('hex')}`)).toEqual(KEYS.map(digest));
    expect(checkClientKey(auth, request({ authorization: `Bearer ${KEYS[1]}` }))).toBe('ok');
    expect(checkClientKey(auth, request({ authorization: 'Bearer not-a-key' }))).toBe('invalid');

    expectNoKeyAnywhere();
    expect(await valueOf(policy.secretNames)).toEqual(['clients-client-keys']);
    expect(await pulumi.isSecret(policy.secrets![0]!.stringData)).toBe(true);
    await expectOutputsClean(policy.manifest, policy.secretNames, policy.name);
  });

  it('mode and location stay as written; a Gateway target works too', async () => {
    const cr = await deployHeaderKeys();
    expect(cr.inputs.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }],
      traffic: { apiKeyAuthentication: { mode: 'Optional', location: { header: { name: 'x-team-key' } }, secretRef: { name: 'header-keys-client-keys' } } },
    });
    expect(plain(one(recorded, 'kubernetes:core/v1:Secret').inputs.stringData)).toEqual({ 'key-1': ENTRIES['key-1'] });
  });

  it('a secretRef to a Secret managed elsewhere is kept, and makes no Secret', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes' });
    const policy = new c.Policy('byo', { gateway, targetRefs: [gateway], traffic: { apiKeyAuthentication: { secretRef: { name: 'my-client-keys' } } } });
    await settle(gateway.urn, policy.urn);
    expect(ofType(recorded, 'kubernetes:core/v1:Secret')).toEqual([]);
    expect((await valueOf(policy.manifest)).spec).toMatchObject({ traffic: { apiKeyAuthentication: { secretRef: { name: 'my-client-keys' } } } });
  });
});

describeWithShared('client keys on kubernetes: against the upstream CRDs', CRDS, () => {
  it('every custom resource applied is valid', async () => {
    await deploy('kubernetes');
    const crds = loadCrdValidators();
    for (const { object } of appliedKubernetes()) {
      if (object.kind !== 'Secret') expect(crds.validate(object).map(formatViolation), String(object.kind)).toEqual([]);
    }
  });

  it('mode and location, on a Gateway target', async () => {
    const cr = await deployHeaderKeys();
    expect(loadCrdValidators().validate(cr.inputs).map(formatViolation)).toEqual([]);
  });
});

describe('client keys on aws', () => {
  const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:clients-client-keys-1a2b3c4-AbCdEf`;

  it('a Secrets Manager secret of digests, its version, the Secret config item, and the role may read it', async () => {
    const { policy } = await deploy('aws');
    expect(one(recorded, 'aws:secretsmanager/secret:Secret', 'clients-client-keys').inputs).toEqual({
      description: 'modelgate: client API keys (SHA-256 digests) of Secret ai/clients-client-keys',
    });
    const version = one(recorded, 'aws:secretsmanager/secretVersion:SecretVersion', 'clients-client-keys');
    expect(version.inputs.secretId).toBe(SECRET_ARN);
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(plain<string>(version.inputs.secretString))).toEqual(ENTRIES);

    const item = JSON.parse(plain<string>(one(recorded, 'aws:dynamodb/tableItem:TableItem', 'clients-client-keys').inputs.item)) as Record<string, { S: string }>;
    expect(item.sk).toEqual({ S: 'Secret#ai/clients-client-keys' });
    expect(JSON.parse(item[CONFIG_ATTRIBUTE]!.S)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'clients-client-keys', namespace: 'ai', annotations: { [SECRET_ARN_ANNOTATION]: SECRET_ARN } },
      type: 'Opaque',
    });

    const rolePolicy = one(recorded, 'aws:iam/rolePolicy:RolePolicy', 'clients-secrets');
    expect(rolePolicy.inputs.role).toBe('gw-1a2b3c4');
    expect(JSON.parse(plain<string>(rolePolicy.inputs.policy))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'ClientKeys', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: [SECRET_ARN] }],
    });
    expect(await valueOf(policy.secretNames)).toEqual(['clients-client-keys']);
    expect((await valueOf(policy.manifest)).spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'v1' }],
      traffic: { apiKeyAuthentication: { secretRef: { name: 'clients-client-keys' } } },
    });
  });

  it("the whole config compiles and, through the data plane's code, accepts the original keys", async () => {
    await deploy('aws');
    const written = ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>);
    const versions = ofType(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    const secretsManager = {
      send: async (command: { input: { SecretId: string } }) => {
        const version = versions.find((v) => v.inputs.secretId === command.input.SecretId);
        if (!version) throw new Error(`no secret ${command.input.SecretId}`);
        return { SecretString: plain<string>(version.inputs.secretString) };
      },
    };

    // compileConfig over the items, with the Secrets Manager loader as the source of secrets.
    const objects = written.map((i) => {
      const result = validateObject(JSON.parse(i[CONFIG_ATTRIBUTE]!.S));
      expect(result, i.sk!.S).toMatchObject({ ok: true, warnings: [] });
      return (result as { object: ManifestObject }).object;
    });
    const loader = new SecretsManagerLoader(secretsManager as never);
    await loader.prepare(objects);
    const config = compileConfig(objects, loader.source(objects));
    const auth = config.rules[0]!.clientAuth!;
    expect(auth.mode).toBe('Strict');
    expect(auth.keyDigests.map((d) => `sha256:${d.toString('hex')}`)).toEqual(KEYS.map(digest));
    expect(config.backends[0]!.providers[0]!.target.apiKey).toBe(PROVIDER_KEY);

    // And as the Lambda loads it: the table, then the secrets.
    const logger = new MemoryLogger();
    const dynamodb = { send: async () => ({ Items: written }) } as unknown as DynamoDBClient;
    const source = new TableConfigSource({ client: dynamodb, table: 'gw-1a2b3c4', secrets: new SecretsManagerLoader(secretsManager as never), logger });
    const loaded = (await source.current()).rules[0]!.clientAuth!;
    expect(logger.entries.filter((e) => e.level !== 'info')).toEqual([]);
    for (const key of KEYS) {
      expect(checkClientKey(loaded, request({ authorization: `Bearer ${key}` }))).toBe('ok');
      expect(checkClientKey(loaded, request({ 'x-api-key': key }))).toBe('ok');
    }
    expect(checkClientKey(loaded, request({ authorization: `Bearer ${KEYS[0]}x` }))).toBe('invalid');
    expect(checkClientKey(loaded, request({}))).toBe('missing');
    expect(checkClientKey(loaded, request({ authorization: `Bearer ${PROVIDER_KEY}` }))).toBe('invalid');
  });

  it('a key is never stored, not even as a secret; only digests, only in secret inputs; outputs hold neither', async () => {
    const { gateway, policy, route } = await deploy('aws');
    expectNoKeyAnywhere();
    await expectOutputsClean(policy.manifest, policy.name, policy.secretNames, route.manifest, gateway.url);
  });

  it('keys given as plain strings are still stored as a secret', async () => {
    await deploy('aws', KEYS);
    const version = one(recorded, 'aws:secretsmanager/secretVersion:SecretVersion', 'clients-client-keys');
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expectNoKeyAnywhere();
  });

  it('with provider keys too: one role policy per component, one statement each', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const policy = new c.Policy('both', {
      gateway,
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }],
      traffic: { apiKeyAuthentication: { keys: [pulumi.secret(KEYS[0]!)] } },
    });
    const other = new c.Policy('other', {
      gateway,
      targetRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'b' }],
      backend: { auth: { key: pulumi.secret(PROVIDER_KEY) } },
    });
    await settle(gateway.urn, policy.urn, other.urn);
    const documents = Object.fromEntries(
      ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').map((r) => [
        r.name,
        (JSON.parse(plain<string>(r.inputs.policy)) as { Statement: Array<{ Sid: string; Resource: string[] }> }).Statement,
      ]),
    );
    expect(documents['both-secrets']!.map((s) => [s.Sid, s.Resource])).toEqual([
      ['ClientKeys', [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:both-client-keys-1a2b3c4-AbCdEf`]],
    ]);
    expect(documents['other-secrets']!.map((s) => [s.Sid, s.Resource])).toEqual([
      ['ProviderKeys', [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-secret-1a2b3c4-AbCdEf`]],
    ]);
  });

  it("another Policy may refer to the client keys' Secret; not to a provider key's, nor to one made by hand", () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const target = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }];
    new c.Backend('llm', { gateway, ai: { provider: { openai: {} } }, policies: { auth: { key: 'sk-1' } } });
    new c.Policy('clients', { gateway, targetRefs: target, traffic: { apiKeyAuthentication: { keys: ['k-1'] } } });
    expect(() => new c.Policy('reuse', { gateway, targetRefs: target, traffic: { apiKeyAuthentication: { secretRef: { name: 'clients-client-keys' } } } })).not.toThrow();
    expect(() => new c.Policy('provider', { gateway, targetRefs: target, traffic: { apiKeyAuthentication: { secretRef: { name: 'llm-secret' } } } })).toThrow(
      'modelgate:index:Policy provider: traffic.apiKeyAuthentication.secretRef: Secret default/llm-secret not found',
    );
    expect(() => new c.Policy('byo', { gateway, targetRefs: target, traffic: { apiKeyAuthentication: { secretRef: { name: 'by-hand' } } } })).toThrow(
      'modelgate:index:Policy byo: traffic.apiKeyAuthentication.secretRef: Secret default/by-hand not found',
    );
  });
});

describe.each(['kubernetes', 'aws'] as const)('client keys, %s: validation still runs, and never shows a key', (platform) => {
  const target = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }];
  const thrown = (fn: () => unknown): Error & { problems?: readonly string[] } => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the constructor to throw');
  };
  const policy = (apiKeyAuthentication: Record<string, unknown>) => () =>
    new c.Policy('p', { gateway: new c.Gateway('gw', { platform }), targetRefs: target, traffic: { apiKeyAuthentication: apiKeyAuthentication as never } });

  it('both keys and secretRef', () => {
    const error = thrown(policy({ keys: ['visible-key'], secretRef: { name: 's' } }));
    expect(error).toBeInstanceOf(c.InvalidSpecError);
    expect(error.message).toBe('modelgate:index:Policy p: traffic.apiKeyAuthentication: exactly one of the fields in [keys secretRef] must be set');
    expect(error.message).not.toContain('visible-key');
  });

  it('neither', () => {
    expect(thrown(policy({ mode: 'Strict' })).message).toBe('modelgate:index:Policy p: traffic.apiKeyAuthentication: exactly one of the fields in [keys secretRef] must be set');
  });

  it('no key, an empty key, not a list', () => {
    expect(thrown(policy({ keys: [] })).message).toBe('modelgate:index:Policy p: traffic.apiKeyAuthentication.keys: should have at least 1 items');
    const empty = thrown(policy({ keys: ['fine-key', '  ', 'x'.repeat(0)] }));
    expect(empty.problems).toEqual([
      'modelgate:index:Policy p: traffic.apiKeyAuthentication.keys[1]: must be a non-empty string',
      'modelgate:index:Policy p: traffic.apiKeyAuthentication.keys[2]: must be a non-empty string',
    ]);
    expect(empty.message).not.toContain('fine-key');
    expect(thrown(policy({ keys: 'one-key' })).message).toBe('modelgate:index:Policy p: traffic.apiKeyAuthentication.keys: must be a list of keys');
  });

  it("the rest of the block is validated by the data plane's schema", () => {
    expect(thrown(policy({ keys: ['k'], mode: 'Sometimes' })).message).toContain('modelgate:index:Policy p: traffic.apiKeyAuthentication.mode:');
    expect(thrown(policy({ keys: ['k'], location: {} })).message).toContain(
      'modelgate:index:Policy p: traffic.apiKeyAuthentication.location: exactly one of the fields in [header queryParameter cookie expression] must be set',
    );
  });

  it('an empty key inside an Output fails once known, without the key', async () => {
    let failure: unknown;
    const rejections = await collectingRejections(async () => {
      const gateway = new c.Gateway('gw', { platform });
      const p = new c.Policy('p', { gateway, targetRefs: target, traffic: { apiKeyAuthentication: { keys: pulumi.secret(['ok-key', ' ']) } } });
      const stored: pulumi.Output<unknown> = platform === 'aws' ? p.secretVersions![0]!.secretString : p.secrets![0]!.stringData;
      failure = await valueOf(stored).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect(String((failure as Error).message)).toContain('modelgate:index:Policy p: traffic.apiKeyAuthentication.keys[1]: must be a non-empty string');
    for (const r of rejections) expect(String((r as Error).message)).not.toContain('ok-key');
  });

  it('keys inside an Output `traffic` cannot be moved into a Secret', async () => {
    let failure: unknown;
    await collectingRejections(async () => {
      const gateway = new c.Gateway('gw', { platform });
      const p = new c.Policy('p', { gateway, targetRefs: target, traffic: pulumi.output({ apiKeyAuthentication: { keys: ['hidden-key'] } }) });
      failure = await valueOf(p.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toContain('modelgate:index:Policy p: traffic.apiKeyAuthentication.keys: a key inside an Output cannot be moved into a Secret');
    expect((failure as Error).message).not.toContain('hidden-key');
  });
});
