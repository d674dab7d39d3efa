/**
 * functions/model/compile.ts and duration.ts: policy merge order, traffic policy attachment,
 * route precedence, Gateway admission, weights, eviction settings and durations.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledConfig, CompiledRule } from '../../functions/model/config.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../functions/core/duration.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import {
  backend,
  backendOf,
  backendRef,
  exact,
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
  targetBackend,
  targetGateway,
  targetRoute,
  type Obj,
} from '../support/manifests.js';

/** A `health` block that is recognisable by its eviction duration. */
const health = (duration: string): Obj => ({ eviction: { duration } });
const key = (k: string): Obj => ({ key: k });

describe('compile: backend policy merge order', () => {
  // policy on the backend < policy on one provider (sectionName) < backend spec.policies < provider policies
  const manifests = (): Obj[] => [
    backend(
      'b',
      [
        [provider('p1'), provider('p2')],
        [provider('p3', { policies: { health: health('40s') } }), provider('p4', { policies: { auth: key('provider-key') } })],
      ],
      { policies: { auth: key('backend-key') } },
    ),
    policy('all', [targetBackend('b')], { backend: { health: health('10s'), auth: key('policy-key'), http: { requestTimeout: '11s' } } }),
    policy('only-p2', [targetBackend('b', 'p2')], { backend: { health: health('20s'), auth: key('section-key') } }),
  ];
  const settings = (config: CompiledConfig, name: string) => {
    const p = providerOf(config, `${NS}/b/${name}`);
    return { evictMs: p.health.eviction?.durationMs, apiKey: p.target.apiKey, requestTimeoutMs: p.requestTimeoutMs };
  };

  it('each layer wins over the ones before it, per top-level field', () => {
    const config = load(manifests());
    expect(settings(config, 'p1')).toEqual({ evictMs: 10_000, apiKey: 'backend-key', requestTimeoutMs: 11_000 });
    expect(settings(config, 'p2')).toEqual({ evictMs: 20_000, apiKey: 'backend-key', requestTimeoutMs: 11_000 });
    expect(settings(config, 'p3')).toEqual({ evictMs: 40_000, apiKey: 'backend-key', requestTimeoutMs: 11_000 });
    expect(settings(config, 'p4')).toEqual({ evictMs: 10_000, apiKey: 'provider-key', requestTimeoutMs: 11_000 });
  });

  it('the sectionName policy beats the backend-wide policy when nothing more specific is set', () => {
    const [b, all, onlyP2] = manifests() as [Obj, Obj, Obj];
    const spec = b.spec as { policies?: Obj };
    delete spec.policies; // no backend spec.policies: the policies' keys show through
    const config = load([b, all, onlyP2]);
    expect(settings(config, 'p1').apiKey).toBe('policy-key');
    expect(settings(config, 'p2').apiKey).toBe('section-key');
    expect(settings(config, 'p4').apiKey).toBe('provider-key');
  });

  it('a more specific field replaces the whole field, it is not deep-merged', () => {
    const config = load([
      backend('b', [[provider('p', { policies: { health: { unhealthyCondition: 'response.code == 404' } } })]]),
      policy('all', [targetBackend('b')], { backend: { health: { unhealthyCondition: 'response.code >= 500', eviction: { duration: '10s' } } } }),
    ]);
    const p = providerOf(config, `${NS}/b/p`);
    expect(p.health.condition?.source).toBe('response.code == 404');
    expect(p.health.eviction).toBeUndefined();
  });

  it('between policies on the same target, the alphabetically first wins (Gateway API conflict rule)', () => {
    const objects = (first: string, second: string) => [
      backend('b', [[provider('p')]]),
      policy(second, [targetBackend('b')], { backend: { health: health('20s') } }),
      policy(first, [targetBackend('b')], { backend: { health: health('10s') } }),
    ];
    // Manifest order does not matter, names do.
    expect(providerOf(load(objects('a-policy', 'b-policy')), `${NS}/b/p`).health.eviction?.durationMs).toBe(10_000);
    expect(providerOf(load(objects('a-policy', 'b-policy').reverse()), `${NS}/b/p`).health.eviction?.durationMs).toBe(10_000);
  });

  it('a policy in another namespace does not apply; a missing sectionName target warns', () => {
    const config = load([
      backend('b', [[provider('p')]]),
      policy('elsewhere', [targetBackend('b')], { backend: { health: health('10s') } }, 'other'),
      policy('typo', [targetBackend('b', 'no-such-provider')], { backend: { health: health('20s') } }),
    ]);
    expect(providerOf(config, `${NS}/b/p`).health).toEqual({});
    expect([...config.warnings].sort()).toEqual([
      `${FILE}: document 2: AgentgatewayPolicy other/elsewhere: spec.targetRefs[0]: AgentgatewayBackend other/b not found; the policy does nothing for it`,
      `${FILE}: document 3: AgentgatewayPolicy ${NS}/typo: spec.targetRefs[0]: AgentgatewayBackend ${NS}/b/no-such-provider not found; the policy does nothing for it`,
    ]);
  });

  it('spec.backend on a route or Gateway target is refused (not silently dropped)', () => {
    const problems = problemsOf(() =>
      load([backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')])]), policy('on-route', [targetRoute('r')], { backend: { health: health('10s') } })]),
    );
    expect(problems).toEqual([
      `${FILE}: document 3: AgentgatewayPolicy ${NS}/on-route: spec.targetRefs[0]: spec.backend attached to a HTTPRoute is not supported by modelgate yet; target the AgentgatewayBackend`,
    ]);
  });
});

describe('compile: traffic policies (retry, timeouts)', () => {
  const ruleOf = (config: CompiledConfig, id: string): CompiledRule => {
    const found = config.rules.find((r) => r.id === id);
    if (!found) throw new Error(`no rule ${id} in ${config.rules.map((r) => r.id).join(', ')}`);
    return found;
  };
  const retryOf = (r: CompiledRule) => ({ attempts: r.retry.attempts, codes: r.retry.codes && [...r.retry.codes] });

  const base = (): Obj[] => [
    gateway('gw'),
    gateway('other-gw'),
    backend('b', [[provider('p')]]),
    route('r', [rule([backendRef('b')], { name: 'main', matches: [prefix('/v1')] }), rule([backendRef('b')], { name: 'side', matches: [prefix('/side')] })], {
      parents: [{ name: 'gw' }],
    }),
    route('elsewhere', [rule([backendRef('b')], { matches: [prefix('/x')] })], { parents: [{ name: 'other-gw' }] }),
    policy('on-gateway', [targetGateway('gw')], { traffic: { retry: { attempts: 1, codes: [429] }, timeouts: { request: '10s' } } }),
  ];

  it('a Gateway policy applies to the routes on that Gateway only', () => {
    const config = load(base());
    for (const id of [`${NS}/r#main`, `${NS}/r#side`]) {
      expect(retryOf(ruleOf(config, id))).toEqual({ attempts: 1, codes: [429] });
      expect(ruleOf(config, id).requestTimeoutMs).toBe(10_000);
    }
    expect(ruleOf(config, `${NS}/elsewhere#0`).retry).toEqual({});
    expect(ruleOf(config, `${NS}/elsewhere#0`).requestTimeoutMs).toBeUndefined();
  });

  it("an HTTPRoute policy beats the Gateway's, a rule policy (sectionName) beats the route's", () => {
    const config = load([
      ...base(),
      policy('on-rule', [targetRoute('r', 'main')], { traffic: { retry: { attempts: 3, codes: [503], backoff: '250ms' }, timeouts: { request: '30s' } } }),
      policy('on-route', [targetRoute('r')], { traffic: { retry: { attempts: 2 } } }),
    ]);
    const main = ruleOf(config, `${NS}/r#main`);
    expect(retryOf(main)).toEqual({ attempts: 3, codes: [503] });
    expect(main.retry.backoffMs).toBe(250);
    expect(main.requestTimeoutMs).toBe(30_000);

    // The route's retry replaces the Gateway's whole: its `codes` do not leak in. Timeouts still
    // come from the Gateway, since the route policy sets none.
    const side = ruleOf(config, `${NS}/r#side`);
    expect(retryOf(side)).toEqual({ attempts: 2, codes: undefined });
    expect(side.requestTimeoutMs).toBe(10_000);
  });

  it('between policies at the same level, the alphabetically first wins', () => {
    const objects = [
      ...base(),
      policy('b-retry', [targetRoute('r')], { traffic: { retry: { attempts: 6 } } }),
      policy('a-retry', [targetRoute('r')], { traffic: { retry: { attempts: 5 } } }),
    ];
    expect(ruleOf(load(objects), `${NS}/r#main`).retry.attempts).toBe(5);
    expect(ruleOf(load(objects.reverse()), `${NS}/r#main`).retry.attempts).toBe(5);
  });

  it("the rule's own timeouts beat a policy's; backendRequest is the per-attempt deadline", () => {
    const objects = base();
    objects[3] = route('r', [rule([backendRef('b')], { name: 'main', timeouts: { request: '5s', backendRequest: '2s' } })], { parents: [{ name: 'gw' }] });
    const main = ruleOf(load(objects), `${NS}/r#main`);
    expect(main.requestTimeoutMs).toBe(5_000);
    expect(main.attemptTimeoutMs).toBe(2_000);

    // `0s` means no deadline.
    objects[3] = route('r', [rule([backendRef('b')], { name: 'main', timeouts: { request: '0s', backendRequest: '0s' } })], { parents: [{ name: 'gw' }] });
    const none = ruleOf(load(objects), `${NS}/r#main`);
    expect(none.requestTimeoutMs).toBeUndefined();
    expect(none.attemptTimeoutMs).toBeUndefined();
  });

  it('backendRequest longer than request is refused, as the Gateway API CRD does', () => {
    const problems = problemsOf(() => parse([route('r', [rule([backendRef('b')], { timeouts: { request: '5s', backendRequest: '10s' } })])]));
    expect(problems).toEqual([`${FILE}: document 1: HTTPRoute r: spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout`]);
    // ...unless the request has no deadline.
    expect(() => parse([route('r', [rule([backendRef('b')], { timeouts: { request: '0s', backendRequest: '10s' } })])])).not.toThrow();
  });

  it('invalid CEL in a retry condition names the policy that wrote it', () => {
    const problems = problemsOf(() => load([...base(), policy('bad-cel', [targetRoute('r')], { traffic: { retry: { condition: 'response.code ==' } } })]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${FILE}: document 7: AgentgatewayPolicy ${NS}/bad-cel: spec.traffic.retry.condition: invalid CEL expression`));
  });

  it('retry and timeouts with phase PreRouting, or on a backend, are refused as the CRD does', () => {
    const problems = problemsOf(() =>
      parse([
        policy('pre', [targetGateway('gw')], { traffic: { phase: 'PreRouting', retry: { attempts: 1 } } }),
        policy('on-backend', [targetBackend('b')], { traffic: { timeouts: { request: '1s' } } }),
        policy('empty', [targetGateway('gw')], { traffic: { timeouts: {} } }),
      ]),
    );
    expect(problems).toEqual([
      `${FILE}: document 1: AgentgatewayPolicy pre: spec.traffic: phase PreRouting only supports extAuth, authorization, transformation, extProc, jwtAuthentication, basicAuthentication, apiKeyAuthentication and cors`,
      `${FILE}: document 2: AgentgatewayPolicy on-backend: spec: the 'traffic' field can only target a Gateway, ListenerSet, GRPCRoute, HTTPRoute, or InferencePool`,
      `${FILE}: document 3: AgentgatewayPolicy empty: spec.traffic.timeouts: at least one of the fields in [request] must be set`,
    ]);
  });
});

describe('compile: route precedence', () => {
  /** One backend per rule, named after the rule, so a matcher says which rule it came from. */
  function precedence(rules: Array<[name: string, matches: Obj[]]>, extraRoutes: Obj[] = []): string[] {
    const names = [...new Set(rules.map(([name]) => name))];
    const config = load([
      backend('b', [[provider('p')]]),
      route(
        'r',
        rules.map(([name, matches]) => rule([backendRef('b')], { name, matches })),
      ),
      ...extraRoutes,
    ]);
    expect(config.rules.map((r) => r.id.split('#')[1]).slice(0, names.length)).toEqual(names); // rules stay in manifest order
    return config.matchers.map((m) => m.rule.id.replace(`${NS}/`, ''));
  }

  it('Exact beats PathPrefix, a longer prefix beats a shorter one, whatever the manifest order', () => {
    expect(
      precedence([
        ['root', [prefix('/')]],
        ['v1', [prefix('/v1')]],
        ['chat', [prefix('/v1/chat')]],
        ['exact', [exact('/v1/chat/completions')]],
        ['exact-short', [exact('/v1')]],
      ]),
    ).toEqual(['r#exact', 'r#exact-short', 'r#chat', 'r#v1', 'r#root']);
  });

  it('for the same path: a method match, then more header matches, then more query matches', () => {
    expect(
      precedence([
        ['plain', [prefix('/v1')]],
        ['one-query', [prefix('/v1', { queryParams: [{ name: 'q', value: '1' }] })]],
        ['one-header', [prefix('/v1', { headers: [{ name: 'X-A', value: '1' }] })]],
        [
          'two-headers',
          [
            prefix('/v1', {
              headers: [
                { name: 'x-a', value: '1' },
                { name: 'x-b', value: '2' },
              ],
            }),
          ],
        ],
        ['post', [prefix('/v1', { method: 'POST' })]],
      ]),
    ).toEqual(['r#post', 'r#two-headers', 'r#one-header', 'r#one-query', 'r#plain']);
  });

  it('the path outranks everything else; ties keep manifest order, across routes too', () => {
    const other = route('s', [rule([backendRef('b')], { name: 'same', matches: [prefix('/v1')] })]);
    expect(
      precedence(
        [
          ['short-with-everything', [prefix('/v', { method: 'POST', headers: [{ name: 'x-a', value: '1' }] })]],
          ['longer', [prefix('/v1')]],
        ],
        [other],
      ),
    ).toEqual(['r#longer', 's#same', 'r#short-with-everything']);
  });

  it('each match of a rule is ranked on its own', () => {
    expect(
      precedence([
        ['two', [prefix('/a'), exact('/b')]],
        ['mid', [prefix('/ab')]],
      ]),
    ).toEqual(['r#two', 'r#mid', 'r#two']);
  });

  it('compiles matches: default path, lower-cased header names, anchored regular expressions', () => {
    const config = load([
      backend('b', [[provider('p')]]),
      route('r', [
        rule([backendRef('b')]),
        rule([backendRef('b')], {
          matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+/chat' }, headers: [{ name: 'X-Tenant', type: 'RegularExpression', value: '^a' }] }],
        }),
      ]),
    ]);
    expect(config.rules[0]!.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }]);
    const m = config.rules[1]!.matches[0]!;
    expect(m.headers[0]!.name).toBe('x-tenant');
    expect(m.path.type === 'RegularExpression' && [m.path.regex.test('/v1/chat'), m.path.regex.test('/v1/chat/x'), m.path.regex.test('/x/v1/chat')]).toEqual([true, false, false]);
  });
});

describe('compile: Gateway admission', () => {
  const objects = (gw: Obj, routeNamespace: string): Obj[] => [
    gw,
    backend('b', [[provider('p')]], { namespace: routeNamespace }),
    route('r', [rule([backendRef('b')])], { namespace: routeNamespace, parents: [{ name: 'gw', namespace: 'infra' }] }),
  ];

  it('allowedRoutes from: Same (and the default) refuses a route from another namespace', () => {
    for (const gw of [gateway('gw', { namespace: 'infra', from: 'Same' }), gateway('gw', { namespace: 'infra' })]) {
      const problems = problemsOf(() => load(objects(gw, 'apps')));
      expect(problems).toEqual([
        `${FILE}: document 3: HTTPRoute apps/r: spec.parentRefs[0]: Gateway infra/gw does not allow routes from namespace apps (allowedRoutes.namespaces.from)`,
      ]);
    }
    // The same route in the Gateway's own namespace is admitted.
    expect(load(objects(gateway('gw', { namespace: 'infra', from: 'Same' }), 'infra')).rules).toHaveLength(1);
  });

  it('from: All admits it', () => {
    expect(load(objects(gateway('gw', { namespace: 'infra', from: 'All' }), 'apps')).rules.map((r) => r.id)).toEqual(['apps/r#0']);
  });

  it('a parentRef to a missing listener is refused', () => {
    const problems = problemsOf(() =>
      load([gateway('gw'), backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')])], { parents: [{ name: 'gw', sectionName: 'https' }] })]),
    );
    expect(problems).toEqual([`${FILE}: document 3: HTTPRoute ${NS}/r: spec.parentRefs[0].sectionName: listener https not found on Gateway ${NS}/gw`]);
  });

  it('with no Gateway in the config at all, routes need none', () => {
    const config = load([backend('b', [[provider('p')]]), route('r', [rule([backendRef('b')])], { parents: [{ name: 'not-here' }] })]);
    expect(config.listeners).toEqual([]);
    expect(config.rules).toHaveLength(1);
  });
});

describe('compile: references across namespaces', () => {
  const grant = (to: Obj, fromNamespace = 'apps'): Obj => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'let-apps-in', namespace: 'models' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: fromNamespace }], to: [to] },
  });
  const objects = (extra: Obj[]): Obj[] => [
    backend('shared', [[provider('p')]], { namespace: 'models' }),
    route('r', [rule([{ ...backendRef('shared'), namespace: 'models' }])], { namespace: 'apps' }),
    ...extra,
  ];

  it('refuses a backendRef into another namespace without a ReferenceGrant there', () => {
    expect(problemsOf(() => load(objects([])))).toEqual([
      `${FILE}: document 2: HTTPRoute apps/r: spec.rules[0].backendRefs[0]: AgentgatewayBackend models/shared is in another namespace, and no ReferenceGrant in models allows HTTPRoutes from apps to use it`,
    ]);
    // A grant for another namespace, or for another backend, does not count.
    expect(problemsOf(() => load(objects([grant({ group: 'agentgateway.dev', kind: 'AgentgatewayBackend' }, 'other')])))).toHaveLength(1);
    expect(problemsOf(() => load(objects([grant({ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'not-shared' })])))).toHaveLength(1);
  });

  it('accepts it with a ReferenceGrant for all backends or for that one', () => {
    for (const to of [
      { group: 'agentgateway.dev', kind: 'AgentgatewayBackend' },
      { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'shared' },
    ]) {
      expect(load(objects([grant(to)])).rules[0]!.backends[0]!.backend.id).toBe('models/shared');
    }
  });
});

describe('compile: weights and eviction settings', () => {
  it('keeps backendRef weights (default 1, 0 allowed)', () => {
    const config = load([
      backend('a', [[provider('p')]]),
      backend('b', [[provider('p')]]),
      backend('c', [[provider('p')]]),
      route('r', [rule([backendRef('a', { weight: 3 }), backendRef('b'), backendRef('c', { weight: 0 })])]),
    ]);
    expect(config.rules[0]!.backends.map((x) => [x.backend.id, x.weight])).toEqual([
      [`${NS}/a`, 3],
      [`${NS}/b`, 1],
      [`${NS}/c`, 0],
    ]);
  });

  it('refuses a backendRef to something other than an AgentgatewayBackend', () => {
    const problems = problemsOf(() => load([route('r', [rule([{ name: 'svc', port: 80 }])])]));
    expect(problems).toEqual([
      `${FILE}: document 1: HTTPRoute ${NS}/r: spec.rules[0].backendRefs[0]: backend kind Service is not supported by modelgate yet (use group agentgateway.dev, kind AgentgatewayBackend)`,
    ]);
  });

  it('healthThreshold and restoreHealth are divided by 100; durations and counts kept', () => {
    const eviction = (ev: Obj) => {
      const config = load([backend('b', [[provider('p', { policies: { health: { eviction: ev } } })]])]);
      return providerOf(config, `${NS}/b/p`).health.eviction;
    };
    expect(eviction({ duration: '1m30s', consecutiveFailures: 2, healthThreshold: 50, restoreHealth: 100 })).toEqual({
      durationMs: 90_000,
      consecutiveFailures: 2,
      healthThreshold: 0.5,
      restoreHealth: 1,
    });
    expect(eviction({ healthThreshold: 0, restoreHealth: 25 })).toEqual({ healthThreshold: 0, restoreHealth: 0.25 });
    // An empty eviction block still means "evict" (with the default duration, applied by the engine).
    expect(eviction({})).toEqual({});
  });

  it('refuses health scores outside 0..100', () => {
    const problems = problemsOf(() => parse([backend('b', [[provider('p', { policies: { health: { eviction: { healthThreshold: 101, restoreHealth: -1 } } } })]])]));
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.startsWith(`${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0].policies.health.eviction.`))).toBe(true);
  });

  it('group order and provider order are kept; duplicate provider names are refused', () => {
    const config = load([backend('b', [[provider('z'), provider('a')], [provider('m')]])]);
    expect(backendOf(config, `${NS}/b`).providers.map((p) => `${p.group}:${p.name}`)).toEqual(['0:z', '0:a', '1:m']);
    const problems = problemsOf(() => parse([backend('b', [[provider('a')], [provider('a')]])]));
    expect(problems).toEqual([`${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[1].providers[0].name: duplicate provider name "a": names must be unique in the backend`]);
  });
});

describe('duration', () => {
  it('parses Gateway API durations to milliseconds', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h2m3s4ms')).toBe(3_723_004);
    expect(parseDuration('1ms1m')).toBe(60_001); // any order, as the pattern allows
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('99999ms')).toBe(99_999);
  });

  it('refuses what the CRD pattern refuses', () => {
    for (const bad of ['', '10', 's', '1.5s', '-1s', '1d', '10 s', ' 10s', '123456s', '1s2s3s4s5s', '1S', '1sm']) {
      expect(parseDuration(bad), bad).toBeUndefined();
      expect(DURATION_PATTERN.test(bad), bad).toBe(false);
    }
  });

  it('formats milliseconds back, round-tripping', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(1_500)).toBe('1s500ms');
    expect(formatDuration(3_723_004)).toBe('1h2m3s4ms');
    for (const ms of [1, 999, 1_000, 61_000, 3_600_000, 3_723_004]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('is applied to provider timeouts at compile time', () => {
    const config = load([backend('b', [[provider('p', { policies: { http: { requestTimeout: '1m30s' }, tcp: { connectTimeout: '500ms' } } })]])]);
    expect(providerOf(config, `${NS}/b/p`)).toMatchObject({ requestTimeoutMs: 90_000, connectTimeoutMs: 500 });
    const problems = problemsOf(() => parse([backend('b', [[provider('p', { policies: { tcp: { connectTimeout: '50ms' }, http: { requestTimeout: 'soon' } } })]])]));
    expect(problems).toEqual([
      `${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0].policies.http.requestTimeout: should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'`,
      `${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0].policies.http.requestTimeout: requestTimeout must be at least 1ms`,
      `${FILE}: document 1: AgentgatewayBackend b: spec.ai.groups[0].providers[0].policies.tcp.connectTimeout: connectTimeout must be at least 100ms`,
    ]);
  });
});

describeWithShared('the manifests these tests build', CRDS, () => {
  it('are valid against the upstream CRDs (the tests exercise real agentgateway shapes)', () => {
    const crds = loadCrdValidators();
    const objects = [
      gateway('gw', { namespace: 'infra', from: 'All' }),
      backend('b', [[provider('p1', { policies: { health: health('40s'), auth: key('k') } })], [provider('p2', { kind: 'openai', host: 'h', port: 1 })]], {
        policies: { auth: { secretRef: { name: 'key' } }, http: { requestTimeout: '1m30s' }, tcp: { connectTimeout: '500ms' } },
      }),
      policy('all', [targetBackend('b', 'p2')], {
        backend: { health: { unhealthyCondition: 'response.code >= 500', eviction: { duration: '10s', healthThreshold: 50, restoreHealth: 100 } } },
      }),
      policy('t', [targetRoute('r', 'main')], { traffic: { retry: { attempts: 3, codes: [503], backoff: '250ms' }, timeouts: { request: '30s' } } }),
      route(
        'r',
        [
          rule([backendRef('b', { weight: 3 })], {
            name: 'main',
            matches: [exact('/v1', { method: 'POST', headers: [{ name: 'x-a', value: '1' }] })],
            timeouts: { request: '5s', backendRequest: '2s' },
          }),
        ],
        {
          parents: [{ name: 'gw', namespace: 'infra' }],
        },
      ),
    ];
    for (const o of objects) expect(crds.validate(o).map(formatViolation), `${String(o.kind)}`).toEqual([]);
  });
});
