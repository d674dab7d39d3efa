/**
 * CEL conditions are checked at load against the variables modelgate provides
 * (functions/model/cel.ts, cel-names.ts): a field or variable that does not exist is refused,
 * naming the config field that holds it; one agentgateway has and modelgate does not is refused as
 * "not provided by modelgate". Conditions over every provided variable evaluate as before, with
 * CEL's integer type for codes and token counts, and an evaluation error still counts as false.
 */
import { describe, expect, it } from 'vitest';
import { CelSyntaxError, compileCondition, type CelContext } from '../../functions/model/cel.js';
import { backend, backendRef, FILE, load, NS, policy, problemsOf, provider, route, rule, targetBackend, targetRoute } from '../support/manifests.js';

const context = (over: { request?: Partial<CelContext['request']>; response?: CelContext['response']; llm?: Partial<CelContext['llm']> } = {}): CelContext => ({
  request: { method: 'POST', path: '/v1/chat/completions', host: 'gw.example', headers: { 'x-tenant': 'a' }, ...over.request },
  ...(over.response && { response: over.response }),
  llm: { provider: 'anthropic', streaming: false, ...over.llm },
});
const answer = (code: number, headers: Record<string, string> = {}, llm: Partial<CelContext['llm']> = {}) => context({ response: { code, headers }, llm });
const refusal = (source: string): string => {
  try {
    compileCondition(source);
  } catch (error) {
    if (error instanceof CelSyntaxError) return error.message;
    throw error;
  }
  throw new Error(`${source} was accepted`);
};

describe('a name that does not exist is refused at load, naming the field', () => {
  it('response.status, llm.model and request.header, each at its own config field', () => {
    const problems = problemsOf(() =>
      load([
        backend('b', [[provider('p', { policies: { health: { unhealthyCondition: 'request.header["x-tenant"] == "a"' } } })]]),
        policy('health', [targetBackend('b')], { backend: { health: { unhealthyCondition: 'response.status == 404' } } }),
        route('r', [rule([backendRef('b')])]),
        policy('retry', [targetRoute('r')], { traffic: { retry: { condition: 'llm.model == "claude-opus-4-6"' } } }),
      ]),
    );
    expect(problems).toEqual([
      `${FILE}: document 1: AgentgatewayBackend ${NS}/b: spec.ai.groups[0].providers[0].policies.health.unhealthyCondition: unknown field request.header in CEL expression (request has method, path, host, headers): did you mean request.headers?`,
      `${FILE}: document 4: AgentgatewayPolicy ${NS}/retry: spec.traffic.retry.condition: unknown field llm.model in CEL expression (llm has provider, requestModel, responseModel, streaming, inputTokens, outputTokens, totalTokens): did you mean llm.requestModel or llm.responseModel?`,
    ]);
    // The provider's own policies win over the policy's health (merge order), so the policy's
    // mistake is not compiled there; on its own it is reported at the policy.
    expect(
      problemsOf(() => load([backend('b', [[provider('p')]]), policy('health', [targetBackend('b')], { backend: { health: { unhealthyCondition: 'response.status == 404' } } })])),
    ).toEqual([
      `${FILE}: document 2: AgentgatewayPolicy ${NS}/health: spec.backend.health.unhealthyCondition: unknown field response.status in CEL expression (response has code, headers)`,
    ]);
  });

  it.each([
    ['has(response.status)', 'unknown field response.status'],
    ['response["status"] == 404', 'unknown field response.status'],
    ['response.code == 404 || response.status == 404', 'unknown field response.status'],
    ['request.headers.exists(k, response.status == 404)', 'unknown field response.status'],
    ['respons.code == 404', 'unknown variable respons in CEL expression (modelgate provides request, response, llm): did you mean response?'],
    ['status == 404', 'unknown variable status in CEL expression (modelgate provides request, response, llm)'],
    // Where cel-names.ts does not follow the value, cel-js's own check still finds the name.
    ['cel.bind(r, response, r.status == 404)', 'invalid CEL expression: No such key: status'],
  ])('%s', (source, message) => {
    expect(refusal(source)).toContain(message);
  });

  it('every unknown name at once', () => {
    expect(refusal('response.status == 404 && llm.model == "m"')).toBe(
      'unknown field response.status in CEL expression (response has code, headers); ' +
        'unknown field llm.model in CEL expression (llm has provider, requestModel, responseModel, streaming, inputTokens, outputTokens, totalTokens): did you mean llm.requestModel or llm.responseModel?',
    );
  });

  it.each([
    ['source.address == "10.0.0.1"', 'source is not provided by modelgate (modelgate provides request, response, llm)'],
    ['jwt.sub == "me"', 'jwt is not provided by modelgate'],
    ['backend.name == "b"', 'backend is not provided by modelgate'],
    ['request.body.size() > 0', 'request.body is not provided by modelgate (request has method, path, host, headers)'],
    ['request.uri.contains("x")', 'request.uri is not provided by modelgate'],
    ['response.grpcStatus == 14', 'response.grpcStatus is not provided by modelgate (response has code, headers)'],
    ['llm.cachedInputTokens > 0', 'llm.cachedInputTokens is not provided by modelgate'],
    ['llm.params.temperature > 0.5', 'llm.params is not provided by modelgate'],
  ])('what agentgateway has and modelgate does not: %s', (source, message) => {
    expect(refusal(source)).toContain(message);
  });

  it('a condition that is not a bool could never be true: refused', () => {
    expect(refusal('response.code')).toBe('CEL condition must evaluate to a bool, not int');
    expect(refusal('request.headers["x"]')).toBe('CEL condition must evaluate to a bool, not string');
    expect(refusal('response')).toBe('CEL condition must evaluate to a bool, not response');
  });

  it('iteration and cel.bind variables are names too', () => {
    for (const source of ['request.headers.exists(k, k == "x-tenant")', 'cel.bind(c, response.code, c == 404)', 'request.headers.exists(response, response == "a")']) {
      expect(() => compileCondition(source), source).not.toThrow();
    }
  });
});

describe('conditions over every variable evaluate as before', () => {
  it.each<[string, CelContext, boolean]>([
    ['request.method == "POST"', context(), true],
    ['request.method == "GET"', context(), false],
    ['request.path.startsWith("/v1/")', context(), true],
    ['request.path == "/v1/messages"', context(), false],
    ['request.host == "gw.example"', context(), true],
    ['request.host.endsWith(".internal")', context(), false],
    ['request.headers["x-tenant"] == "a"', context(), true],
    ['"x-tenant" in request.headers', context(), true],
    ['"x-other" in request.headers', context(), false],
    ['response.code == 404', answer(404), true],
    ['response.code == 404', answer(200), false],
    ['response.code == 404 || response.code == 429', answer(429), true],
    ['response.code in [404, 429]', answer(500), false],
    ['response.code >= 500 && response.code < 600', answer(503), true],
    // CEL ints, as in agentgateway: integer division.
    ['response.code / 100 == 5', answer(503), true],
    ['response.code / 100 == 5', answer(404), false],
    ['type(response.code) == int', answer(200), true],
    ['response.headers["retry-after"] == "30"', answer(429, { 'retry-after': '30' }), true],
    ['int(response.headers["retry-after"]) > 60', answer(429, { 'retry-after': '30' }), false],
    ['llm.provider == "anthropic"', answer(200), true],
    ['llm.provider == "openai"', answer(200), false],
    ['llm.requestModel == "claude-opus-4-6-FAKE"', answer(404, {}, { requestModel: 'claude-opus-4-6-FAKE' }), true],
    ['llm.responseModel.startsWith("claude-sonnet")', answer(200, {}, { responseModel: 'claude-sonnet-4-6' }), true],
    ['llm.responseModel.startsWith("claude-sonnet")', answer(200, {}, { responseModel: 'gpt-4o' }), false],
    ['llm.streaming', answer(200, {}, { streaming: true }), true],
    ['!llm.streaming', answer(200, {}, { streaming: true }), false],
    ['llm.inputTokens > 1000', answer(200, {}, { inputTokens: 1001 }), true],
    ['llm.outputTokens == 0', answer(200, {}, { outputTokens: 0 }), true],
    ['llm.totalTokens >= 2000', answer(200, {}, { totalTokens: 1999 }), false],
    ['llm.inputTokens + llm.outputTokens == llm.totalTokens', answer(200, {}, { inputTokens: 3, outputTokens: 4, totalTokens: 7 }), true],
    ['has(llm.inputTokens)', answer(200, {}, { inputTokens: 5 }), true],
    ['has(llm.inputTokens)', answer(200), false],
    ['has(response.headers.etag)', answer(200, { etag: 'x' }), true],
  ])('%s', (source, ctx, expected) => {
    expect(compileCondition(source).test(ctx)).toBe(expected);
  });

  it.each<[string, CelContext]>([
    // What is missing at evaluation is an evaluation error: false, as in agentgateway.
    ['response.headers["x-missing"] == "1"', answer(200)],
    ['response.code == 404', context()],
    ['llm.inputTokens > 0', answer(200)],
    ['llm.requestModel == "m"', answer(200)],
    // A count that is not an integer is left out rather than crashing the conversion.
    ['llm.inputTokens > 0', answer(200, {}, { inputTokens: 1.5 })],
  ])('%s is false when the value is missing', (source, ctx) => {
    expect(compileCondition(source).test(ctx)).toBe(false);
  });

  it('a condition that names only what exists but does not type-check keeps its dynamic meaning', () => {
    // `int == double` has no CEL overload; modelgate has always compared the numbers.
    expect(compileCondition('response.code == 404.0').test(answer(404))).toBe(true);
    expect(compileCondition('response.code == 404.0').test(answer(200))).toBe(false);
    // An operation CEL does not define stays an evaluation error: false.
    expect(compileCondition('request.path + 1 == 2').test(context())).toBe(false);
  });

  it('matches() still runs on RE2 in a type-checked condition', () => {
    const condition = compileCondition('response.headers["x-error"].matches("overload(ed)?") && response.code == 529');
    expect(condition.test(answer(529, { 'x-error': 'model overloaded' }))).toBe(true);
    expect(condition.test(answer(529, { 'x-error': 'fine' }))).toBe(false);
    expect(() => compileCondition('response.headers["x"].matches("(a)\\\\1")')).toThrow(/invalid regular expression in matches\(\)/);
  });
});
