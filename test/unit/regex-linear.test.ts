/**
 * functions/model/regex.ts and HTTPRoute `RegularExpression` matches: RE2 (re2js) instead of
 * JavaScript RegExp, so a backtracking pattern cannot stall the event loop on a client's header.
 * The semantics stay (a path regex matches the whole path, header and query regexes search the
 * value); a pattern RE2 refuses is refused at load, naming the field; and `^(a+)+$` against a
 * 40-byte `aaaa…a!` header, through the real server, leaves the event loop alone (with RegExp
 * that one match takes 2^39 steps: hours).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledConfig } from '../../functions/model/config.js';
import { findRule } from '../../functions/engine/route.js';
import type { GatewayRequest } from '../../functions/engine/types.js';
import { compileLinearRegex, LinearRegexError, MAX_PROGRAM_SIZE } from '../../functions/model/regex.js';
import { HELLO, servedBy, startGateway, type Gateway } from '../support/harness.js';
import { backend, backendRef, FILE, load, NS, prefix, problemsOf, provider, route, rule, toYaml, type Obj } from '../support/manifests.js';

describe('compileLinearRegex', () => {
  it('full: the whole input must match; search: any part', () => {
    const full = compileLinearRegex('/v[0-9]+/chat', 'full');
    expect(['/v1/chat', '/v12/chat', '/v1/chat/x', '/x/v1/chat'].map((s) => full.test(s))).toEqual([true, true, false, false]);
    const search = compileLinearRegex('[0-9]+', 'search');
    expect(['abc123', '123', 'abc'].map((s) => search.test(s))).toEqual([true, true, false]);
    // An alternation is matched whole, not as `^a` or `b$`: what `^(?:a|b)$` meant with RegExp.
    const alternation = compileLinearRegex('a|ab', 'full');
    expect(['a', 'ab', 'abc'].map((s) => alternation.test(s))).toEqual([true, true, false]);
  });

  it.each([
    ['a backreference', '(a)\\1'],
    ['a lookahead', 'x(?=y)'],
    ['a negative lookahead', 'x(?!y)'],
    ['a lookbehind', '(?<=x)y'],
    ['an unbalanced group', '(a'],
  ])('refuses %s with a LinearRegexError', (_label, pattern) => {
    expect(() => compileLinearRegex(pattern, 'search')).toThrow(LinearRegexError);
  });

  it(`refuses a program over ${MAX_PROGRAM_SIZE} instructions (linear, but linear times the program)`, () => {
    expect(() => compileLinearRegex('(?:[ab]{999})(?:[ab]{999})', 'search')).toThrow(/more than the limit of 1000/);
    expect(compileLinearRegex('[ab]{900}', 'search').programSize).toBeLessThanOrEqual(MAX_PROGRAM_SIZE);
  });

  it('^(a+)+$ against 40 bytes of a…a! answers at once', () => {
    const re = compileLinearRegex('^(a+)+$', 'search');
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) expect(re.test(`${'a'.repeat(39)}!`)).toBe(false);
    expect(re.test('a'.repeat(40))).toBe(true);
    // A thousand matches in well under a second; one RegExp match would take hours.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

const request = (path: string, headers: Record<string, string> = {}, query = ''): GatewayRequest => ({
  method: 'POST',
  path,
  query,
  headers,
  body: Buffer.alloc(0),
  signal: new AbortController().signal,
  id: 't',
});

describe('HTTPRoute regular expressions on RE2', () => {
  const config: CompiledConfig = load([
    backend('b', [[provider('p')]]),
    route('path', [rule([backendRef('b')], { matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+/chat' } }] })]),
    route('header', [rule([backendRef('b')], { matches: [prefix('/h', { headers: [{ name: 'X-Tenant', type: 'RegularExpression', value: 'blue|green' }] })] })]),
    route('query', [rule([backendRef('b')], { matches: [prefix('/q', { queryParams: [{ name: 'tier', type: 'RegularExpression', value: '^gold$' }] })] })]),
  ]);
  const routeOf = (req: GatewayRequest) => findRule(config, req)?.routeId;

  it.each<[string, GatewayRequest, string | undefined]>([
    ['a path regex matches the whole path', request('/v2/chat'), `${NS}/path`],
    ['not a path that only starts with a match', request('/v2/chat/x'), undefined],
    ['not a path that only ends with a match', request('/x/v2/chat'), undefined],
    ['a header regex searches the value', request('/h', { 'x-tenant': 'dark-blue-1' }), `${NS}/header`],
    ['a header value without a match', request('/h', { 'x-tenant': 'red' }), undefined],
    ['a query regex searches the value (anchors anchor)', request('/q', {}, 'tier=gold'), `${NS}/query`],
    ['a query value the anchors exclude', request('/q', {}, 'tier=golden'), undefined],
  ])('%s', (_label, req, expected) => {
    expect(routeOf(req)).toBe(expected);
  });

  it('refuses at load a path, header or query pattern RE2 cannot run, naming the field', () => {
    const problems = problemsOf(() =>
      load([
        backend('b', [[provider('p')]]),
        route('bad', [
          rule([backendRef('b')], {
            matches: [
              prefix('/ok'),
              {
                path: { type: 'RegularExpression', value: '/(v1)/\\1' },
                headers: [
                  { name: 'x-ok', type: 'Exact', value: 'fine' },
                  { name: 'x-look', type: 'RegularExpression', value: 'a(?=b)' },
                ],
                queryParams: [{ name: 'q', type: 'RegularExpression', value: '(?<!x)y' }],
              },
            ],
          }),
        ]),
      ]),
    );
    // Refused by validation, before compile: the same words as for any other invalid field.
    const at = `${FILE}: document 2: HTTPRoute bad: spec.rules[0].matches[1]`;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(new RegExp(`^${escape(at)}\\.path\\.value: invalid regular expression: .*invalid escape sequence`));
    expect(problems[1]).toMatch(new RegExp(`^${escape(at)}\\.headers\\[1\\]\\.value: invalid regular expression: .*\\(\\?=`));
    expect(problems[2]).toMatch(new RegExp(`^${escape(at)}\\.queryParams\\[0\\]\\.value: invalid regular expression: `));
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('a backtracking header pattern, through the real server', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  /** Rule 0 wants `x-probe` to match `^(a+)+$` and goes to provider `hit`; rule 1 takes the rest to `miss`. */
  const manifests = (simPort: number): string => {
    const target = (name: string): Obj => backend(name, [[provider(name, { host: '127.0.0.1', port: simPort, model: `model-${name}`, policies: { auth: { key: 'sk-test' } } })]]);
    return toYaml([
      target('hit'),
      target('miss'),
      route('probe', [
        rule([backendRef('hit')], { matches: [prefix('/v1', { headers: [{ name: 'x-probe', type: 'RegularExpression', value: '^(a+)+$' }] })] }),
        rule([backendRef('miss')], { matches: [prefix('/v1')] }),
      ]),
    ]);
  };

  it('40 bytes of a…a! are routed past the rule without blocking the event loop', async () => {
    gw = await startGateway({ config: manifests });
    // A first request loads and compiles what every request needs, so the watch sees only matching.
    await (await gw.chat(HELLO)).text();
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    try {
      // The histogram samples from its timer's second tick on: let it start first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const probes = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await gw!.chat(HELLO, { headers: { 'content-type': 'application/json', 'x-probe': `${'a'.repeat(39)}!` } });
          await res.text();
          return { status: res.status, model: servedBy(res.headers).model };
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(probes.every((p) => p.status === 200 && p.model === 'model-miss')).toBe(true);
      // Loose on purpose: a healthy run sees a few milliseconds; RegExp would block for hours.
      expect(histogram.max / 1e6).toBeLessThan(1_000);
    } finally {
      histogram.disable();
    }
    // The rule is live: a header it matches is routed by it.
    const hit = await gw.chat(HELLO, { headers: { 'content-type': 'application/json', 'x-probe': 'a'.repeat(40) } });
    expect(servedBy(hit.headers).model).toBe('model-hit');
  });
});
