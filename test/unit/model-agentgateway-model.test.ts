/**
 * AgentgatewayModel: the CRD's CEL rules as modelgate's schema mirrors them (cross-checked with
 * the test-side CRD validator on the real CRD), and compilation of agentgateway's own model
 * fixtures: concrete models to providers, a failover model to priority groups, weighted to a
 * split, conditional to CEL-guarded routes; and the problems a config with models can have.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileConfig, ConfigError, routeWarnings } from '../../functions/model/compile.js';
import type { CompiledConfig } from '../../functions/model/config.js';
import type { CompiledModel } from '../../functions/model/model-config.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { matchingModel } from '../../functions/engine/model-route.js';
import { loadCrdValidators, type CrdValidatorSet } from '../support/crd-validator.js';
import { CRD_FIXTURES, CRDS, describeWithShared } from '../support/shared.js';

type Obj = Record<string, unknown>;
const AGW = 'agentgateway.dev/v1alpha1';
const parentRefs = [{ name: 'ai-gateway', sectionName: 'llm' }];
const modelObj = (name: string, spec: Obj): Obj => ({ apiVersion: AGW, kind: 'AgentgatewayModel', metadata: { name }, spec: { parentRefs, ...spec } });
const GATEWAY: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'ai-gateway' },
  spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'llm', port: 8080, protocol: 'HTTP' }] },
};

function validated(objects: readonly Obj[]): ManifestObject[] {
  return objects.map((o) => {
    const v = validateObject(o);
    if (!v.ok) throw new Error(`${String((o.metadata as Obj).name)}: ${v.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    return v.object;
  });
}

function compileProblems(objects: readonly Obj[]): string[] {
  try {
    compileConfig(validated(objects));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

/** Spec variants each CRD rule refuses, with the rule's message. */
const RULE_CASES: Array<[what: string, spec: Obj, message: string]> = [
  ['baseURL without provider', { virtualModel: { weighted: { targets: [{ modelRef: { name: 'a' } }] } }, baseURL: 'https://x.example' }, 'baseURL requires provider'],
  [
    'policies on a virtual model',
    { virtualModel: { weighted: { targets: [{ modelRef: { name: 'a' } }] } }, policies: { auth: { key: 'k' } } },
    'policies cannot be used with virtualModel',
  ],
  ['an Internal virtual model', { virtualModel: { weighted: { targets: [{ modelRef: { name: 'a' } }] } }, visibility: 'Internal' }, 'virtual models must be public'],
  [
    'a wildcard virtual model',
    { virtualModel: { weighted: { targets: [{ modelRef: { name: 'a' } }] } }, match: { model: 'x-*' } },
    'virtual model match.model must be an exact name',
  ],
  ['Ollama without baseURL', { provider: 'Ollama' }, 'ollama requires baseURL'],
  ['a loopback baseURL', { provider: 'OpenAI', baseURL: 'http://127.0.0.1:8080' }, 'baseURL cannot target localhost, loopback, or link-local addresses'],
  ['a localhost baseURL', { provider: 'OpenAI', baseURL: 'http://LOCALHOST/v1' }, 'baseURL cannot target localhost, loopback, or link-local addresses'],
  ['an ftp baseURL', { provider: 'OpenAI', baseURL: 'ftp://files.example' }, 'baseURL must be an absolute http or https URL with a host'],
  ['bedrock settings on another provider', { provider: 'OpenAI', bedrock: {} }, 'bedrock must be set if and only if provider is Bedrock'],
  ['Bedrock without its settings', { provider: 'Bedrock' }, 'bedrock must be set if and only if provider is Bedrock'],
  [
    'both provider and virtualModel',
    { provider: 'OpenAI', virtualModel: { weighted: { targets: [{ modelRef: { name: 'a' } }] } } },
    'exactly one of the fields in [provider virtualModel] must be set',
  ],
  ['neither', {}, 'exactly one of the fields in [provider virtualModel] must be set'],
  [
    'two virtual kinds',
    { virtualModel: { weighted: { targets: [{ modelRef: { name: 'a' } }] }, failover: { targets: [{ modelRef: { name: 'a' }, priority: 0 }] } } },
    'exactly one of the fields in [weighted failover conditional] must be set',
  ],
  ['a wildcard in the middle', { provider: 'OpenAI', match: { model: 'gpt-*-mini' } }, "model wildcards must be '*', a suffix like 'gpt-*', or a prefix like '*-latest'"],
  ['two wildcards', { provider: 'OpenAI', match: { model: '*gpt*' } }, "model wildcards must be '*', a suffix like 'gpt-*', or a prefix like '*-latest'"],
  [
    'a conditional fallback that is not last',
    { virtualModel: { conditional: { targets: [{ modelRef: { name: 'a' } }, { modelRef: { name: 'b' }, when: 'true' }] } } },
    'conditional targets without when must be last',
  ],
  [
    'empty policies',
    { provider: 'OpenAI', policies: {} },
    'at least one of the fields in [auth authorization finalTransformations headers health promptGuard tls transformations tunnel] must be set',
  ],
];

let crds: CrdValidatorSet;

describeWithShared('AgentgatewayModel: the CRD rules, as the API server applies them', CRDS, () => {
  beforeAll(() => {
    crds = loadCrdValidators();
  });

  it.each(RULE_CASES)('%s is refused by modelgate and by the CRD, with the same message', (_what, spec, message) => {
    const object = modelObj('m', spec);
    const v = validateObject(object);
    expect(v.ok).toBe(false);
    const texts = v.ok ? [] : v.issues.map((i) => i.message);
    expect(texts).toContain(message);
    // The API server prefixes a rule's message with the value it judged (`Invalid value: "object": `).
    expect(crds.validate(object).some((x) => x.message.endsWith(message))).toBe(true);
  });

  it.each([
    ['a suffix wildcard', { provider: 'OpenAI', match: { model: 'gpt-*' } }],
    ['a prefix wildcard', { provider: 'Anthropic', match: { model: '*-latest' } }],
    ['a baseURL with a path', { provider: 'Groq', baseURL: 'https://api.groq.com/openai/v1' }],
    ['0.0.0.0, which the rules let through', { provider: 'OpenAI', baseURL: 'http://0.0.0.0:9000' }],
  ])('%s is accepted by both', (_what, spec) => {
    const object = modelObj('m', spec);
    expect(validateObject(object).ok).toBe(true);
    expect(crds.validate(object)).toEqual([]);
  });

  it('an OpenAI-compatible provider without baseURL is refused as unsupported, named (modelgate does not know its endpoint)', () => {
    const v = validateObject(modelObj('m', { provider: 'Groq' }));
    expect(v).toMatchObject({
      ok: false,
      issues: [{ path: 'spec.provider', unsupported: true, message: expect.stringContaining('provider Groq without baseURL is not supported by modelgate yet') }],
    });
  });
});

function fixtureObjects(): Obj[] {
  return parseAllDocuments(readFileSync(new URL('agentgateway_model_valid.yaml', CRD_FIXTURES.dir), 'utf8'))
    .map((d) => d.toJS() as Obj)
    .filter((o) => validateObject(o).ok);
}

const modelNamed = (config: CompiledConfig, name: string): CompiledModel => config.models!.find((m) => m.name === name)!;

describeWithShared("AgentgatewayModel: compiling agentgateway's model fixtures", CRD_FIXTURES, () => {
  let config: CompiledConfig;
  beforeAll(() => {
    config = compileConfig(validated([GATEWAY, ...fixtureObjects()]));
  });

  it('compiles the 7 accepted fixtures', () => {
    expect(config.models!.map((m) => [m.name, m.kind, m.match, m.visibility])).toEqual([
      ['bedrock', 'concrete', 'bedrock', 'Public'],
      ['suffix-wildcard', 'concrete', '*-latest', 'Public'],
      ['openai-models', 'concrete', 'openai/*', 'Internal'],
      ['anthropic-models', 'concrete', 'anthropic/*', 'Internal'],
      ['fast', 'weighted', 'fast', 'Public'],
      ['resilient', 'failover', 'resilient', 'Public'],
      ['smart', 'conditional', 'smart', 'Public'],
    ]);
  });

  it('a concrete model is a provider: default endpoints, region, transformations', () => {
    const bedrock = modelNamed(config, 'bedrock').routes[0]!.rule.backends[0]!.backend.providers[0]!;
    expect(bedrock.target).toMatchObject({ kind: 'bedrock', region: 'us-east-1', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com' });
    const openai = modelNamed(config, 'openai-models').routes[0]!.rule.backends[0]!.backend.providers[0]!;
    expect(openai.target).toMatchObject({ kind: 'openai', baseUrl: 'https://api.openai.com' });
    expect(openai.ai.transformations?.map((t) => t.source)).toEqual(['llmRequest.model.stripPrefix("openai/")']);
  });

  it('a failover model is one backend in priority groups; equal priorities share a group; each target sets its model first', () => {
    const rule = modelNamed(config, 'resilient').routes[0]!.rule;
    expect(rule.backends).toHaveLength(1);
    const backend = rule.backends[0]!.backend;
    expect(backend.groups.map((g) => g.map((p) => p.name))).toEqual([['openai/gpt-5-mini'], ['anthropic/claude-haiku-4-5', 'anthropic/claude-sonnet-4-5']]);
    expect(backend.providers.map((p) => p.id)).toEqual([
      'default/resilient/openai/gpt-5-mini',
      'default/resilient/anthropic/claude-haiku-4-5',
      'default/resilient/anthropic/claude-sonnet-4-5',
    ]);
    expect(backend.providers[2]!.ai.transformations?.map((t) => t.source)).toEqual(['"anthropic/claude-sonnet-4-5"', 'llmRequest.model.stripPrefix("anthropic/")']);
    expect(backend.providers[2]!.target.kind).toBe('anthropic');
  });

  it('a weighted model is one backend per target, with its weight', () => {
    const rule = modelNamed(config, 'fast').routes[0]!.rule;
    expect(rule.backends.map((b) => [b.backend.providers.map((p) => p.name), b.weight])).toEqual([
      [['anthropic/claude-haiku-4-5'], 60],
      [['openai/gpt-5-mini'], 40],
    ]);
  });

  it('a conditional model is one route per target, the last without `when`', () => {
    const routes = modelNamed(config, 'smart').routes;
    expect(routes.map((r) => [r.when?.source ?? null, r.rule.backends[0]!.backend.providers[0]!.name])).toEqual([
      ['llmRequest.route == "code"', 'anthropic/claude-sonnet-4-5'],
      ['llmRequest.route == "fast"', 'openai/gpt-5-mini'],
      [null, 'anthropic/claude-haiku-4-5'],
    ]);
  });

  it('a config of models without HTTPRoutes is not warned about as serving nothing', () => {
    expect(routeWarnings(validated([GATEWAY, ...fixtureObjects()]))).toEqual([]);
    expect(routeWarnings(validated([GATEWAY]))[0]).toMatch(/^no HTTPRoute: nothing is served/);
  });

  it("the models' backends are config backends (status and key redaction see them)", () => {
    expect(config.backends.map((b) => b.id)).toContain('default/resilient');
  });
});

describe('AgentgatewayModel: Azure', () => {
  const targetOf = (azure: Obj, baseURL?: string) => {
    const config = compileConfig(
      validated([GATEWAY, modelObj('az', { provider: 'Azure', azure, ...(baseURL && { baseURL }), policies: { auth: { key: 'k-azure-0123456789' } } })]),
    );
    return config.models![0]!.routes[0]!.rule.backends[0]!.backend.providers[0]!.target;
  };
  it('an OpenAI resource is {resourceName}.openai.azure.com, on the v1 API unless apiVersion says otherwise', () => {
    expect(targetOf({ resourceName: 'my-res', resourceType: 'OpenAI' })).toMatchObject({
      kind: 'azureopenai',
      baseUrl: 'https://my-res.openai.azure.com',
      azure: { apiVersion: 'v1' },
    });
    expect(targetOf({ resourceName: 'my-res', resourceType: 'OpenAI', apiVersion: '2024-10-21' }).azure).toEqual({ apiVersion: '2024-10-21' });
  });
  it('a Foundry project is {resourceName}.services.ai.azure.com under /api/projects/{projectName}; a baseURL replaces both', () => {
    const t = targetOf({ resourceName: 'myproject-resource', resourceType: 'Foundry', projectName: 'proj' });
    expect(t).toMatchObject({ baseUrl: 'https://myproject-resource.services.ai.azure.com', pathPrefix: '/api/projects/proj' });
    const o = targetOf({ resourceName: 'r', resourceType: 'Foundry', projectName: 'proj' }, 'https://proxy.example/azure');
    expect(o).toMatchObject({ baseUrl: 'https://proxy.example', pathPrefix: '/azure' });
  });
});

describe('AgentgatewayModel: matching by the requested model', () => {
  const m = (match: string, visibility: 'Public' | 'Internal' = 'Public'): CompiledModel => ({
    id: `default/${match}`,
    name: match,
    namespace: 'default',
    match,
    visibility,
    kind: 'concrete',
    routes: [],
    ownedBy: 'openai',
  });
  const models = [m('*'), m('gpt-*'), m('gpt-4o-*'), m('gpt-4o-mini'), m('*-latest'), m('secret', 'Internal')];
  it.each([
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-2024', 'gpt-4o-*'],
    ['gpt-5', 'gpt-*'],
    ['claude-latest', '*-latest'],
    ['llama', '*'],
    ['secret', '*'],
  ])('%s -> %s', (asked, match) => {
    expect(matchingModel(models, asked)?.match).toBe(match);
  });
  it('without a catch-all, an unmatched or Internal name matches nothing', () => {
    expect(matchingModel(models.slice(1), 'llama')).toBeUndefined();
    expect(matchingModel(models.slice(1), 'secret')).toBeUndefined();
  });
});

describe('AgentgatewayModel: config problems, named', () => {
  const openai = modelObj('openai-models', { match: { model: 'openai/*' }, provider: 'OpenAI' });
  it.each([
    [
      'a target naming no model',
      [GATEWAY, modelObj('v', { virtualModel: { failover: { targets: [{ modelRef: { name: 'nope' }, priority: 0 }] } } })],
      'AgentgatewayModel default/v: spec.virtualModel.failover.targets[0].modelRef: no concrete AgentgatewayModel default/nope (targets must name concrete models of the same namespace)',
    ],
    [
      'a target of a wildcard model without `model`',
      [GATEWAY, openai, modelObj('v', { virtualModel: { weighted: { targets: [{ modelRef: { name: 'openai-models' } }] } } })],
      'AgentgatewayModel default/v: spec.virtualModel.weighted.targets[0].model: required, because AgentgatewayModel default/openai-models matches the wildcard openai/*',
    ],
    [
      'a virtual model as a target',
      [
        GATEWAY,
        openai,
        modelObj('v', { virtualModel: { weighted: { targets: [{ modelRef: { name: 'openai-models' }, model: 'openai/x' }] } } }),
        modelObj('w', { virtualModel: { weighted: { targets: [{ modelRef: { name: 'v' } }] } } }),
      ],
      'AgentgatewayModel default/w: spec.virtualModel.weighted.targets[0].modelRef: no concrete AgentgatewayModel default/v (targets must name concrete models of the same namespace)',
    ],
    [
      'a missing Gateway',
      [GATEWAY, modelObj('m', { provider: 'OpenAI', parentRefs: [{ name: 'other' }] })],
      'AgentgatewayModel default/m: spec.parentRefs[0]: Gateway default/other not found',
    ],
    [
      'a missing listener',
      [GATEWAY, modelObj('m', { provider: 'OpenAI', parentRefs: [{ name: 'ai-gateway', sectionName: 'nope' }] })],
      'AgentgatewayModel default/m: spec.parentRefs[0].sectionName: listener nope not found on Gateway default/ai-gateway',
    ],
    [
      'a Gateway in another namespace that admits only its own',
      [GATEWAY, { ...modelObj('m', { provider: 'OpenAI', parentRefs: [{ name: 'ai-gateway', namespace: 'default' }] }), metadata: { name: 'm', namespace: 'team' } }],
      'AgentgatewayModel team/m: spec.parentRefs[0]: Gateway default/ai-gateway does not allow routes from namespace team (allowedRoutes.namespaces.from)',
    ],
    [
      'a `when` naming what does not exist',
      [GATEWAY, openai, modelObj('v', { virtualModel: { conditional: { targets: [{ modelRef: { name: 'openai-models' }, model: 'openai/x', when: 'response.code == 200' }] } } })],
      'AgentgatewayModel default/v: spec.virtualModel.conditional.targets[0].when:',
    ],
  ])('%s', (_what, objects, problem) => {
    expect(compileProblems(objects).some((p) => p.startsWith(problem))).toBe(true);
  });
});
