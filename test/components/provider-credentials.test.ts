/**
 * Provider credentials in the components (issue 19) under Pulumi mocks: a Google service-account
 * key (`auth.gcp.credentials`), an Entra ID client secret (`auth.azure.clientSecret`) and AWS keys
 * (`auth.aws.accessKey` / `secretKey` / `sessionToken`) become Secrets the component makes, at the
 * entries the data plane reads, with `secretRef` in the object; on AWS in Secrets Manager, readable
 * by exactly the role. The rendered objects, loaded and compiled by the data plane with those
 * Secrets, give each provider its credential. The secret values are never in an object, an output
 * or the Lambda's environment. And `auth.aws.assumeRole`: the role may assume exactly that role.
 */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { compileConfig, type SecretSource } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE, SECRET_ARN_ANNOTATION } from '../../functions/state/table-layout.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { ACCOUNT, collectingRejections, isSecretInput, one, ofType, plain, REGION, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';
import { CRDS, describeWithShared } from '../support/shared.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const SA_JSON = JSON.stringify({
  type: 'service_account',
  project_id: 'proj-1',
  client_email: 'gateway@proj-1.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nSA-PRIVATE-KEY-MATERIAL\n-----END PRIVATE KEY-----\n',
});
const AZURE_SECRET = 'azure-client-secret-value-0123';
const AWS_SECRET_KEY = 'aws-secret-access-key-value-0123';
const AWS_SESSION_TOKEN = 'aws-session-token-value-0123';
const SECRET_VALUES = ['SA-PRIVATE-KEY-MATERIAL', AZURE_SECRET, AWS_SECRET_KEY, AWS_SESSION_TOKEN];
const ROLE_ARN = 'arn:aws:iam::210987654321:role/bedrock-caller';

/** Every recorded input except the Secrets' own entries, as JSON (secrets unwrapped): where no credential may be. */
function everythingButSecretEntries(): string {
  return JSON.stringify(
    recorded
      .filter((r) => r.type !== 'kubernetes:core/v1:Secret' && r.type !== 'aws:secretsmanager/secretVersion:SecretVersion')
      .map((r) => JSON.parse(JSON.stringify(r.inputs, (_k, v: unknown) => (isSecretInput(v) ? plain(v) : v)))),
  );
}

function expectNoSecretValues(text: string) {
  for (const value of SECRET_VALUES) expect(text).not.toContain(value);
}

/** Compiles the objects with the data plane, reading Secrets from `entries` by name. */
function compileWith(objects: readonly unknown[], entries: Record<string, Record<string, string>>) {
  const parsed = objects.map((o) => {
    const result = validateObject(o);
    expect(result).toMatchObject({ ok: true, warnings: [] });
    return (result as { object: ManifestObject }).object;
  });
  const secrets: SecretSource = { get: (_ns, name, key) => entries[name]?.[key] };
  return compileConfig(parsed, secrets);
}

function credentialBackend(gateway: InstanceType<Components['Gateway']>) {
  return new c.Backend('cloud', {
    gateway,
    ai: {
      groups: [
        {
          providers: [
            {
              name: 'gemini',
              vertexai: { projectId: 'proj-1', region: 'us-central1', model: 'gemini-2.5-pro' },
              policies: { auth: { gcp: { credentials: pulumi.secret(SA_JSON) } } },
            },
            {
              name: 'gpt',
              azureopenai: { endpoint: 'my-resource.openai.azure.com', deploymentName: 'gpt-4o' },
              policies: { auth: { azure: { clientSecret: { tenantID: 'tenant-1', clientID: 'client-1', clientSecret: pulumi.secret(AZURE_SECRET) } } } },
            },
            {
              name: 'claude',
              bedrock: { model: 'anthropic.claude-sonnet-4-6' },
              policies: {
                auth: { aws: { accessKey: pulumi.secret('AKIAEXAMPLE0123'), secretKey: pulumi.secret(AWS_SECRET_KEY), sessionToken: pulumi.secret(AWS_SESSION_TOKEN) } },
              },
            },
          ],
        },
      ],
    },
  });
}

const EXPECTED_ENTRIES = {
  'cloud-gcp-credentials': { 'credentials.json': SA_JSON },
  'cloud-azure-credentials': { tenantID: 'tenant-1', clientID: 'client-1', clientSecret: AZURE_SECRET },
  'cloud-aws-credentials': { accessKey: 'AKIAEXAMPLE0123', secretKey: AWS_SECRET_KEY, sessionToken: AWS_SESSION_TOKEN },
};

/** What each provider's compiled credential is, without its secret parts. */
function credentialsOf(config: ReturnType<typeof compileConfig>) {
  return config.backends[0]!.providers.map((p) => {
    const cred = p.target.credential as Record<string, unknown> | undefined;
    if (cred?.kind === 'gcp') return ['gcp', (cred.key as { reveal(): string }).reveal()];
    if (cred?.kind === 'azure') {
      const source = cred.source as { type: string; tenantId: string; clientId: string; clientSecret: { reveal(): string } };
      return ['azure', source.type, source.tenantId, source.clientId, source.clientSecret.reveal()];
    }
    if (cred?.kind === 'aws') {
      const keys = cred.keys as { accessKeyId: string; secretAccessKey: { reveal(): string }; sessionToken: { reveal(): string } };
      return ['aws', keys.accessKeyId, keys.secretAccessKey.reveal(), keys.sessionToken.reveal()];
    }
    return [cred?.kind];
  });
}

const EXPECTED_CREDENTIALS = [
  ['gcp', SA_JSON],
  ['azure', 'clientSecret', 'tenant-1', 'client-1', AZURE_SECRET],
  ['aws', 'AKIAEXAMPLE0123', AWS_SECRET_KEY, AWS_SESSION_TOKEN],
];

describe('provider credentials on kubernetes: Secrets the component makes', () => {
  it('gcp, azure and aws credentials become Secrets at the entries the data plane reads; the object has secretRefs; compiled, each provider has its credential', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = credentialBackend(gateway);
    await settle(gateway.urn, backend.urn);

    expect(await valueOf(backend.secretNames)).toEqual(['cloud-gcp-credentials', 'cloud-azure-credentials', 'cloud-aws-credentials']);
    for (const [name, entries] of Object.entries(EXPECTED_ENTRIES)) {
      const secret = one(recorded, 'kubernetes:core/v1:Secret', name);
      expect(isSecretInput(secret.inputs.stringData), name).toBe(true);
      expect(plain(secret.inputs.stringData)).toEqual(entries);
      expect(secret.inputs.metadata).toEqual({ name, namespace: 'ai' });
    }
    const resource = one(recorded, 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'cloud');
    const providers = (resource.inputs.spec as { ai: { groups: Array<{ providers: Array<{ policies: unknown }> }> } }).ai.groups[0]!.providers;
    expect(providers.map((p) => p.policies)).toEqual([
      { auth: { gcp: { secretRef: { name: 'cloud-gcp-credentials' } } } },
      { auth: { azure: { secretRef: { name: 'cloud-azure-credentials' } } } },
      { auth: { aws: { secretRef: { name: 'cloud-aws-credentials' } } } },
    ]);
    expectNoSecretValues(everythingButSecretEntries());
    expectNoSecretValues(JSON.stringify(await valueOf(backend.manifest)));

    const config = compileWith([await valueOf(backend.manifest)], EXPECTED_ENTRIES);
    expect(credentialsOf(config)).toEqual(EXPECTED_CREDENTIALS);
  });

  it('a Policy: backend.auth.gcp.credentials (as an IdToken with an audience) becomes <policy>-gcp-credentials', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = new c.Backend('run', { gateway, ai: { provider: { vertexai: { projectId: 'proj-1', model: 'gemini-2.5-pro' } } } });
    const policy = new c.Policy('run-auth', {
      gateway,
      targetRefs: [backend],
      backend: { auth: { gcp: { type: 'IdToken', audience: 'https://run.example.com', credentials: pulumi.secret(SA_JSON) } } },
    });
    await settle(gateway.urn, backend.urn, policy.urn);
    expect(await valueOf(policy.secretNames)).toEqual(['run-auth-gcp-credentials']);
    expect(plain(one(recorded, 'kubernetes:core/v1:Secret', 'run-auth-gcp-credentials').inputs.stringData)).toEqual({ 'credentials.json': SA_JSON });
    expect((await valueOf(policy.manifest)).spec).toMatchObject({
      backend: { auth: { gcp: { type: 'IdToken', audience: 'https://run.example.com', secretRef: { name: 'run-auth-gcp-credentials' } } } },
    });
    expectNoSecretValues(everythingButSecretEntries());
  });

  it('a Model: policies.auth.gcp.credentials becomes <model>-gcp-credentials', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const model = new c.Model('gemini', {
      gateway,
      provider: 'VertexAI',
      vertexai: { projectId: 'proj-1', region: 'us-central1' },
      match: { model: 'gemini-2.5-pro' },
      policies: { auth: { gcp: { credentials: pulumi.secret(SA_JSON) } } },
    });
    await settle(gateway.urn, model.urn);
    expect(await valueOf(model.secretNames)).toEqual(['gemini-gcp-credentials']);
    expect(plain(one(recorded, 'kubernetes:core/v1:Secret', 'gemini-gcp-credentials').inputs.stringData)).toEqual({ 'credentials.json': SA_JSON });
    expect((await valueOf(model.manifest)).spec).toMatchObject({ policies: { auth: { gcp: { secretRef: { name: 'gemini-gcp-credentials' } } } } });
    expectNoSecretValues(everythingButSecretEntries());
  });

  it('the same credential in two providers: one Secret', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const key = pulumi.secret(SA_JSON);
    const backend = new c.Backend('two', {
      gateway,
      ai: {
        groups: [
          { providers: [{ name: 'a', vertexai: { projectId: 'p', model: 'gemini-2.5-pro' }, policies: { auth: { gcp: { credentials: key } } } }] },
          { providers: [{ name: 'b', vertexai: { projectId: 'p', model: 'gemini-2.5-flash' }, policies: { auth: { gcp: { credentials: key } } } }] },
        ],
      },
    });
    await settle(gateway.urn, backend.urn);
    expect(await valueOf(backend.secretNames)).toEqual(['two-gcp-credentials']);
  });

  it('gcp.secretRef to a Secret the cluster holds is taken on trust (its entry stands in as Google credential JSON)', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = new c.Backend('managed', {
      gateway,
      ai: { provider: { vertexai: { projectId: 'p', model: 'gemini-2.5-pro' } } },
      policies: { auth: { gcp: { secretRef: { name: 'my-sa', key: 'sa.json' } } } },
    });
    await settle(gateway.urn, backend.urn);
    expect((await valueOf(backend.manifest)).spec).toMatchObject({ policies: { auth: { gcp: { secretRef: { name: 'my-sa', key: 'sa.json' } } } } });
    expect(await valueOf(backend.secretNames)).toEqual([]);
  });

  it('refused at construction, by field, never with the value', () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const vertex = { projectId: 'p', model: 'gemini-2.5-pro' };
    const refused = (name: string, policies: object) => {
      let error: unknown;
      try {
        new c.Backend(name, { gateway, ai: { provider: { vertexai: vertex } }, policies: policies as never });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expectNoSecretValues(message);
      return message;
    };
    expect(refused('not-json', { auth: { gcp: { credentials: 'SA-PRIVATE-KEY-MATERIAL' } } })).toBe(
      'modelgate:index:Backend not-json: policies.auth.gcp.credentials: is not Google credential JSON (an object with a "type", e.g. a service-account key)',
    );
    expect(refused('both', { auth: { gcp: { credentials: SA_JSON, secretRef: { name: 'x' } } } })).toBe(
      'modelgate:index:Backend both: policies.auth.gcp: at most one of the fields in [credentials secretRef] may be set',
    );
    expect(refused('azure-both', { auth: { azure: { clientSecret: { tenantID: 't', clientID: 'c', clientSecret: AZURE_SECRET }, workloadIdentity: {} } } })).toBe(
      'modelgate:index:Backend azure-both: policies.auth.azure: at most one of the fields in [clientSecret workloadIdentity] may be set',
    );
    expect(refused('azure-empty', { auth: { azure: { clientSecret: { tenantID: '', clientID: 'c', clientSecret: AZURE_SECRET } } } })).toBe(
      'modelgate:index:Backend azure-empty: policies.auth.azure.clientSecret.tenantID: must be a non-empty string',
    );
    expect(refused('half', { auth: { aws: { accessKey: 'AKIA' } } })).toBe('modelgate:index:Backend half: policies.auth.aws.secretKey: required with accessKey');
    expect(refused('keys-and-role', { auth: { aws: { accessKey: 'AKIA', secretKey: AWS_SECRET_KEY, assumeRole: { roleArn: ROLE_ARN } } } })).toMatch(
      /policies\.auth\.aws: static keys and assumeRole are mutually exclusive/,
    );
    expect(ofType(recorded, 'kubernetes:core/v1:Secret')).toEqual([]);
  });

  it('a credential inside an Output is refused once known (it could not be moved into a Secret)', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    let failure: unknown;
    await collectingRejections(async () => {
      const backend = new c.Backend('hidden', {
        gateway,
        ai: { provider: { vertexai: { projectId: 'p', model: 'gemini-2.5-pro' } } },
        policies: { auth: pulumi.output({ gcp: { credentials: SA_JSON } }) as never },
      });
      failure = await valueOf(backend.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toMatch(/modelgate:index:Backend hidden: policies\.auth\.gcp\.credentials: a key inside an Output cannot be moved into a Secret/);
    expectNoSecretValues((failure as Error).message);
  });
});

describeWithShared('provider credentials on kubernetes: against the upstream CRD', CRDS, () => {
  it('the Backend with gcp, azure and aws secretRefs is valid for agentgateway', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = credentialBackend(gateway);
    await settle(gateway.urn, backend.urn);
    const resource = one(recorded, 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'cloud');
    expect(
      loadCrdValidators()
        .validate({ apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayBackend', ...resource.inputs })
        .map(formatViolation),
    ).toEqual([]);
  });
});

describe('provider credentials on aws: Secrets Manager, read by exactly the role', () => {
  it('each credential in its own secret; the role reads exactly those; config items name their ARNs; compiled, each provider has its credential; nothing in the Lambda environment', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = credentialBackend(gateway);
    await settle(gateway.urn, backend.urn, gateway.url);

    const arnOf = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-1a2b3c4-AbCdEf`;
    const versions = ofType(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    expect(versions.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED_ENTRIES).sort());
    const entries: Record<string, Record<string, string>> = {};
    for (const v of versions) {
      expect(isSecretInput(v.inputs.secretString), v.name).toBe(true);
      entries[v.name] = JSON.parse(plain<string>(v.inputs.secretString)) as Record<string, string>;
      expect(v.inputs.secretId).toBe(arnOf(v.name));
    }
    expect(entries).toEqual(EXPECTED_ENTRIES);

    const readPolicy = one(recorded, 'aws:iam/rolePolicy:RolePolicy', 'cloud-secrets');
    expect(JSON.parse(plain<string>(readPolicy.inputs.policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ProviderCredentials',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: Object.keys(EXPECTED_ENTRIES).map(arnOf),
        },
      ],
    });

    // The config items, as the function reads them: the Secrets name their Secrets Manager secrets; the backend refers to the Secrets.
    const items = ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map(
      (r) => JSON.parse((JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>)[CONFIG_ATTRIBUTE]!.S) as ManifestObject,
    );
    const secretItems = items.filter((o) => o.kind === 'Secret');
    expect(secretItems.map((o) => [o.metadata.name, (o.metadata as { annotations: Record<string, string> }).annotations[SECRET_ARN_ANNOTATION]]).sort()).toEqual(
      Object.keys(EXPECTED_ENTRIES)
        .sort()
        .map((n) => [n, arnOf(n)]),
    );
    const backendItem = items.find((o) => o.kind === 'AgentgatewayBackend')!;
    const byName = Object.fromEntries(Object.keys(EXPECTED_ENTRIES).map((n) => [n, entries[n]!]));
    expect(credentialsOf(compileWith([backendItem], byName))).toEqual(EXPECTED_CREDENTIALS);

    const fn = one(recorded, 'aws:lambda/function:Function');
    expectNoSecretValues(JSON.stringify(fn.inputs.environment ?? {}));
    expectNoSecretValues(everythingButSecretEntries());
  });

  it('no inline credential: no ProviderCredentials grant', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('plain', { gateway, ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } } });
    await settle(gateway.urn, backend.urn);
    expect(ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').filter((r) => r.name === 'plain-secrets')).toEqual([]);
    expect(ofType(recorded, 'aws:secretsmanager/secret:Secret')).toEqual([]);
  });
});

describe('auth.aws.assumeRole on aws: the role may assume exactly the configured role', () => {
  const roleStatements = (name: string) => JSON.parse(plain<string>(one(recorded, 'aws:iam/rolePolicy:RolePolicy', name).inputs.policy)) as unknown;

  it('a Backend with a bedrock provider whose policies.auth.aws.assumeRole has roleArn and tags: sts:AssumeRole and sts:TagSession on exactly that ARN', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('cross', {
      gateway,
      ai: {
        groups: [
          {
            providers: [
              {
                name: 'claude',
                bedrock: { model: 'anthropic.claude-sonnet-4-6' },
                policies: { auth: { aws: { assumeRole: { roleArn: ROLE_ARN, sessionName: 'modelgate', tags: [{ key: 'team', value: 'ml' }] } } } },
              },
            ],
          },
        ],
      },
    });
    await settle(gateway.urn, backend.urn);
    const policy = one(recorded, 'aws:iam/rolePolicy:RolePolicy', 'cross-assume-role');
    expect(policy.inputs.role).toBe('gw-1a2b3c4');
    expect(roleStatements('cross-assume-role')).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AssumeRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [ROLE_ARN] },
        { Sid: 'TagSessions', Effect: 'Allow', Action: ['sts:TagSession'], Resource: [ROLE_ARN] },
      ],
    });
    // The object is written only once the grant exists.
    const item = one(recorded, 'aws:dynamodb/tableItem:TableItem', 'cross');
    expect(item).toBeDefined();
  });

  it('without tags: sts:AssumeRole only', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('untagged', {
      gateway,
      ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } },
      policies: { auth: { aws: { assumeRole: { roleArn: ROLE_ARN } } } },
    });
    await settle(gateway.urn, backend.urn);
    expect(roleStatements('untagged-assume-role')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'AssumeRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [ROLE_ARN] }],
    });
  });

  it('a Policy with backend.auth.aws.assumeRole: <policy>-assume-role', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('claude', { gateway, ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } } });
    const policy = new c.Policy('cross-account', {
      gateway,
      targetRefs: [backend],
      backend: { auth: { aws: { assumeRole: { roleArn: ROLE_ARN, tags: [{ key: 'team', value: 'ml' }] } } } },
    });
    await settle(gateway.urn, backend.urn, policy.urn);
    expect(roleStatements('cross-account-assume-role')).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AssumeRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [ROLE_ARN] },
        { Sid: 'TagSessions', Effect: 'Allow', Action: ['sts:TagSession'], Resource: [ROLE_ARN] },
      ],
    });
    expect(ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').filter((r) => r.name === 'claude-assume-role')).toEqual([]);
  });

  it('no assumeRole: no such policy, and no sts action anywhere', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('direct', {
      gateway,
      ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } },
      policies: { auth: { aws: { region: 'us-west-2' } } },
    });
    await settle(gateway.urn, backend.urn);
    expect(ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').filter((r) => r.name.endsWith('-assume-role'))).toEqual([]);
    expect(JSON.stringify(ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').map((r) => plain(r.inputs.policy)))).not.toContain('sts:');
  });

  it('a roleArn given as an Output is refused at construction, naming the field (Backend and Policy)', () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const roleArn = pulumi.output(ROLE_ARN);
    expect(
      () =>
        new c.Backend('later', {
          gateway,
          ai: { groups: [{ providers: [{ name: 'claude', bedrock: { model: 'anthropic.claude-sonnet-4-6' }, policies: { auth: { aws: { assumeRole: { roleArn } } } } }] }] },
        }),
    ).toThrow(/^modelgate:index:Backend later: ai\.groups\[0\]\.providers\[0\]\.policies\.auth\.aws\.assumeRole\.roleArn: an Output: on AWS the role's sts:AssumeRole grant/);
    const backend = new c.Backend('claude', { gateway, ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } } });
    expect(() => new c.Policy('later-policy', { gateway, targetRefs: [backend], backend: { auth: { aws: { assumeRole: pulumi.output({ roleArn: ROLE_ARN }) } } } })).toThrow(
      /^modelgate:index:Policy later-policy: backend\.auth\.aws\.assumeRole\.roleArn: an Output/,
    );
    expect(ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').filter((r) => r.name.endsWith('-assume-role'))).toEqual([]);
  });

  it('on kubernetes a roleArn may be an Output (no grant to decide)', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = new c.Backend('k8s', {
      gateway,
      ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } },
      policies: { auth: { aws: { assumeRole: { roleArn: pulumi.output(ROLE_ARN) } } } },
    });
    await settle(gateway.urn, backend.urn);
    expect((await valueOf(backend.manifest)).spec).toMatchObject({ policies: { auth: { aws: { assumeRole: { roleArn: ROLE_ARN } } } } });
  });
});
