/**
 * The pure half of the components (no Pulumi): spec -> objects (components/render.ts), and the
 * IAM documents (components/aws/policies.ts). The tutorial rendered from plain values is the
 * tutorial's YAML, and valid against the upstream CRDs.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SECRET_ARN_ANNOTATION } from '../../functions/config/secrets-manager.js';
import { compileConfig } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { bedrockPolicy, gatewayPolicy, lambdaTrustPolicy, secretsPolicy } from '../../components/aws/policies.js';
import { bedrockGrants, bedrockTargets, hasBedrockProvider, partitionOf, profileModel } from '../../components/aws/bedrock.js';
import {
  awsSecretItem,
  clientKeyEntries,
  extractClientKeys,
  extractKeys,
  KEY_PLACEHOLDER,
  kubernetesSecret,
  kubernetesSecretOf,
  leftoverKeys,
  manifest,
  secretName,
  secretString,
} from '../../components/render.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import { tutorialKey, tutorialObjects } from './tutorial.js';

const meta = (name: string) => ({ name, namespace: 'agentgateway-system' });

/** The tutorial rendered from plain values, checking the keys extracted on the way. */
function renderTutorial(): Array<Record<string, unknown>> {
  const key = tutorialKey();
  const provider = (name: string, model: string) => ({ name, anthropic: { model }, policies: { auth: { key } } });
  const backend = extractKeys<string, string>(
    'AgentgatewayBackend',
    { ai: { groups: [{ providers: [provider('anthropic-opus-46', 'claude-opus-4-6-FAKE')] }, { providers: [provider('anthropic-sonnet-46', 'claude-sonnet-4-6')] }] } },
    (i) => secretName('anthropic', i),
  );
  expect(backend.keys).toEqual([{ secretName: 'anthropic-secret', key, paths: ['ai.groups[0].providers[0].policies.auth.key', 'ai.groups[1].providers[0].policies.auth.key'] }]);

  const objects = [
    ...backend.keys.map((k) => kubernetesSecret(meta(k.secretName), k.key)),
    manifest('Gateway', meta('agentgateway-openshell'), {}),
    manifest('AgentgatewayBackend', meta('anthropic'), backend.spec),
    manifest('AgentgatewayPolicy', meta('failover-health'), {
      targetRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'anthropic' }],
      backend: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429', eviction: { duration: '10s', consecutiveFailures: 1 } } },
    }),
    manifest('HTTPRoute', meta('openshell-openai'), {
      parentRefs: [{ name: 'agentgateway-openshell', namespace: 'agentgateway-system' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          backendRefs: [{ name: 'anthropic', namespace: 'agentgateway-system', group: 'agentgateway.dev', kind: 'AgentgatewayBackend' }],
        },
      ],
    }),
  ];
  return objects;
}

describe('render', () => {
  it('the tutorial, from plain values, is the tutorial YAML; every object valid for modelgate', () => {
    const objects = renderTutorial();
    expect(objects).toEqual(tutorialObjects());
    for (const object of objects) expect(validateObject(object)).toMatchObject({ ok: true, warnings: [] });
  });

  it("drops unset fields, and fills only the Gateway's defaults", () => {
    expect(manifest('HTTPRoute', meta('r'), { hostnames: undefined, rules: [{ name: undefined, matches: [{ path: { type: 'Exact', value: '/x' } }] }] }).spec).toEqual({
      rules: [{ matches: [{ path: { type: 'Exact', value: '/x' } }] }],
    });
    const a = manifest('Gateway', meta('g'), { listeners: undefined });
    const b = manifest('Gateway', meta('g'), { gatewayClassName: 'custom' });
    expect(a.spec).toEqual({ gatewayClassName: 'agentgateway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] });
    expect((b.spec as { gatewayClassName: string }).gatewayClassName).toBe('custom');
    (a.spec as { listeners: Array<{ port: number }> }).listeners[0]!.port = 1;
    expect((manifest('Gateway', meta('g'), {}).spec as { listeners: Array<{ port: number }> }).listeners[0]!.port).toBe(8080);
  });

  it('extractKeys: one Secret per distinct key, the spec copied, not changed', () => {
    const spec = {
      policies: { auth: { key: 'k1' }, http: { requestTimeout: '30s' } },
      ai: {
        groups: [
          {
            providers: [
              { name: 'a', openai: {}, policies: { auth: { key: 'k2' } } },
              { name: 'b', openai: {}, policies: { auth: { key: 'k1' } } },
            ],
          },
        ],
      },
    };
    const before = structuredClone(spec);
    const out = extractKeys<string, string>('AgentgatewayBackend', spec, (i) => secretName('b', i));
    expect(spec).toEqual(before);
    expect(out.keys.map((k) => [k.secretName, k.key, k.paths])).toEqual([
      ['b-secret', 'k1', ['policies.auth.key', 'ai.groups[0].providers[1].policies.auth.key']],
      ['b-secret-2', 'k2', ['ai.groups[0].providers[0].policies.auth.key']],
    ]);
    expect(out.spec).toEqual({
      policies: { auth: { secretRef: { name: 'b-secret' } }, http: { requestTimeout: '30s' } },
      ai: {
        groups: [
          {
            providers: [
              { name: 'a', openai: {}, policies: { auth: { secretRef: { name: 'b-secret-2' } } } },
              { name: 'b', openai: {}, policies: { auth: { secretRef: { name: 'b-secret' } } } },
            ],
          },
        ],
      },
    });
    expect(leftoverKeys('AgentgatewayBackend', out.spec)).toEqual([]);
    expect(leftoverKeys('AgentgatewayBackend', spec)).toEqual(['policies.auth.key', 'ai.groups[0].providers[0].policies.auth.key', 'ai.groups[0].providers[1].policies.auth.key']);
  });

  it("extractKeys: a Policy's backend.auth; a block with key and secretRef keeps a stand-in, never the key", () => {
    const policy = extractKeys<string, string>('AgentgatewayPolicy', { backend: { auth: { key: 'k' } } }, (i) => secretName('p', i));
    expect(policy.spec).toEqual({ backend: { auth: { secretRef: { name: 'p-secret' } } } });
    const both = extractKeys<string, string>('AgentgatewayBackend', { policies: { auth: { key: 'k', secretRef: { name: 's' } } } }, (i) => secretName('b', i));
    expect(both.keys).toEqual([]);
    expect(both.spec).toEqual({ policies: { auth: { secretRef: { name: 's' }, key: KEY_PLACEHOLDER } } });
  });

  it('the AWS Secret item names its Secrets Manager secret and holds no key', () => {
    const item = awsSecretItem(meta('anthropic-secret'), 'arn:aws:secretsmanager:us-east-1:1:secret:x');
    expect(item).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'anthropic-secret', namespace: 'agentgateway-system', annotations: { [SECRET_ARN_ANNOTATION]: 'arn:aws:secretsmanager:us-east-1:1:secret:x' } },
      type: 'Opaque',
    });
    expect(validateObject(item)).toMatchObject({ ok: true });
    expect(JSON.parse(secretString('sk-1'))).toEqual({ Authorization: 'sk-1' });
  });

  it("IAM documents: trust only Lambda; only the handler's actions, on the given ARNs", () => {
    expect(lambdaTrustPolicy().Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(gatewayPolicy('arn:table', 'arn:logs').Statement.map((s) => [s.Action, s.Resource])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], 'arn:table'],
      [
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        ['arn:logs', 'arn:logs:*'],
      ],
    ]);
    expect(secretsPolicy(['arn:s1', 'arn:s2']).Statement.map((s) => [s.Action, s.Resource])).toEqual([
      [
        ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        ['arn:s1', 'arn:s2'],
      ],
    ]);
    expect(secretsPolicy(['arn:p'], ['arn:c']).Statement.map((s) => [s.Sid, s.Resource])).toEqual([
      ['ProviderKeys', ['arn:p']],
      ['ClientKeys', ['arn:c']],
    ]);
    expect(secretsPolicy([], ['arn:c']).Statement.map((s) => s.Sid)).toEqual(['ClientKeys']);
  });
});

describe('client keys', () => {
  const sha = (key: string) => createHash('sha256').update(key).digest('hex');

  it('entries hold only digests, of the key without surrounding whitespace, and the data plane reads them', () => {
    const entries = clientKeyEntries(['k-one', ' k-two\n']);
    expect(entries).toEqual({ 'key-1': `{"keyHash":"sha256:${sha('k-one')}"}`, 'key-2': `{"keyHash":"sha256:${sha('k-two')}"}` });
    const secret = kubernetesSecretOf({ name: 'p-client-keys', namespace: 'ai' }, entries);
    const policy = manifest(
      'AgentgatewayPolicy',
      { name: 'p', namespace: 'ai' },
      {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
        traffic: { apiKeyAuthentication: { secretRef: { name: 'p-client-keys' } } },
      },
    );
    const gateway = manifest('Gateway', { name: 'gw', namespace: 'ai' }, {});
    const route = manifest('HTTPRoute', { name: 'r', namespace: 'ai' }, { parentRefs: [{ name: 'gw' }], rules: [{}] });
    const objects = [secret, policy, gateway, route].map((o) => (validateObject(o) as { object: ManifestObject }).object);
    expect(compileConfig(objects).rules[0]!.clientAuth!.keyDigests.map((d) => d.toString('hex'))).toEqual([sha('k-one'), sha('k-two')]);
  });

  it('extractClientKeys: secretRef in place of keys, in a copy; problems for both, neither, none', () => {
    const spec = { targetRefs: [], traffic: { retry: { attempts: 2 }, apiKeyAuthentication: { mode: 'Optional', keys: ['a', 'b'] } } };
    const before = structuredClone(spec);
    const out = extractClientKeys<string[], string>('AgentgatewayPolicy', spec, 'p-client-keys');
    expect(spec).toEqual(before);
    expect(out).toEqual({
      spec: { targetRefs: [], traffic: { retry: { attempts: 2 }, apiKeyAuthentication: { mode: 'Optional', secretRef: { name: 'p-client-keys' } } } },
      keys: ['a', 'b'],
      problems: [],
    });
    expect(leftoverKeys('AgentgatewayPolicy', out.spec)).toEqual([]);
    expect(leftoverKeys('AgentgatewayPolicy', spec)).toEqual(['traffic.apiKeyAuthentication.keys']);

    const both = extractClientKeys('AgentgatewayPolicy', { traffic: { apiKeyAuthentication: { keys: ['a'], secretRef: { name: 's' } } } }, 'n');
    expect(both.problems).toEqual([{ path: 'traffic.apiKeyAuthentication', message: 'exactly one of the fields in [keys secretRef] must be set' }]);
    expect(JSON.stringify(both.spec)).not.toContain('"a"');
    expect(extractClientKeys('AgentgatewayPolicy', { traffic: { apiKeyAuthentication: {} } }, 'n').problems).toHaveLength(1);
    expect(extractClientKeys('AgentgatewayPolicy', { traffic: { apiKeyAuthentication: { keys: [] } } }, 'n').problems).toEqual([
      { path: 'traffic.apiKeyAuthentication.keys', message: 'should have at least 1 items' },
    ]);
    // Not a Policy, or no block: nothing to do.
    expect(extractClientKeys('AgentgatewayBackend', { traffic: { apiKeyAuthentication: { keys: ['a'] } } }, 'n').keys).toBeUndefined();
    const ref = extractClientKeys('AgentgatewayPolicy', { traffic: { apiKeyAuthentication: { secretRef: { name: 's' } } } }, 'n');
    expect([ref.keys, ref.problems, ref.spec]).toEqual([undefined, [], { traffic: { apiKeyAuthentication: { secretRef: { name: 's' } } } }]);
  });
});

describe('bedrock grants', () => {
  const backend = (provider: Record<string, unknown>) =>
    (validateObject(manifest('AgentgatewayBackend', { name: 'b', namespace: 'ai' }, { ai: { provider } })) as { object: ManifestObject }).object;

  it('inference profile ids by their geography prefix; the underlying model id', () => {
    expect(['us.anthropic.x', 'us-gov.anthropic.x', 'eu.amazon.y', 'apac.a.b', 'jp.a.b', 'au.a.b', 'global.a.b'].map(profileModel)).toEqual([
      'anthropic.x',
      'anthropic.x',
      'amazon.y',
      'a.b',
      'a.b',
      'a.b',
      'a.b',
    ]);
    expect(['anthropic.claude-sonnet-4-6', 'amazon.nova-pro-v1:0', 'meta.llama3-1-8b-instruct-v1:0', 'us.', 'plain'].map(profileModel)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('partitions from the Region; application inference profiles and provisioned models by ARN', () => {
    expect(['us-east-1', 'us-gov-west-1', 'cn-north-1', 'eu-west-1'].map(partitionOf)).toEqual(['aws', 'aws-us-gov', 'aws-cn', 'aws']);
    const gov = bedrockGrants([{ path: 'p', model: 'us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0', region: 'us-gov-west-1' }], '111122223333');
    expect(gov).toEqual({
      models: ['arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:inference-profile/us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0'],
      viaProfiles: [
        {
          profileArn: 'arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:inference-profile/us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0',
          models: ['arn:aws-us-gov:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0'],
        },
      ],
      guardrails: [],
    });
    const app = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6';
    expect(bedrockGrants([{ path: 'p', model: app, region: 'us-east-1' }], undefined)).toEqual({
      models: [app],
      viaProfiles: [{ profileArn: app, models: ['arn:aws:bedrock:*::foundation-model/*'] }],
      guardrails: [],
    });
    // The same model twice is one resource.
    const twice = bedrockGrants(
      [
        { path: 'a', model: 'anthropic.claude-haiku-4-5', region: 'us-east-1' },
        { path: 'b', model: 'anthropic.claude-haiku-4-5', region: 'us-east-1', guardrail: 'arn:aws:bedrock:us-east-1:111122223333:guardrail/g1' },
      ],
      undefined,
    );
    expect(bedrockPolicy(twice).Statement).toEqual([
      {
        Sid: 'BedrockModels',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5'],
      },
      { Sid: 'BedrockGuardrails', Effect: 'Allow', Action: ['bedrock:ApplyGuardrail'], Resource: ['arn:aws:bedrock:us-east-1:111122223333:guardrail/g1'] },
    ]);
  });

  it('targets from the validated object; the region defaults to us-east-1', () => {
    expect(bedrockTargets(backend({ bedrock: { model: 'anthropic.claude-sonnet-4-6' } }))).toEqual({
      targets: [{ path: 'ai.provider.bedrock', model: 'anthropic.claude-sonnet-4-6', region: 'us-east-1' }],
      problems: [],
    });
    expect(bedrockTargets(backend({ openai: {} }))).toEqual({ targets: [], problems: [] });
    expect(bedrockTargets(backend({ bedrock: {} })).problems.map((p) => p.path)).toEqual(['ai.provider.bedrock.model']);
  });

  it('whether args have a bedrock provider: yes, no, or hidden in an Output', async () => {
    const pulumi = await import('@pulumi/pulumi');
    expect(hasBedrockProvider({ ai: { provider: { bedrock: { model: pulumi.output('m') } } } })).toBe(true);
    expect(
      hasBedrockProvider({
        ai: {
          groups: [
            {
              providers: [
                { name: 'a', openai: {} },
                { name: 'b', bedrock: pulumi.output({}) },
              ],
            },
          ],
        },
      }),
    ).toBe(true);
    expect(hasBedrockProvider({ ai: { groups: [{ providers: [{ name: 'a', openai: {} }] }] } })).toBe(false);
    expect(hasBedrockProvider({})).toBe(false);
    expect(hasBedrockProvider({ ai: pulumi.output({}) })).toBeUndefined();
    expect(hasBedrockProvider({ ai: { groups: [{ providers: [{ name: 'a', openai: {} }, pulumi.output({ name: 'b' })] }] } })).toBeUndefined();
    // Known bedrock wins over an unknown sibling.
    expect(hasBedrockProvider({ ai: { groups: [pulumi.output({ providers: [] }), { providers: [{ name: 'b', bedrock: {} }] }] } })).toBe(true);
  });
});

describeWithShared('render: against the upstream CRDs', CRDS, () => {
  it('the tutorial, from plain values: every custom resource valid', () => {
    const crds = loadCrdValidators();
    for (const object of renderTutorial()) {
      if (object.kind !== 'Secret') expect(crds.validate(object).map(formatViolation), String(object.kind)).toEqual([]);
    }
  });
});
