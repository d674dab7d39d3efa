/**
 * The pure half of the components (no Pulumi): spec -> objects (components/render.ts), and the
 * IAM documents (components/aws-policies.ts). The tutorial rendered from plain values is the
 * tutorial's YAML, and valid against the upstream CRDs.
 */
import { describe, expect, it } from 'vitest';
import { SECRET_ARN_ANNOTATION } from '../../functions/config/secrets-manager.js';
import { validateObject } from '../../functions/model/validate.js';
import { gatewayPolicy, lambdaTrustPolicy, secretsPolicy } from '../../components/aws-policies.js';
import { awsSecretItem, extractKeys, KEY_PLACEHOLDER, kubernetesSecret, leftoverKeys, manifest, secretName, secretString } from '../../components/render.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { tutorialKey, tutorialObjects } from './tutorial.js';

const meta = (name: string) => ({ name, namespace: 'agentgateway-system' });

describe('render', () => {
  it('the tutorial, from plain values, is the tutorial YAML; every object valid', () => {
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
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ name: 'anthropic', namespace: 'agentgateway-system', group: 'agentgateway.dev', kind: 'AgentgatewayBackend' }] }],
      }),
    ];
    expect(objects).toEqual(tutorialObjects());

    const crds = loadCrdValidators();
    for (const object of objects) {
      expect(validateObject(object)).toMatchObject({ ok: true, warnings: [] });
      if (object.kind !== 'Secret') expect(crds.validate(object).map(formatViolation)).toEqual([]);
    }
  });

  it('drops unset fields, and fills only the Gateway\'s defaults', () => {
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
      ai: { groups: [{ providers: [{ name: 'a', openai: {}, policies: { auth: { key: 'k2' } } }, { name: 'b', openai: {}, policies: { auth: { key: 'k1' } } }] }] },
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
      ai: { groups: [{ providers: [{ name: 'a', openai: {}, policies: { auth: { secretRef: { name: 'b-secret-2' } } } }, { name: 'b', openai: {}, policies: { auth: { secretRef: { name: 'b-secret' } } } }] }] },
    });
    expect(leftoverKeys('AgentgatewayBackend', out.spec)).toEqual([]);
    expect(leftoverKeys('AgentgatewayBackend', spec)).toEqual(['policies.auth.key', 'ai.groups[0].providers[0].policies.auth.key', 'ai.groups[0].providers[1].policies.auth.key']);
  });

  it('extractKeys: a Policy\'s backend.auth; a block with key and secretRef keeps a stand-in, never the key', () => {
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

  it('IAM documents: trust only Lambda; only the handler\'s actions, on the given ARNs', () => {
    expect(lambdaTrustPolicy().Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(gatewayPolicy('arn:table', 'arn:logs').Statement.map((s) => [s.Action, s.Resource])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], 'arn:table'],
      [['logs:CreateLogStream', 'logs:PutLogEvents'], ['arn:logs', 'arn:logs:*']],
    ]);
    expect(secretsPolicy(['arn:s1', 'arn:s2']).Statement.map((s) => [s.Action, s.Resource])).toEqual([[['secretsmanager:GetSecretValue'], ['arn:s1', 'arn:s2']]]);
  });
});
