/**
 * modelgate's validation against agentgateway's own CRD test fixtures (read in place from
 * ../shared/crds/agentgateway-examples, never copied), cross-checked with the test-side CRD
 * validator. See ../shared/crds/SOURCES.md for where each file comes from. A clone without
 * ../shared skips the suites that read it (describeWithShared).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileConfig } from '../../functions/model/compile.js';
import { SUPPORTED_KINDS, validateObject, type Issue, type ManifestObject } from '../../functions/model/validate.js';
import { formatViolation, loadCrdValidators, type CrdValidatorSet } from '../support/crd-validator.js';
import { tutorialText, TUTORIAL_ENV } from '../support/manifests.js';
import { CRD_FIXTURES, CRDS, describeWithShared } from '../support/shared.js';
import { expandEnv } from '../../functions/config/env.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { trustedCopy, VALIDATED_ATTRIBUTE } from '../../functions/config/validated-copy.js';
import { validatedConfigItem } from '../../functions/config/validated-item.js';

type Obj = Record<string, unknown>;

const FIXTURES = CRD_FIXTURES.dir;
// Listed when a suite is collected, not on import: without ../shared the suites are skipped instead.
const validFiles = () => [...readdirSync(FIXTURES).filter((f) => f.endsWith('_valid.yaml')), 'e2e_aibackend_failover_eviction.yaml'].sort();
const invalidFiles = () =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('_invalid.yaml'))
    .sort();

interface Fixture {
  file: string;
  /** `metadata.name`, with `#n` appended when the name occurs more than once in the file. */
  id: string;
  kind: string;
  object: Obj;
  /** The expected error of an `*_invalid.yaml` object (its `_err` key, removed from `object`). */
  err?: string;
}

function readFixtures(file: string): Fixture[] {
  const docs = parseAllDocuments(readFileSync(new URL(file, FIXTURES), 'utf8'))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Obj => typeof d === 'object' && d !== null);
  const seen = new Map<string, number>();
  const names = docs.map((d) => String((d.metadata as Obj | undefined)?.name ?? '<unnamed>'));
  return docs.map((doc, i) => {
    const { _err, ...object } = doc;
    const name = names[i]!;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    const id = names.filter((x) => x === name).length > 1 ? `${name}#${n}` : name;
    return { file, id, kind: String(object.kind), object, ...(typeof _err === 'string' && { err: _err }) };
  });
}

const supported = (f: Fixture) => (SUPPORTED_KINDS as string[]).includes(f.kind);
const issueText = (i: Issue) => (i.path ? `${i.path}: ${i.message}` : i.message);
/** `spec.ai.groups[0].providers[2].gemini` -> `spec.ai.groups[*].providers[*].gemini` */
const pathPattern = (path: string) => path.replace(/\[\d+\]/g, '[*]');

/**
 * `_err` texts written for the upstream Go harness whose wording differs from the API server's
 * (and so from modelgate's, which follows the API server). Same table as crd-validator.test.ts.
 */
const ERR_ALIASES: Record<string, RegExp> = {
  // istio's validator prints "unknown fields [a b]"; strict field validation prints `unknown field "a"`.
  'unknown fields': /unknown field "/,
};

type Outcome = 'a' | 'b' | 'c';

/** (a) refused with the expected message, (b) refused for an unsupported field, (c) refused otherwise. */
function classify(issues: readonly Issue[], err: string): Outcome {
  const expected = err.trim();
  const texts = issues.map(issueText);
  const alias = ERR_ALIASES[expected];
  if (texts.some((t) => t.includes(expected) || alias?.test(t))) return 'a';
  if (issues.some((i) => i.unsupported)) return 'b';
  return 'c';
}

/**
 * Invalid fixtures whose `_err` is a rule on a field modelgate implements (or a rule modelgate's
 * schema checks although the field itself is unsupported, e.g. "backend.mcp may not be used with a
 * Service target"). Each must be refused with that message: class (a). Every other invalid fixture
 * concerns a field modelgate refuses as unsupported (frontend, tls, mcp, custom providers, ...).
 */
const SUPPORTED_RULES: Record<string, string[]> = {
  'agentgateway_backend_invalid.yaml': [
    'prompt-guard-auxiliary-oauth-token-exchange', // unknown field spec.ai.policies
    'ai-pol-without-ai',
    'mcp-pol-without-mcp',
    'path-and-pathprefix',
    'pathprefix-without-host',
    'host-without-port',
    // Provider kinds modelgate serves since issue 7: their CRD rules, with the CRD's messages.
    'azure-invalid-deployment-name',
    'custom-provider-missing-formats',
    'custom-provider-empty-formats',
    'custom-provider-unsupported-format',
    'custom-provider-path-and-format-path',
    'custom-provider-pathprefix-and-format-path',
    'custom-provider-format-path-missing-slash',
    'custom-provider-missing-target',
    'custom-provider-backendref-and-host-port',
    'custom-provider-unsupported-backendref-kind',
  ],
  'agentgateway_policy_invalid.yaml': [
    'backend-tcp-timeout-short',
    'backend-tcp-invalid-duration',
    'backend-tcp-keepalive-retries-low',
    'backend-tcp-keepalive-retries-high',
    'backend-tcp-keepalive-time-short',
    'backend-tcp-keepalive-interval-short',
    'empty-timeouts',
    'traffic-invalid-phase',
    'ref-and-selector',
    'two-kinds',
    'traffic-hostrewrite-invalid#2', // "At least one of traffic, frontend, or backend must be provided"
    'mcp-backend',
    'ai-backend',
    'backend-guardrails-on-service',
    'bad-group',
    'traffic-invalid-phase-policy',
    'traffic-invalid-phase-policy-rule',
    'credential-ref-kind-without-group',
    'credential-ref-missing-name',
    'credential-ref-empty-name',
    'credential-ref-core-configmap',
    'credential-ref-group-without-kind',
    'credential-ref-group-empty-kind',
    'service-named-port-invalid',
    'frontend-section-and-port-invalid',
    'traffic-port-invalid',
    'frontend-traffic-port-invalid',
    'frontend-backend-port-invalid',
    // Issue 15 (prompt guards) and 16 (traffic policies), 19 (provider credentials): their CRD rules, with the CRD's messages.
    'prompt-guard-auxiliary-oauth-token-exchange',
    'bedrock-guardrails-multiple-auth',
    'bedrock-guardrails-empty-auth',
    'bedrock-guardrails-aws-location',
    'traffic-ratelimit-both',
    'traffic-ratelimit-neither',
    'traffic-ratelimit-invalid-unit',
    'traffic-ratelimit-unconditional-not-last',
    'traffic-ratelimit-conditional-empty-policy',
    'traffic-directresponse-unconditional-not-last',
    'traffic-directresponse-conditional-missing-status',
    'traffic-directresponse-body-and-expression',
    'traffic-directresponse-pseudo-header',
    'traffic-jwt-mcp-nonstrict',
    'remote-jwks-backend-ref-without-path',
    'remote-jwks-url-with-path-field',
    'azure-managed-identity-multiple-identifiers',
  ],
};

/** Invalid fixtures allowed in class (c), with the reason. Keep empty if possible. */
const OTHER_REASON: Record<string, string> = {};

/**
 * Objects in the valid fixtures that use only what modelgate implements: exactly these are
 * accepted; every other one is refused, and only with `unsupported` issues.
 */
const EXPECTED_ACCEPTED: Record<string, string[]> = {
  // `ai-providers` (vertexai, azureopenai, gemini) and a custom host; custom backendRefs stay Kubernetes-only.
  'agentgateway_backend_valid.yaml': ['ai-simple', 'ai-providers', 'custom-provider-direct-host-port'],
  // Refused: openai-default (policies headers, tls, tunnel), llama-inference-pool (custom.backendRef to an InferencePool).
  'agentgateway_model_valid.yaml': ['bedrock', 'suffix-wildcard', 'openai-models', 'anthropic-models', 'fast', 'resilient', 'smart'],
  'agentgateway_policy_valid.yaml': [
    'backend-tcp-keepalive',
    'backend-tcp-timeout',
    'backend-ai-prompt',
    'backend-auth-inline',
    'backend-auth-secret',
    // Issue 15: Bedrock guardrails; issue 16: rate limits, CORS, direct responses, credential locations as CEL.
    'bedrock-guardrails-api-key',
    'bedrock-guardrails-inline-key-location',
    'traffic-ratelimit-local-requests',
    'traffic-ratelimit-local-tokens',
    'traffic-cors',
    'traffic-timeouts',
    'traffic-multi-ratelimit',
    'rate-limit-conditional',
    'rate-limit-conditional-fallback',
    'direct-response-conditional',
    'direct-response-conditional-fallback',
    'jwt-auth-expression-location',
    'api-key-auth-expression-location',
    'basic-auth-expression-location',
    'backend-auth-credential-ref-explicit-secret',
    'backend-auth-credential-ref-empty-secret-kind',
    'backend-auth-credential-ref-secret-kind',
  ],
  'e2e_aibackend_failover_eviction.yaml': ['llm-failover', 'openai-failover', 'openai-failover-eviction'],
};

let crds: CrdValidatorSet;

describeWithShared('model: upstream valid fixtures', CRD_FIXTURES, () => {
  const VALID_FILES = validFiles();
  const INVALID_FILES = invalidFiles();

  it('finds the fixture files', () => {
    expect(VALID_FILES).toEqual(['agentgateway_backend_valid.yaml', 'agentgateway_model_valid.yaml', 'agentgateway_policy_valid.yaml', 'e2e_aibackend_failover_eviction.yaml']);
    expect(INVALID_FILES).toEqual(['agentgateway_backend_invalid.yaml', 'agentgateway_policy_invalid.yaml']);
  });

  it.each(VALID_FILES)('%s: each object is accepted, or refused only for unsupported fields', (file) => {
    const fixtures = readFixtures(file).filter(supported);
    const accepted: string[] = [];
    const unsupportedPaths = new Set<string>();
    const wrongly: string[] = [];
    for (const f of fixtures) {
      const v = validateObject(f.object);
      if (v.ok) {
        accepted.push(f.id);
        continue;
      }
      for (const issue of v.issues) {
        if (issue.unsupported) unsupportedPaths.add(pathPattern(issue.path));
        else wrongly.push(`${f.kind} ${f.id}: ${issueText(issue)}`);
      }
    }
    const skipped = readFixtures(file).length - fixtures.length;
    console.log(
      `${file}: ${fixtures.length} objects of supported kinds (${skipped} of other kinds skipped): ` +
        `${accepted.length} accepted, ${fixtures.length - accepted.length} refused as unsupported` +
        (unsupportedPaths.size ? `\n  unsupported: ${[...unsupportedPaths].sort().join(', ')}` : ''),
    );
    expect(wrongly, 'valid upstream objects refused for a reason other than an unsupported field').toEqual([]);
    expect(accepted).toEqual(EXPECTED_ACCEPTED[file]);
  });

  it.each(VALID_FILES)("%s: each accepted object's validated copy (what the Lambda takes without validating) is the validated object, read back exactly", (file) => {
    let copies = 0;
    for (const f of readFixtures(file).filter(supported)) {
      const v = validateObject(f.object);
      if (!v.ok) continue;
      const item = validatedConfigItem(f.object as ManifestObject, 'build-1');
      const copy = trustedCopy(item.sk!.S, item[CONFIG_ATTRIBUTE]!.S, item[VALIDATED_ATTRIBUTE]!.S, 'build-1');
      // Strictly: a key present with `undefined`, lost in JSON, would fail here.
      expect(copy, f.id).toStrictEqual({ object: v.object, warnings: v.warnings });
      copies++;
    }
    expect(copies).toBe(EXPECTED_ACCEPTED[file]!.length);
  });

  it('the e2e failover fixture compiles to two groups with its eviction policy', () => {
    const objects = readFixtures('e2e_aibackend_failover_eviction.yaml')
      .filter(supported)
      .map((f) => validateObject(f.object))
      .flatMap((v) => (v.ok ? [v.object] : []));
    const config = compileConfig(objects as ManifestObject[]);
    const backend = config.backends.find((b) => b.id === 'default/openai-failover')!;
    expect(backend.groups.map((g) => g.map((p) => p.name))).toEqual([['openai'], ['openai-fallback']]);
    const [primary, fallback] = backend.providers;
    expect(primary!.target).toMatchObject({ kind: 'openai', model: 'gpt-4o-mini', baseUrl: 'http://mock-llm-primary.default.svc.cluster.local:9234', apiKey: 'openai-key' });
    expect(fallback!.target.baseUrl).toBe('http://ai-testbox.default.svc.cluster.local:9234');
    for (const p of backend.providers) {
      expect(p.health.condition?.source).toBe('response.code >= 500');
      expect(p.health.eviction).toEqual({ durationMs: 60_000, consecutiveFailures: 3, restoreHealth: 1 });
    }
    // The route's Gateway lives in another namespace and is not in the file: nothing to refuse it for.
    expect(config.rules.map((r) => r.id)).toEqual(['default/llm-failover#openai-failover']);
    expect(config.rules[0]!.matches[0]!.headers).toEqual([{ name: 'x-test-failover', exact: '1' }]);
  });
});

describeWithShared('model: upstream invalid fixtures', CRD_FIXTURES, () => {
  it.each(invalidFiles())('%s: every object is refused; supported rules with their own message', (file) => {
    const fixtures = readFixtures(file);
    expect(fixtures.every((f) => f.err !== undefined && supported(f))).toBe(true);
    const classes: Record<Outcome, string[]> = { a: [], b: [], c: [] };
    const acceptedInvalid: string[] = [];
    for (const f of fixtures) {
      const v = validateObject(f.object);
      if (v.ok) {
        acceptedInvalid.push(f.id);
        continue;
      }
      const outcome = classify(v.issues, f.err!);
      classes[outcome].push(f.id);
    }
    console.log(
      `${file}: ${fixtures.length} objects: (a) refused with the expected message ${classes.a.length}, ` +
        `(b) refused as unsupported ${classes.b.length}, (c) refused for another reason ${classes.c.length}` +
        (classes.c.length ? `\n  (c): ${classes.c.join(', ')}` : ''),
    );
    expect(acceptedInvalid, 'invalid upstream objects accepted').toEqual([]);

    const listed = SUPPORTED_RULES[file] ?? [];
    // The list names real fixtures (a rename upstream must not silently shrink the claim).
    expect(listed.filter((id) => !fixtures.some((f) => f.id === id))).toEqual([]);
    expect(
      listed.filter((id) => !classes.a.includes(id)),
      'supported rules not refused with the expected message',
    ).toEqual([]);
    // Nothing is refused for a reason the fixture does not name, unless explained above.
    expect(classes.c.filter((id) => !(id in OTHER_REASON))).toEqual([]);
  });
});

describe('model: fixture classification', () => {
  it('the classification can tell the classes apart', () => {
    const issue = (message: string, unsupported = false): Issue => ({ path: 'spec.x', message, unsupported });
    expect(classify([issue('both host and port must be set together')], 'both host and port')).toBe('a');
    expect(classify([{ path: 'spec.ai', message: 'unknown field "spec.ai.policies"', unsupported: false }], 'unknown fields')).toBe('a');
    expect(classify([issue('is not supported by modelgate yet', true)], 'both host and port')).toBe('b');
    expect(classify([issue('Required value')], 'both host and port')).toBe('c');
  });
});

describeWithShared('model: cross-check with the CRD validator', [CRDS, CRD_FIXTURES], () => {
  const all = () => [...validFiles(), ...invalidFiles()].flatMap(readFixtures).filter(supported);
  beforeAll(() => {
    crds = loadCrdValidators();
  });

  it('modelgate never accepts an object the CRDs reject, and what it accepts validates clean', () => {
    const disagreements: string[] = [];
    let accepted = 0;
    let checked = 0;
    for (const f of all()) {
      if (f.kind === 'Secret') continue; // core kind: no CRD (and no Secret in these fixtures)
      checked++;
      if (!validateObject(f.object).ok) continue;
      accepted++;
      const violations = crds.validate(f.object);
      if (violations.length > 0) disagreements.push(`${f.file} ${f.kind} ${f.id}: ${violations.map(formatViolation).join('; ')}`);
    }
    console.log(`cross-check: ${checked} fixture objects, ${accepted} accepted by modelgate, all clean against the CRDs`);
    expect(checked).toBeGreaterThan(150);
    expect(disagreements).toEqual([]);
  });

  it('the CRDs reject every invalid fixture and accept every valid one (the oracle itself)', () => {
    for (const f of all()) {
      if (f.kind === 'Secret') continue;
      const violations = crds.validate(f.object);
      if (f.err !== undefined) expect(violations.length, `${f.file} ${f.id}`).toBeGreaterThan(0);
      else expect(violations.map(formatViolation), `${f.file} ${f.id}`).toEqual([]);
    }
  });
});

describeWithShared('model: the tutorial file, cross-checked with the CRD validator', CRDS, () => {
  it('the tutorial file: modelgate accepts every object, and so do the CRDs', () => {
    // The repository's own file, its ${ANTHROPIC_API_KEY} expanded as the manifest loader would.
    const objects = parseAllDocuments(tutorialText()).map((d) => expandEnv(d.toJS() as Obj, TUTORIAL_ENV));
    expect(objects.map((o) => validateObject(o).ok)).toEqual(objects.map(() => true));
    const checked = objects.filter((o) => o.kind !== 'Secret');
    expect(checked).toHaveLength(4);
    const crds = loadCrdValidators();
    for (const o of checked) expect(crds.validate(o).map(formatViolation), String(o.kind)).toEqual([]);
  });
});
