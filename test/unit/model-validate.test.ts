/**
 * The manifest load path (functions/config/manifests.ts, env.ts, describe.ts over
 * functions/model/validate.ts and compile.ts): the tutorial file as is, problem messages that point
 * into the file, warnings, Secrets, `${VAR}` expansion, and the shapes of a manifest file.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { describeConfig } from '../../functions/config/describe.js';
import { MissingEnvironment, parseManifests } from '../../functions/config/manifests.js';
import { compileConfig, ConfigError } from '../../functions/model/compile.js';
import type { CelContext } from '../../functions/model/cel.js';
import {
  backend,
  backendOf,
  backendRef,
  FILE,
  gateway,
  load,
  NS,
  parse,
  policy,
  prefix,
  problemsOf,
  provider,
  providerOf,
  route,
  rule,
  secret,
  targetBackend,
  toYaml,
  TUTORIAL_ENV,
  TUTORIAL_KEY,
  tutorialText,
  type Obj,
} from '../support/manifests.js';

/** The repository's examples/tutorial-failover.yaml; its Secret's `${ANTHROPIC_API_KEY}` gets TUTORIAL_ENV. */
const TUTORIAL = tutorialText();

/** A CEL context with just a response code, for checking a compiled condition. */
function answer(code: number): CelContext {
  return {
    request: { method: 'POST', path: '/v1/messages', host: 'localhost', headers: {} },
    response: { code, headers: {} },
    llm: { provider: 'anthropic', streaming: false },
  };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A backend with one Anthropic provider `p` that takes its key from Secret `key`. */
const keyedBackend = (name = 'b', extra: Obj = {}) => backend(name, [[provider('p', { policies: { auth: { secretRef: { name: 'key', ...extra } } } })]]);

describe('model: the tutorial file', () => {
  it('loads unchanged and compiles to two groups, one provider each, with the health policy', () => {
    const { objects, warnings } = parseManifests([{ name: 'tutorial-failover.yaml', text: TUTORIAL }], TUTORIAL_ENV);
    expect(warnings).toEqual([]);
    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'Gateway', 'AgentgatewayBackend', 'AgentgatewayPolicy', 'HTTPRoute']);

    const config = compileConfig(objects);
    expect(config.warnings).toEqual([]);
    expect(config.listeners).toEqual([{ gateway: 'agentgateway-system/agentgateway-openshell', name: 'http', port: 8080 }]);

    const anthropic = backendOf(config, 'agentgateway-system/anthropic');
    expect(anthropic.groups.map((g) => g.map((p) => p.name))).toEqual([['anthropic-opus-46'], ['anthropic-sonnet-46']]);
    expect(anthropic.providers.map((p) => [p.id, p.group, p.target.model])).toEqual([
      ['agentgateway-system/anthropic/anthropic-opus-46', 0, 'claude-opus-4-6-FAKE'],
      ['agentgateway-system/anthropic/anthropic-sonnet-46', 1, 'claude-sonnet-4-6'],
    ]);
    for (const p of anthropic.providers) {
      expect(p.target).toMatchObject({ kind: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: TUTORIAL_KEY });
      expect(p.target.path).toBeUndefined();
      // The AgentgatewayPolicy targeting the backend applies to both providers.
      expect(p.health.eviction).toEqual({ durationMs: 10_000, consecutiveFailures: 1 });
      expect(p.health.condition?.source).toBe('response.code == 404 || response.code == 429');
      expect([404, 429, 200, 500, 401].map((code) => p.health.condition!.test(answer(code)))).toEqual([true, true, false, false, false]);
    }

    expect(config.rules).toHaveLength(1);
    const [only] = config.matchers;
    expect(only!.match.path).toEqual({ type: 'PathPrefix', value: '/v1' });
    expect(only!.rule.backends.map((b) => [b.backend.id, b.weight])).toEqual([['agentgateway-system/anthropic', 1]]);
  });

  it('with host and port added to each provider, calls them over plain HTTP', () => {
    const docs = parseAllDocuments(TUTORIAL).map((d) => d.toJS() as Obj);
    const backendDoc = docs.find((d) => d.kind === 'AgentgatewayBackend') as { spec: { ai: { groups: Array<{ providers: Obj[] }> } } };
    for (const [i, g] of backendDoc.spec.ai.groups.entries()) {
      for (const p of g.providers) Object.assign(p, { host: '127.0.0.1', port: 9100 + i });
    }

    const config = compileConfig(parseManifests([{ name: 'local.yaml', text: toYaml(docs) }], TUTORIAL_ENV).objects);
    const providers = backendOf(config, 'agentgateway-system/anthropic').providers;
    expect(providers.map((p) => p.target.baseUrl)).toEqual(['http://127.0.0.1:9100', 'http://127.0.0.1:9101']);
    expect(providers.every((p) => p.target.apiKey === TUTORIAL_KEY && p.health.eviction?.durationMs === 10_000)).toBe(true);
  });

  it('is summarised in a few lines at start-up', () => {
    const config = compileConfig(parseManifests([{ name: 'tutorial-failover.yaml', text: TUTORIAL }], TUTORIAL_ENV).objects);
    expect(describeConfig(config)).toEqual([
      'route agentgateway-system/openshell-openai#0: PathPrefix /v1 -> agentgateway-system/anthropic',
      'backend agentgateway-system/anthropic:',
      '  group 1: anthropic-opus-46 (anthropic claude-opus-4-6-FAKE at https://api.anthropic.com, key set)',
      '  group 2: anthropic-sonnet-46 (anthropic claude-sonnet-4-6 at https://api.anthropic.com, key set)',
      '  health: unhealthy when response.code == 404 || response.code == 429; evicted for 10s × (times evicted + 1) after 1 consecutive failure',
    ]);
  });
});

describe('model: problems point into the file', () => {
  /** Exactly one problem reads `test.yaml: document <doc>: <kind> <name>: <path>: ...<text>...`. */
  function expectProblem(problems: readonly string[], doc: number, kind: string, name: string, path: string, text: string) {
    const head = `${FILE}: document ${doc}: ${kind} ${name}: ${path}: `;
    const found = problems.filter((p) => p.startsWith(head) && p.slice(head.length).includes(text));
    expect(found, `no problem "${head}...${text}" in:\n${problems.join('\n')}`).toHaveLength(1);
  }

  it('unknown field, wrong type, bad duration, duration below minimum, unsupported field', () => {
    const problems = problemsOf(() =>
      parse([
        secret('key', { stringData: { Authorization: 'k' } }),
        backend('typo', [[{ ...provider('p'), modle: 'x' }]]),
        backend('port', [[provider('p', { host: 'localhost', port: '8080' as unknown as number })]]),
        policy('pattern', [targetBackend('typo')], { backend: { health: { eviction: { duration: '10 seconds' } } } }),
        policy('short', [targetBackend('typo')], { backend: { health: { eviction: { duration: '500ms' } } } }),
        backend('moderation', [[{ name: 'g', openai: { moderation: {} } }]]),
      ]),
    );
    expectProblem(problems, 2, 'AgentgatewayBackend', 'typo', 'spec.ai.groups[0].providers[0]', 'unknown field "spec.ai.groups[0].providers[0].modle"');
    expectProblem(problems, 3, 'AgentgatewayBackend', 'port', 'spec.ai.groups[0].providers[0].port', 'Invalid value: "8080": must be of type number');
    expectProblem(problems, 4, 'AgentgatewayPolicy', 'pattern', 'spec.backend.health.eviction.duration', "should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'");
    expectProblem(problems, 5, 'AgentgatewayPolicy', 'short', 'spec.backend.health.eviction.duration', 'duration must be at least 1 second');
    expectProblem(problems, 6, 'AgentgatewayBackend', 'moderation', 'spec.ai.groups[0].providers[0].openai.moderation', 'is not supported by modelgate yet');
    // `10 seconds` breaks the pattern and, unparsable, the minimum too: the CRD reports both as well.
    expect(problems).toHaveLength(6);
  });

  it('invalid CEL in unhealthyCondition names the object and field that wrote it', () => {
    const viaPolicy = problemsOf(() =>
      load([backend('b', [[provider('p1'), provider('p2')]]), policy('h', [targetBackend('b')], { backend: { health: { unhealthyCondition: 'response.code ==' } } })]),
    );
    // Once, though it applies to two providers; it is the policy's mistake, not the backend's.
    expect(viaPolicy).toHaveLength(1);
    expectProblem(viaPolicy, 2, 'AgentgatewayPolicy', `${NS}/h`, 'spec.backend.health.unhealthyCondition', 'invalid CEL expression');

    const onProvider = problemsOf(() => load([backend('b', [[provider('p1'), provider('p2', { policies: { health: { unhealthyCondition: 'response.code >' } } })]])]));
    expectProblem(onProvider, 1, 'AgentgatewayBackend', `${NS}/b`, 'spec.ai.groups[0].providers[1].policies.health.unhealthyCondition', 'invalid CEL expression');
  });

  it('a secretRef to a missing Secret', () => {
    const onProvider = problemsOf(() => load([keyedBackend()]));
    expect(onProvider).toHaveLength(1);
    expectProblem(onProvider, 1, 'AgentgatewayBackend', `${NS}/b`, 'spec.ai.groups[0].providers[0].policies.auth.secretRef', `key "Authorization" of Secret ${NS}/key not found`);

    // Set on the backend, the path is the backend's; a Secret without the key is as missing.
    const onBackend = problemsOf(() =>
      load([secret('key', { stringData: { other: 'x' } }), backend('b', [[provider('p1'), provider('p2')]], { policies: { auth: { secretRef: { name: 'key' } } } })]),
    );
    expect(onBackend).toHaveLength(1);
    expectProblem(onBackend, 2, 'AgentgatewayBackend', `${NS}/b`, 'spec.policies.auth.secretRef', `key "Authorization" of Secret ${NS}/key not found`);

    // A Secret in another namespace does not count.
    const elsewhere = problemsOf(() => load([secret('key', { stringData: { Authorization: 'x' } }, 'other'), keyedBackend()]));
    expectProblem(elsewhere, 2, 'AgentgatewayBackend', `${NS}/b`, 'spec.ai.groups[0].providers[0].policies.auth.secretRef', 'not found');
  });

  it('a backendRef to a missing backend, a route to a missing Gateway', () => {
    const problems = problemsOf(() =>
      load([gateway('gw'), backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')]), rule([backendRef('nope')])], { parents: [{ name: 'missing-gw' }] })]),
    );
    expectProblem(problems, 3, 'HTTPRoute', `${NS}/r`, 'spec.rules[1].backendRefs[0]', `AgentgatewayBackend ${NS}/nope not found`);
    expectProblem(problems, 3, 'HTTPRoute', `${NS}/r`, 'spec.parentRefs[0]', `Gateway ${NS}/missing-gw not found`);
    expect(problems).toHaveLength(2);
  });

  it('YAML syntax errors name the document', () => {
    const problems = problemsOf(() => parseManifests([{ name: FILE, text: `${toYaml([secret('a', {})])}---\nkind: [unclosed\n` }], {}));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${FILE}: document 2: YAML: `));
  });

  it('every problem of every file is reported at once', () => {
    const bad = (name: string) => backend(name, [[{ ...provider('p'), modle: 'x' }]]);
    const problems = problemsOf(() =>
      parseManifests(
        [
          { name: 'one.yaml', text: toYaml([bad('a'), bad('b')]) },
          { name: 'two.yaml', text: toYaml([bad('c')]) },
        ],
        {},
      ),
    );
    expect(problems.map((p) => p.split(': ').slice(0, 3).join(': '))).toEqual([
      'one.yaml: document 1: AgentgatewayBackend a',
      'one.yaml: document 2: AgentgatewayBackend b',
      'two.yaml: document 1: AgentgatewayBackend c',
    ]);
  });
});

describe('model: ignored fields', () => {
  it('are accepted with a warning that names the document, object and field', () => {
    const { warnings } = parse([
      backend('b', [[provider('p', { policies: { tcp: { keepalive: { retries: 3 } }, http: { version: 'HTTP2' } } })]], {
        policies: { http: { version: 'HTTP2' } },
      }),
    ]);
    expect(warnings).toEqual([
      `${FILE}: document 1: AgentgatewayBackend b: spec.policies.http.version is ignored: upstream calls use HTTP/1.1 with keep-alive`,
      `${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0].policies.http.version is ignored: upstream calls use HTTP/1.1 with keep-alive`,
      `${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0].policies.tcp.keepalive is ignored: TCP keepalive is left to the OS`,
    ]);
  });

  it('are still validated as the CRD does (ignored is not unchecked)', () => {
    const problems = problemsOf(() =>
      parse([
        backend('b', [[provider('p')]], {
          policies: { tcp: { keepalive: { retries: 0, time: '500ms' } }, http: { version: 'HTTP3' } },
        }),
        policy('p', [targetBackend('b')], { backend: { ai: { promptCaching: { cacheSystem: 'yes' } } } }),
      ]),
    );
    expect(problems.some((p) => p.includes('spec.policies.tcp.keepalive.retries:'))).toBe(true);
    expect(problems.some((p) => p.includes('spec.policies.tcp.keepalive.time: time must be at least 1 second'))).toBe(true);
    expect(problems.some((p) => p.includes('spec.policies.http.version: Unsupported value: "HTTP3"'))).toBe(true);
    expect(problems.some((p) => p.includes('spec.backend.ai.promptCaching.cacheSystem: Invalid value: "yes"'))).toBe(true);
  });
});

describe('model: Secrets', () => {
  const keyOf = (objects: Obj[]) => providerOf(load(objects), `${NS}/b/p`).target.apiKey;

  it('stringData, base64 data, `Bearer ` stripped and whitespace trimmed', () => {
    expect(keyOf([secret('key', { stringData: { Authorization: 'sk-plain' } }), keyedBackend()])).toBe('sk-plain');
    expect(keyOf([secret('key', { data: { Authorization: b64('Bearer sk-from-data\n') } }), keyedBackend()])).toBe('sk-from-data');
    expect(keyOf([secret('key', { data: { token: b64('sk-other-key') } }), keyedBackend('b', { key: 'token' })])).toBe('sk-other-key');
  });

  it('stringData wins over data for the same key, as the API server merges them', () => {
    const both = secret('key', { data: { Authorization: b64('sk-data') }, stringData: { Authorization: 'sk-string' } });
    expect(keyOf([both, keyedBackend()])).toBe('sk-string');
    // ...but only for that key.
    const mixed = secret('key', { data: { Authorization: b64('sk-data') }, stringData: { other: 'x' } });
    expect(keyOf([mixed, keyedBackend()])).toBe('sk-data');
  });

  it('a key named like an Object.prototype member is missing from the Secret, not a crash', () => {
    const problems = problemsOf(() => load([secret('key', { stringData: { Authorization: 'sk' } }), keyedBackend('b', { key: 'toString' })]));
    expect(problems).toEqual([
      `${FILE}: document 2: AgentgatewayBackend ${NS}/b: spec.ai.groups[0].providers[0].policies.auth.secretRef: key "toString" of Secret ${NS}/key not found`,
    ]);
  });

  it('data must be base64', () => {
    const problems = problemsOf(() => parse([secret('key', { data: { Authorization: 'not base64!' } })]));
    expect(problems).toEqual([`${FILE}: document 1: Secret key: data.Authorization: must be base64`]);
  });

  it('an inline key is used as is', () => {
    const b = backend('b', [[provider('p', { policies: { auth: { key: 'Bearer sk-inline' } } })]]);
    expect(keyOf([b])).toBe('sk-inline');
  });
});

describe('model: ${VAR} expansion', () => {
  const withModel = (model: string) => backend('b', [[provider('p', { model })]]);
  const modelOf = (objects: Obj[], env: Record<string, string>) => providerOf(load(objects, env), `${NS}/b/p`).target.model;

  it('replaces ${VAR} inside string values, also in the middle of a string', () => {
    expect(modelOf([withModel('${MODEL}')], { MODEL: 'claude-sonnet-4-6' })).toBe('claude-sonnet-4-6');
    expect(modelOf([withModel('claude-${FAMILY}-4-6')], { FAMILY: 'opus' })).toBe('claude-opus-4-6');
  });

  it('keeps $${VAR} literal, as ${VAR}', () => {
    expect(modelOf([withModel('$${MODEL}')], { MODEL: 'expanded' })).toBe('${MODEL}');
  });

  it('expands values only: keys stay literal, and a value cannot change the document structure', () => {
    const labelled = { ...backend('b', [[provider('p', { model: '${MODEL}' })]]), metadata: { name: 'b', labels: { '${KEY}': '${VALUE}' } } };
    const { objects } = parse([labelled], { MODEL: 'm\nspec: {}\n- x: [', KEY: 'k', VALUE: 'v' });
    expect(objects[0]!.metadata.labels).toEqual({ '${KEY}': 'v' });
    const config = compileConfig(objects);
    expect(providerOf(config, `${NS}/b/p`).target.model).toBe('m\nspec: {}\n- x: [');
  });

  it('a missing variable raises MissingEnvironment naming it (every one, in every file)', () => {
    const run = () =>
      parseManifests(
        [
          { name: 'one.yaml', text: toYaml([withModel('${MODEL_A}'), backend('c', [[provider('p', { model: '${MODEL_B}-${MODEL_C}' })]])]) },
          { name: 'two.yaml', text: toYaml([secret('k', { stringData: { Authorization: '${API_KEY}' } })]) },
          { name: 'three.yaml', text: toYaml([backend('d', [[provider('p', { model: '${SET}' })]])]) },
        ],
        { SET: 'fine', MODEL_C: '' }, // empty counts as unset
      );
    expect(run).toThrow(MissingEnvironment);
    try {
      run();
    } catch (error) {
      const e = error as MissingEnvironment;
      expect(e).toBeInstanceOf(ConfigError);
      expect([...e.variables].sort()).toEqual(['API_KEY', 'MODEL_A', 'MODEL_B', 'MODEL_C']);
      expect(e.files).toEqual(['one.yaml', 'two.yaml']);
      expect(e.problems[0]).toContain('${MODEL_A}');
      expect(e.problems[0]).toContain('${API_KEY}');
      expect(e.problems[0]).toContain('not set in the environment');
    }
  });
});

describe('model: the shapes of a manifest file', () => {
  it('refuses an object defined twice (same kind, namespace and name), in one file or across files', () => {
    const b = backend('b', [[provider('p')]]);
    const inOne = problemsOf(() => parse([b, secret('b', {}), backend('b', [[provider('p')]], { namespace: 'other' }), b]));
    expect(inOne).toEqual([`${FILE}: document 4: AgentgatewayBackend/default/b is already defined in ${FILE}: document 1`]);

    const across = problemsOf(() =>
      parseManifests(
        [
          { name: 'a.yaml', text: toYaml([b]) },
          { name: 'b.yaml', text: toYaml([b]) },
        ],
        {},
      ),
    );
    expect(across).toEqual(['b.yaml: document 1: AgentgatewayBackend/default/b is already defined in a.yaml: document 1']);
  });

  it('reads the items of a `kind: List`', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [secret('key', { stringData: { Authorization: 'sk' } }), keyedBackend()] };
    const { objects } = parse([list]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Secret/key', 'AgentgatewayBackend/b']);
    expect(providerOf(compileConfig(objects), `${NS}/b/p`).target.apiKey).toBe('sk');

    const problems = problemsOf(() => parse([{ ...list, items: [{ ...secret('bad', {}), extra: 1 }] }]));
    expect(problems).toEqual([`${FILE}: document 1: Secret bad: unknown field "extra"`]);
  });

  it('skips kinds it does not serve, with a warning; empty documents are nothing', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mock' }, spec: { replicas: 0 } };
    const text = `---\n${toYaml([deployment, backend('b', [[provider('p')]])])}---\n`;
    const { objects, warnings } = parseManifests([{ name: FILE, text }], {});
    expect(objects.map((o) => o.kind)).toEqual(['AgentgatewayBackend']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^${FILE}: document \\d: Deployment mock skipped: modelgate serves Gateway, HTTPRoute, AgentgatewayBackend, AgentgatewayModel, AgentgatewayPolicy, Secret, ReferenceGrant$`,
      ),
    );
  });

  it('a kind named like an Object.prototype member is an unknown kind, not a crash', () => {
    const { objects, warnings } = parse(['constructor', 'toString', '__proto__'].map((kind) => ({ apiVersion: 'v1', kind, metadata: { name: 'x' } })));
    expect(objects).toEqual([]);
    expect(warnings.map((w) => w.split(' skipped')[0])).toEqual([`${FILE}: document 1: constructor x`, `${FILE}: document 2: toString x`, `${FILE}: document 3: __proto__ x`]);
  });

  it('refuses a document that is not a mapping, and an object without a kind', () => {
    const problems = problemsOf(() => parseManifests([{ name: FILE, text: '- just\n- a list\n---\nmetadata: {name: x}\n' }], {}));
    expect(problems).toEqual([`${FILE}: document 1: object: must be a mapping (a Kubernetes object)`, `${FILE}: document 2: object x: kind: Required value`]);
  });
});

describe('model: provider endpoints', () => {
  const only = (p: Obj) => providerOf(load([backend('b', [[p]])]), `${NS}/b/${p.name as string}`).target;

  it("without host and port: the vendor's https API", () => {
    expect(only(provider('a', { kind: 'anthropic' })).baseUrl).toBe('https://api.anthropic.com');
    expect(only(provider('o', { kind: 'openai', model: 'gpt-4o-mini' }))).toMatchObject({ kind: 'openai', baseUrl: 'https://api.openai.com', model: 'gpt-4o-mini' });
  });

  it('with host and port: plain http to them (IPv6 hosts in brackets), path and pathPrefix kept', () => {
    expect(only(provider('a', { host: 'llm.internal', port: 8080 })).baseUrl).toBe('http://llm.internal:8080');
    expect(only(provider('o', { kind: 'openai', host: '::1', port: 9000 })).baseUrl).toBe('http://[::1]:9000');
    expect(only({ ...provider('x', { host: 'h', port: 1 }), pathPrefix: '/proxy' })).toMatchObject({ baseUrl: 'http://h:1', pathPrefix: '/proxy' });
    expect(only({ ...provider('y'), path: '/v1/messages' })).toMatchObject({ baseUrl: 'https://api.anthropic.com', path: '/v1/messages' });
  });

  it('a single `provider` is a group of one named after the backend', () => {
    const single = { ...backend('solo', []), spec: { ai: { provider: { openai: { model: 'gpt-4o' } } } } };
    const config = load([single]);
    expect(backendOf(config, `${NS}/solo`).groups.map((g) => g.map((p) => [p.id, p.target.baseUrl]))).toEqual([[[`${NS}/solo/solo`, 'https://api.openai.com']]]);
  });

  it('host without port is refused, as the CRD does', () => {
    const problems = problemsOf(() => parse([backend('b', [[provider('p', { host: 'h' })]])]));
    expect(problems).toEqual([`${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0]: both host and port must be set together`]);
  });
});

// Keep the YAML import honest: the builders' output is what a YAML document parses to.
it('builders produce plain YAML-round-trippable objects', () => {
  const objects = [secret('s', { stringData: { a: 'b' } }), gateway('g'), backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')], { matches: [prefix('/v1')] })])];
  expect(parseAllDocuments(toYaml(objects)).map((d) => d.toJS())).toEqual(objects);
  expect(parseYaml(toYaml([objects[0]!]))).toEqual(objects[0]);
});
