import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { evaluateCel, formatViolation, loadCrdValidators, type CrdValidatorSet, type CrdViolation } from '../support/crd-validator.js';
import { TUTORIAL } from '../support/manifests.js';
import { CRD_FIXTURES, CRDS, describeWithShared } from '../support/shared.js';

type Obj = Record<string, unknown>;

const FIXTURES = CRD_FIXTURES.dir;

function readDocs(url: URL): Obj[] {
  return parseAllDocuments(readFileSync(url, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Obj => typeof d === 'object' && d !== null);
}

function fixtureFiles(suffix: string): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(suffix))
    .sort();
}

function nameOf(obj: Obj): string {
  return String((obj.metadata as Obj | undefined)?.name ?? '<unnamed>');
}

function show(violations: CrdViolation[]): string {
  return violations.map(formatViolation).join('\n');
}

/**
 * `_err` texts written for the upstream Go harness (istio's crd.Validator) whose wording is not
 * the API server's. Each maps to the shape this validator prints instead.
 */
const ERR_ALIASES: Record<string, RegExp> = {
  // istio prints "unknown fields [a b]"; the API server's strict field validation prints `unknown field "a"`.
  'unknown fields': /unknown field "/,
};

/** Invalid fixtures (by metadata.name) whose `_err` text is not matched, with the reason. Keep empty if possible. */
const TEXT_MATCH_EXCEPTIONS: Record<string, string> = {};

/** Like the upstream harness: the expected text must occur in the printed errors (or its alias must match). */
function matchesExpectation(violations: CrdViolation[], expected: string): 'literal' | 'alias' | undefined {
  const texts = violations.map(formatViolation);
  if (texts.some((text) => text.includes(expected))) return 'literal';
  const alias = ERR_ALIASES[expected.trim()];
  return alias && texts.some((text) => alias.test(text)) ? 'alias' : undefined;
}

let crds: CrdValidatorSet;
let loadMs = 0;

/** For the suites that have the CRDs: loading is memoised, so the first suite's time is the real one. */
function loadCrdsBeforeAll(): void {
  beforeAll(() => {
    const start = performance.now();
    crds = loadCrdValidators();
    loadMs ||= performance.now() - start;
  });
}

describeWithShared('crd-validator: loading', CRDS, () => {
  loadCrdsBeforeAll();
  it('loads every served kind from the agentgateway and Gateway API CRDs', () => {
    expect(crds.kinds()).toEqual([
      'AgentgatewayBackend',
      'AgentgatewayModel',
      'AgentgatewayParameters',
      'AgentgatewayPolicy',
      'Gateway',
      'GatewayClass',
      'HTTPRoute',
      'ReferenceGrant',
    ]);
    console.log(`crd-validator: loaded CRDs and compiled rules in ${loadMs.toFixed(0)} ms`);
  });

  it('compiles every x-kubernetes-validations rule and pattern (none unsupported)', () => {
    const stats = crds.celRuleStats();
    console.log('crd-validator: CEL rules', stats);
    expect(crds.unsupportedRules()).toEqual([]);
    expect(stats.compiled).toBeGreaterThan(1000);
    // The only transition rule is GatewayClass's immutable controllerName (`self == oldSelf`, v1 and v1beta1);
    // transition rules run on update only, so create-time validation skips them like the API server.
    expect(stats.transitionSkipped).toBe(2);
  });

  it('rejects an unknown kind with one violation', () => {
    const violations = crds.validate({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } });
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toContain('no CRD schema');
  });
});

describeWithShared('crd-validator: upstream fixtures', [CRDS, CRD_FIXTURES], () => {
  loadCrdsBeforeAll();
  it('accepts every object in *_valid.yaml and the e2e failover fixture', () => {
    const files = [...fixtureFiles('_valid.yaml'), 'e2e_aibackend_failover_eviction.yaml'];
    const kinds = new Set(crds.kinds());
    let accepted = 0;
    for (const file of files) {
      for (const obj of readDocs(new URL(file, FIXTURES))) {
        if (!kinds.has(String(obj.kind))) continue; // e2e file also holds a Deployment and a Service
        const violations = crds.validate(obj);
        expect(show(violations), `${file}: ${String(obj.kind)}/${nameOf(obj)}`).toBe('');
        accepted++;
      }
    }
    console.log(`crd-validator: ${accepted} valid fixture objects accepted`);
    expect(accepted).toBeGreaterThan(90);
  });

  it('rejects every object in *_invalid.yaml, with the expected error text', () => {
    let total = 0;
    let literal = 0;
    let aliased = 0;
    const unmatched: Record<string, string> = {};
    for (const file of fixtureFiles('_invalid.yaml')) {
      for (const obj of readDocs(new URL(file, FIXTURES))) {
        const expected = String(obj._err ?? '');
        delete obj._err;
        const violations = crds.validate(obj);
        total++;
        expect(violations.length, `${file}: ${nameOf(obj)} should be rejected (${expected})`).toBeGreaterThan(0);
        const how = matchesExpectation(violations, expected);
        if (how === 'literal') literal++;
        else if (how === 'alias') aliased++;
        else unmatched[nameOf(obj)] = `expected ${JSON.stringify(expected)}, got:\n${show(violations)}`;
      }
    }
    console.log(
      `crd-validator: ${total}/${total} invalid fixture objects rejected; ${literal + aliased}/${total} match their _err text ` +
        `(${literal} literally, ${aliased} via ERR_ALIASES), ${Object.keys(unmatched).length} unmatched`,
    );
    for (const [name, detail] of Object.entries(unmatched)) console.log(`  unmatched ${name}: ${detail}`);
    expect(Object.keys(unmatched).sort()).toEqual(Object.keys(TEXT_MATCH_EXCEPTIONS).sort());
    expect(total).toBeGreaterThan(120);
  });
});

describeWithShared('crd-validator: focused cases', CRDS, () => {
  loadCrdsBeforeAll();
  // The repository's own tutorial file; its Secret (not checked here) is the only object with a ${VAR}.
  const tutorial = () => readDocs(pathToFileURL(TUTORIAL));
  const byKind = (kind: string) => {
    const obj = tutorial().find((o) => o.kind === kind);
    if (!obj) throw new Error(`tutorial has no ${kind}`);
    return obj;
  };

  it('accepts the tutorial Gateway, HTTPRoute, backend and policy', () => {
    for (const kind of ['Gateway', 'HTTPRoute', 'AgentgatewayBackend', 'AgentgatewayPolicy']) {
      expect(show(crds.validate(byKind(kind))), kind).toBe('');
    }
  });

  it('rejects an HTTPRoute path match with an unknown type', () => {
    const route = byKind('HTTPRoute');
    const rules = (route.spec as Obj).rules as Array<{ matches: Array<{ path: Obj }> }>;
    rules[0]!.matches[0]!.path.type = 'Prefix';
    const text = show(crds.validate(route));
    expect(text).toContain('spec.rules[0].matches[0].path.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"');
  });

  it('rejects a backend with both provider and groups through the CEL rule', () => {
    const backend = byKind('AgentgatewayBackend');
    const ai = (backend.spec as Obj).ai as Obj;
    ai.provider = { openai: {} };
    const text = show(crds.validate(backend));
    expect(text).toContain('spec.ai: Invalid value: "object": exactly one of the fields in [provider groups] must be set');
  });

  it('applies schema defaults before CEL, on a copy', () => {
    // A ReplacePrefixMatch rewrite needs exactly one PathPrefix match. With no `matches`, only the
    // schema default ([{path: {type: PathPrefix, value: "/"}}]) makes the rule pass.
    const route = byKind('HTTPRoute');
    const rule = ((route.spec as Obj).rules as Obj[])[0]!;
    delete rule.matches;
    rule.filters = [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } }];
    expect(show(crds.validate(route))).toBe('');
    expect(rule.matches).toBeUndefined(); // the caller's object is not defaulted in place

    rule.matches = [{ path: { type: 'Exact', value: '/v1' } }];
    expect(show(crds.validate(route))).toContain(
      'spec.rules[0]: Invalid value: "object": When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    );
  });

  it('reports unknown fields and a metadata.name that is not a DNS subdomain', () => {
    const gateway = byKind('Gateway');
    (gateway.metadata as Obj).name = 'Not_A_Name';
    (gateway.spec as Obj).bogus = true;
    const text = show(crds.validate(gateway));
    expect(text).toContain('metadata.name: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain');
    expect(text).toContain('spec.bogus: unknown field "spec.bogus"');
  });

  it('reports duplicate keys in x-kubernetes-list-type: map lists', () => {
    const gateway = byKind('Gateway');
    const listeners = (gateway.spec as Obj).listeners as Obj[];
    listeners.push({ ...listeners[0], port: 8081 });
    expect(show(crds.validate(gateway))).toContain('spec.listeners[1]: Duplicate value: {"name":"http"}');
  });
});

describe('crd-validator: CEL environment', () => {
  it('has() follows map semantics and works on any operand', () => {
    expect(evaluateCel('has(self.a)', { b: 1n })).toBe(false);
    expect(evaluateCel('has(self.a)', { a: 1n })).toBe(true);
    expect(evaluateCel('has(self[size(self) - 1].when)', [{ a: 1n }, { when: 'x' }])).toBe(true);
    expect(evaluateCel("self.matches('(?i)^ABC$') && self.matches(r'^[[:alpha:]]+\\z')", 'abc')).toBe(true);
  });

  it('provides the Kubernetes URL, quantity, IP and CIDR libraries', () => {
    const url = "isURL(self) && url(self).getScheme() == 'https' && url(self).getHostname() == 'api.example.com' && url(self).getPort() == '8443'";
    expect(evaluateCel(url, 'https://api.example.com:8443/v1')).toBe(true);
    expect(evaluateCel('isURL(self)', 'api.example.com')).toBe(false);
    expect(evaluateCel("!quantity(string(self)).isLessThan(quantity('16384'))", 16384n)).toBe(true);
    expect(evaluateCel("quantity(self).isLessThan(quantity('16384'))", '16Ki')).toBe(false);
    expect(evaluateCel("quantity(self).compareTo(quantity('0.1'))", '100m')).toBe(0n);
    expect(evaluateCel("ip(self).family() == 6 && cidr('fd00::/8').containsIP(self)", 'fd00::1')).toBe(true);
    expect(evaluateCel('isIP(self)', '10.0.0.256')).toBe(false);
    expect(evaluateCel("duration(self) >= duration('1s')", '1m30s')).toBe(true);
  });
});
