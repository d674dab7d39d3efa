/**
 * `ai.transformations`, `ai.finalTransformations` and `ai.routes` at load: the CRD's shapes
 * accepted, bad CEL refused naming the field (syntax, a name modelgate lacks, `response` which does
 * not exist yet, a wrong type, too costly), route types modelgate cannot serve refused with the
 * reason, and compiled expressions evaluated over a request as agentgateway does (`llmRequest`).
 */
import { describe, expect, it } from 'vitest';
import { compileTransformation, TransformationError } from '../../functions/model/compile-ai-transformations.js';
import type { CompiledConfig } from '../../functions/model/config.js';
import { compileYaml, gatewayYaml, type GatewaySpec } from '../support/harness.js';

const spec = (ai: Record<string, unknown>): GatewaySpec => ({ groups: [[{ name: 'a', kind: 'openai' }]], backendPolicy: { ai } });
const load = (ai: Record<string, unknown>): CompiledConfig => compileYaml(gatewayYaml(spec(ai), 9));
const refusal = (ai: Record<string, unknown>): string => {
  try {
    load(ai);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config loaded');
};
const POLICY = 'AgentgatewayPolicy gw/backend-policy: spec.backend.ai';
const input = (llmRequest: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  request: { method: 'POST', path: '/v1/chat/completions', host: 'gw', headers },
  llmRequest: Object.fromEntries(Object.entries(llmRequest).map(([k, v]) => [k, typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v])),
});

describe('ai.transformations and ai.finalTransformations at load', () => {
  it('compile onto every provider the policy reaches, in order', () => {
    const config = load({
      transformations: [{ field: 'max_tokens', expression: 'int(request.headers["x-max-tokens"])' }],
      finalTransformations: [
        { field: 'model', expression: 'llmRequest.model.stripPrefix("openai/")' },
        { field: 'user', expression: 'request.headers["x-user"]' },
      ],
    });
    const ai = config.backends[0]!.providers[0]!.ai;
    expect(ai.transformations!.map((t) => [t.field, t.source])).toEqual([['max_tokens', 'int(request.headers["x-max-tokens"])']]);
    expect(ai.finalTransformations!.map((t) => t.field)).toEqual(['model', 'user']);
  });

  it('bad CEL is refused naming the policy, the list, the index and the field', () => {
    expect(refusal({ transformations: [{ field: 'max_tokens', expression: 'llmRequest.max_tokens +' }] })).toContain(
      `${POLICY}.transformations[0].expression (field max_tokens): invalid CEL expression`,
    );
    expect(refusal({ transformations: [{ field: 'a', expression: '1' }], finalTransformations: [{ field: 'user', expression: 'request.header["x-user"]' }] })).toMatch(
      /finalTransformations\[0\]\.expression \(field user\): unknown field request\.header .*did you mean request\.headers/,
    );
    expect(refusal({ transformations: [{ field: 'x', expression: 'jwt.sub' }] })).toContain('transformations[0].expression (field x): jwt is not provided by modelgate');
    expect(refusal({ transformations: [{ field: 'x', expression: 'response.code' }] })).toContain('response is not available in a transformation');
    expect(refusal({ transformations: [{ field: 'x', expression: 'request.path + 1' }] })).toContain('transformations[0].expression (field x): invalid CEL expression');
    expect(refusal({ transformations: [{ field: 'x', expression: 'request.path.matches("(")' }] })).toContain('invalid regular expression in matches()');
    expect(refusal({ finalTransformations: [{ field: 'stream', expression: 'true' }] })).toContain(`${POLICY}.finalTransformations[0].field: stream cannot be transformed`);
  });

  it('an expression whose cost over a request body cannot be kept small is refused; reading the model is cheap', () => {
    expect(refusal({ transformations: [{ field: 'messages', expression: 'llmRequest.messages.filter(m, llmRequest.messages.exists(n, n == m))' }] })).toMatch(
      /transformations\[0\]\.expression \(field messages\): CEL expression too costly/,
    );
    expect(() =>
      load({ transformations: [{ field: 'model', expression: 'llmRequest.model.startsWith("openai/") ? llmRequest.model.stripPrefix("openai/") : llmRequest.model' }] }),
    ).not.toThrow();
  });

  it("the CRD's shape: field and expression required, at most 64 entries", () => {
    expect(refusal({ transformations: [{ field: 'x' }] })).toMatch(/transformations\[0\]\.expression/);
    expect(refusal({ transformations: [] })).toMatch(/transformations/);
    expect(refusal({ transformations: Array.from({ length: 65 }, (_, i) => ({ field: `f${i}`, expression: '1' })) })).toMatch(/transformations/);
  });
});

describe('compiled transformations, evaluated', () => {
  it('over the body as CEL values (integers are ints) and the request headers, results back as JSON', () => {
    expect(compileTransformation('max_tokens', 'llmRequest.max_tokens * 2').evaluate(input({ max_tokens: 21 }))).toBe(42);
    expect(compileTransformation('model', 'llmRequest.model.stripPrefix("openai/")').evaluate(input({ model: 'openai/gpt-4o' }))).toBe('gpt-4o');
    expect(compileTransformation('metadata', '{"user_id": request.headers["x-user"], "tags": ["a", "b"]}').evaluate(input({}, { 'x-user': 'alice' }))).toEqual({
      user_id: 'alice',
      tags: ['a', 'b'],
    });
    expect(compileTransformation('temperature', 'double(request.headers["x-t"])').evaluate(input({}, { 'x-t': '0.25' }))).toBe(0.25);
  });

  it('an expression that fails to evaluate gives nothing (the field is left as it was)', () => {
    expect(compileTransformation('max_tokens', 'int(request.headers["x-max-tokens"])').evaluate(input({}))).toBeUndefined();
    expect(compileTransformation('max_tokens', 'int(request.headers["x-max-tokens"])').evaluate(input({}, { 'x-max-tokens': 'many' }))).toBeUndefined();
  });

  it('throws TransformationError, never another error, for what it refuses', () => {
    expect(() => compileTransformation('x', '}')).toThrow(TransformationError);
    expect(() => compileTransformation('x', 'llm.requestModel')).toThrow(/llm is not available in a transformation/);
  });
});

describe('ai.routes at load', () => {
  it('path suffixes to the APIs modelgate serves, longest first and `*` last', () => {
    const config = load({ routes: { '*': 'Completions', '/custom/anthropic': 'Messages', '/count': 'AnthropicTokenCount', '/list': 'Models' } });
    expect(config.backends[0]!.providers[0]!.ai.routes).toEqual([
      { suffix: '/custom/anthropic', type: 'Messages' },
      { suffix: '/count', type: 'AnthropicTokenCount' },
      { suffix: '/list', type: 'Models' },
      { suffix: '*', type: 'Completions' },
    ]);
  });

  it('types modelgate cannot serve are refused with the reason, naming the key', () => {
    const message = refusal({ routes: { '/realtime': 'Realtime', '/rerank': 'Rerank', '/raw': 'Passthrough' } });
    expect(message).toContain(`${POLICY}.routes["/realtime"]: route type Realtime is not supported by modelgate: the Realtime API is a WebSocket protocol`);
    expect(message).toContain('routes["/rerank"]: route type Rerank is not supported by modelgate');
    expect(message).toContain('routes["/raw"]: route type Passthrough is not supported by modelgate');
  });

  it("a type outside the CRD's enum is refused by validation", () => {
    expect(refusal({ routes: { '/x': 'Chat' } })).toMatch(/routes/);
  });
});
