/**
 * CEL conditions (functions/model/cel*.ts) cannot block the event loop: `matches()` runs on RE2 and
 * a literal pattern RE2 refuses is refused at load; an expression whose estimated cost passes the
 * limit is refused at load, naming the field and the limit; the context CEL is handed is bounded,
 * so the estimate holds however many headers a request carries. What conditions did before still
 * holds: `response.code == 404`, header lookups, `llm.*`, and an evaluation error counts as false.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { CEL_CONTEXT_LIMITS, CEL_COST_LIMIT } from '../../functions/model/cel-bounds.js';
import { CelSyntaxError, compileCondition, type CelContext } from '../../functions/model/cel.js';
import { HELLO, servedBy, startGateway, type Gateway } from '../support/harness.js';
import { backend, backendRef, FILE, load, NS, policy, problemsOf, provider, route, rule, targetBackend, targetRoute } from '../support/manifests.js';

const context = (over: { request?: Partial<CelContext['request']>; response?: CelContext['response']; llm?: Partial<CelContext['llm']> } = {}): CelContext => ({
  request: { method: 'POST', path: '/v1/chat/completions', host: 'gw', headers: {}, ...over.request },
  ...(over.response && { response: over.response }),
  llm: { provider: 'anthropic', streaming: false, ...over.llm },
});
const answer = (code: number, headers: Record<string, string> = {}) => context({ response: { code, headers } });
const test = (source: string, ctx: CelContext) => compileCondition(source).test(ctx);

/** `[1,2,...,n]` */
const list = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(',')}]`;

describe('CEL conditions keep their meaning', () => {
  it.each<[string, CelContext, boolean]>([
    ['response.code == 404', answer(404), true],
    ['response.code == 404', answer(200), false],
    ['response.code >= 500', answer(503), true],
    ['response.headers["x"] == "y"', answer(200, { x: 'y' }), true],
    ['response.headers["x"] == "y"', answer(200, { x: 'z' }), false],
    ['llm.requestModel == "m" && llm.inputTokens > 10', context({ llm: { requestModel: 'm', inputTokens: 11 } }), true],
    ['llm.streaming', context({ llm: { streaming: true } }), true],
    // Evaluation errors (a missing header, no response, a wrong type) count as false.
    ['response.headers["missing"] == "y"', answer(200), false],
    ['response.code == 404', context(), false],
    ['request.path + 1 == 2', context(), false],
  ])('%s', (source, ctx, expected) => {
    expect(test(source, ctx)).toBe(expected);
  });
});

describe('CEL matches() on RE2', () => {
  it('searches the string, as CEL (and RE2) define it', () => {
    const ctx = answer(200, { 'x-error': 'upstream: model overloaded, try later' });
    expect(test('response.headers["x-error"].matches("overload(ed)?")', ctx)).toBe(true);
    expect(test('response.headers["x-error"].matches("^overloaded")', ctx)).toBe(false);
    expect(test('response.headers["x-error"].matches("(?i)^UPSTREAM: [a-z ]+,")', ctx)).toBe(true);
    expect(test('["a1", "b2"].exists(s, s.matches("^b[0-9]$"))', ctx)).toBe(true);
  });

  it('refuses a literal pattern RE2 cannot run, at load', () => {
    expect(() => compileCondition('request.headers["x"].matches("(a)\\\\1")')).toThrow(CelSyntaxError);
    expect(() => compileCondition('request.headers["x"].matches("a(?=b)")')).toThrow(/invalid regular expression in matches\(\): .*\(\?=/);
    // Inside a macro too: the pattern is found in the expansion's arguments.
    expect(() => compileCondition('request.headers.exists(k, k.matches("(?!x)"))')).toThrow(/invalid regular expression in matches\(\)/);
  });

  it('names the field when a config carries such a pattern', () => {
    const problems = problemsOf(() =>
      load([
        backend('b', [[provider('p')]]),
        policy('health', [targetBackend('b')], { backend: { health: { unhealthyCondition: 'response.headers["x"].matches("(a)\\\\1")' } } }),
        route('r', [rule([backendRef('b')])]),
        policy('retry', [targetRoute('r')], { traffic: { retry: { condition: 'request.path.matches("x(?<=y)")' } } }),
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^${FILE}: document 2: AgentgatewayPolicy ${NS}/health: spec\\.backend\\.health\\.unhealthyCondition: invalid regular expression in matches\\(\\): .*\\\\1`),
      ),
      expect.stringMatching(new RegExp(`^${FILE}: document 4: AgentgatewayPolicy ${NS}/retry: spec\\.traffic\\.retry\\.condition: invalid regular expression in matches\\(\\): `)),
    ]);
  });

  it('a pattern computed at evaluation that RE2 refuses is an evaluation error: false', () => {
    // The pattern is picked at evaluation, so load cannot check it (and does not refuse it).
    const condition = compileCondition('response.headers["x"].matches(["^a+$", "(a)\\\\1"][response.code == 200 ? 0 : 1])');
    expect(condition.test(answer(200, { x: 'aa' }))).toBe(true);
    expect(condition.test(answer(500, { x: 'aa' }))).toBe(false);
  });

  it('a pattern taken from a header is refused at load: compiling it on every answer is too costly', () => {
    expect(() => compileCondition('request.headers["x"].matches(request.headers["p"])')).toThrow(/CEL expression too costly/);
  });
});

describe('CEL cost limit', () => {
  const cubed = `${list(150)}.all(x, ${list(150)}.all(y, ${list(150)}.exists(z, z == 0)))`;

  it(`refuses the 150³ comprehension at load, naming the field and the limit of ${CEL_COST_LIMIT}`, () => {
    const problems = problemsOf(() => load([backend('b', [[provider('p', { policies: { health: { unhealthyCondition: cubed } } })]])]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(
        `^${FILE}: document 1: AgentgatewayBackend ${NS}/b: spec\\.ai\\.groups\\[0\\]\\.providers\\[0\\]\\.policies\\.health\\.unhealthyCondition: CEL expression too costly: estimated cost [0-9,]+ exceeds the limit of 100,000`,
      ),
    );
  });

  it.each([
    ['nested map chains', `${list(150)}.map(x, ${list(150)}.map(y, ${list(150)}.map(z, z))).size() > 0`],
    ['a filter over a map', `${list(150)}.filter(x, ${list(150)}.map(y, ${list(150)}).size() > 0).size() > 0`],
    ['headers against headers against headers', 'request.headers.all(a, request.headers.all(b, request.headers.all(c, a + b + c != "")))'],
    [
      'a concatenation doubled by cel.bind',
      'cel.bind(a, request.path + request.path, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, cel.bind(e, d + d, e.split("").exists(x, x.size() > e.size()))))))',
    ],
  ])('refuses %s', (_label, source) => {
    expect(() => compileCondition(source)).toThrow(/CEL expression too costly: estimated cost [0-9,]+ exceeds the limit of 100,000/);
  });

  it.each([
    'response.code == 429 || (response.code >= 500 && response.headers["retry-after"] != "")',
    'request.headers.exists(k, request.headers[k].contains("canary"))',
    'request.headers.exists(k, k.startsWith("x-debug-") && request.headers[k].matches("^(1|true|yes)$"))',
    'response.headers["x-ratelimit"].split(",").exists(p, p.trim() == "exhausted")',
    `${list(150)}.exists(x, x == response.code)`,
  ])('accepts %s', (source) => {
    expect(() => compileCondition(source)).not.toThrow();
  });

  it("cel-js's own parse limits refuse an oversized literal", () => {
    expect(() => compileCondition(`${list(300)}.size() > 0`)).toThrow(/invalid CEL expression: .*maxListElements \(256\)/);
  });
});

describe('the context CEL sees is bounded', () => {
  const { headers: MAX_HEADERS, valueChars } = CEL_CONTEXT_LIMITS;
  /** 5,000 headers of 4,096 characters each, `needle` as the value of the header at `needleAt`. */
  const crowded = (needleAt: number): CelContext => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 5_000; i++) headers[`x-h-${i}`] = i === needleAt ? 'needle' : 'v'.repeat(4_096);
    return context({ request: { headers } });
  };

  it(`only the first ${MAX_HEADERS} headers, each cut to ${valueChars} characters`, () => {
    const search = 'request.headers.exists(k, request.headers[k] == "needle")';
    expect(test(search, crowded(MAX_HEADERS - 1))).toBe(true);
    expect(test(search, crowded(MAX_HEADERS))).toBe(false);
    expect(test('request.headers.size() == 100', crowded(-1))).toBe(true);
    expect(test(`request.headers["x-h-0"].size() == ${valueChars}`, crowded(-1))).toBe(true);
    expect(test('request.path.size() == 1024', context({ request: { path: `/${'p'.repeat(5_000)}` } }))).toBe(true);
  });

  it('a condition iterating 5,000 headers of 4 KiB evaluates within the bound', () => {
    // Unbounded, each evaluation counts 20 million code points (~0.3 s); bounded, 100 thousand.
    const condition = compileCondition('request.headers.all(k, request.headers[k].size() > 0)');
    const ctx = crowded(-1);
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(condition.test(ctx)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('a backtracking matches() in an unhealthyCondition, through the real server', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('40 bytes of a…a! are judged without blocking the event loop', async () => {
    gw = await startGateway({
      config: {
        groups: [[{ name: 'a' }], [{ name: 'b' }]],
        backendPolicy: { health: { unhealthyCondition: 'request.headers["x-probe"].matches("^(a+)+$")', eviction: { duration: '60s' } } },
      },
    });
    const send = (probe: string) => gw!.chat(HELLO, { headers: { 'content-type': 'application/json', 'x-probe': probe } });
    // A first request loads and compiles what every request needs, so the watch sees only judging.
    await (await send('warm-up')).text();
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    try {
      // The histogram samples from its timer's second tick on: let it start first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const served = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await send(`${'a'.repeat(39)}!`);
          await res.text();
          return { status: res.status, model: servedBy(res.headers).model };
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(served.every((s) => s.status === 200 && s.model === 'model-a')).toBe(true);
      // Loose on purpose: a healthy run sees a few milliseconds; RegExp would block for hours.
      expect(histogram.max / 1e6).toBeLessThan(1_000);
    } finally {
      histogram.disable();
    }
    // The condition is live: an answer to a matching header is unhealthy, which evicts `a`.
    expect(servedBy((await send('a'.repeat(40))).headers).model).toBe('model-a');
    expect(servedBy((await send('none')).headers).model).toBe('model-b');
  });
});
