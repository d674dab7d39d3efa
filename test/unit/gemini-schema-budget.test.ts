/**
 * The budget on translating client schemas for Gemini (functions/providers/gemini/schema-budget.ts):
 * `$ref` inlining that would multiply a small schema is refused after a bounded amount of work,
 * with an error that names the tool; nesting past the depth limit is refused instead of
 * overflowing the stack; schemas within the budget translate exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { vertexChat } from '../../functions/providers/vertex/adapter.js';
import { geminiChat } from '../../functions/providers/gemini/adapter.js';
import { toGenerateContentRequest } from '../../functions/providers/gemini/request.js';
import { MAX_ARGUMENTS_DEPTH } from '../../functions/providers/shared/bounded-json.js';
import { normalizeGeminiSchema } from '../../functions/providers/gemini/schema.js';
import { MAX_SCHEMA_CHARS, MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES, SchemaBudget, SchemaTooComplex } from '../../functions/providers/gemini/schema-budget.js';
import type { ChatCompletionRequest, FunctionTool } from '../../functions/providers/openai/wire.js';
import { RequestNotExpressible } from '../../functions/providers/types.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';

type Json = Record<string, unknown>;

/** `def0` refers to `def1` twice, `def1` to `def2` twice, ...: 2^depth copies once inlined. */
function doublingChain(depth: number, leaf: Json = { type: 'string' }): Json {
  const $defs: Json = {};
  for (let i = 0; i < depth; i++) $defs[`def${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/def${i + 1}` }, b: { $ref: `#/$defs/def${i + 1}` } } };
  $defs[`def${depth}`] = leaf;
  return { type: 'object', properties: { root: { $ref: '#/$defs/def0' } }, $defs };
}

/** A schema nested `depth` levels through `items`, built without recursion. */
function nested(depth: number): Json {
  let node: Json = { type: 'string' };
  for (let i = 0; i < depth; i++) node = { type: 'array', items: node };
  return node;
}

const tool = (name: string, parameters: Json): FunctionTool => ({ type: 'function', function: { name, parameters } });
const request = (req: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ messages: [{ role: 'user', content: 'hi' }], ...req });
const SMALL = tool('lookup', { type: 'object', properties: { q: { type: 'string' } } });

/** The error `f` throws (fails the test when it throws nothing). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, got none');
}

describe('gemini schema budget: $ref inlining that multiplies', () => {
  it('the doubling $defs chain (depth 20, ~2 KB) is refused naming the tool, after bounded work', () => {
    const schema = doublingChain(20);
    expect(JSON.stringify(schema).length).toBeLessThan(2_500);
    const started = performance.now();
    const error = thrown(() => toGenerateContentRequest(request({ tools: [SMALL, tool('explode', schema)] }), 'gemini-2.5-flash'));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(RequestNotExpressible);
    const e = error as RequestNotExpressible;
    expect(e.param).toBe('tools[1].function.parameters');
    expect(e.message).toContain('"explode"');
    expect(e.message).toContain('tools[1].function.parameters');
    expect(e.message).toContain(`${MAX_SCHEMA_NODES} schema nodes`);
    // Unbounded, this took ~10 s; bounded it is milliseconds. The bound is loose on purpose.
    expect(elapsed).toBeLessThan(2_000);
  });

  it('through both adapters that build Gemini calls (Gemini API and Vertex AI)', () => {
    const req = request({ model: 'gemini-2.5-pro', tools: [tool('explode', doublingChain(20))] });
    const gemini: ProviderTarget = { name: 'g', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'k' };
    const vertex: ProviderTarget = { name: 'v', kind: 'vertexai', baseUrl: 'https://aiplatform.googleapis.com', projectId: 'p', region: 'global', apiKey: 't' };
    for (const build of [() => geminiChat.buildRequest(req, gemini), () => vertexChat.buildRequest(req, vertex)]) {
      const error = thrown(build) as RequestNotExpressible;
      expect(error).toBeInstanceOf(RequestNotExpressible);
      expect(error.param).toBe('tools[0].function.parameters');
    }
  });

  it('the response_format schema is under the same budget', () => {
    const error = thrown(() =>
      toGenerateContentRequest(request({ response_format: { type: 'json_schema', json_schema: { name: 'out', schema: doublingChain(20) } } }), 'gemini-2.5-flash'),
    ) as RequestNotExpressible;
    expect(error).toBeInstanceOf(RequestNotExpressible);
    expect(error.param).toBe('response_format.json_schema.schema');
    expect(error.message).toContain('response_format');
  });

  it('one budget per request: tools that each fit cannot multiply it', () => {
    // 4 001 nodes each: the root and 4 000 properties. Two fit, the third runs over.
    const wide = tool('wide', { type: 'object', properties: Object.fromEntries(Array.from({ length: 4_000 }, (_, i) => [`p${i}`, { type: 'string' }])) });
    expect(() => toGenerateContentRequest(request({ tools: [wide, wide] }), 'm')).not.toThrow();
    const error = thrown(() =>
      toGenerateContentRequest(request({ tools: [wide, wide, { ...wide, function: { ...wide.function, name: 'third' } }] }), 'm'),
    ) as RequestNotExpressible;
    expect(error.param).toBe('tools[2].function.parameters');
    expect(error.message).toContain('"third"');
  });

  it('copies of long strings are charged by length, so one long description cannot be copied ten thousand times', () => {
    // 2^6 = 64 copies of a 200 000-character description: few nodes, 12.8 M characters.
    const schema = doublingChain(6, { type: 'string', description: 'd'.repeat(200_000) });
    const error = thrown(() => normalizeGeminiSchema(schema));
    expect(error).toBeInstanceOf(SchemaTooComplex);
    expect((error as Error).message).toContain(`${MAX_SCHEMA_CHARS} characters`);
    // The same schema with one copy of it is fine: a schema as written never reaches the limit.
    expect(normalizeGeminiSchema(doublingChain(0, { type: 'string', description: 'd'.repeat(200_000) })).properties).toBeDefined();
  });
});

describe('gemini schema budget: exactly at the limit', () => {
  /** The root, and `n` properties. */
  const flat = (n: number): Json => ({ type: 'object', properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { type: 'string' }])) });

  it(`${MAX_SCHEMA_NODES} nodes pass, one more is refused`, () => {
    expect(Object.keys(normalizeGeminiSchema(flat(MAX_SCHEMA_NODES - 1)).properties as Json)).toHaveLength(MAX_SCHEMA_NODES - 1);
    expect(thrown(() => normalizeGeminiSchema(flat(MAX_SCHEMA_NODES)))).toBeInstanceOf(SchemaTooComplex);
  });

  it('with $refs: each reference followed costs a node besides the copy', () => {
    // root + 4 999 × (property + $ref followed) + one plain property = 10 000.
    const n = (MAX_SCHEMA_NODES - 2) / 2;
    const schema = (extra: number): Json => ({
      type: 'object',
      properties: { ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { $ref: '#/$defs/Leaf' }])), ...(flat(extra).properties as Json) },
      $defs: { Leaf: { type: 'integer', description: 'a leaf' } },
    });
    const out = normalizeGeminiSchema(schema(1));
    expect((out.properties as Json).r0).toEqual({ type: 'integer', description: 'a leaf' });
    expect(thrown(() => normalizeGeminiSchema(schema(2)))).toBeInstanceOf(SchemaTooComplex);
  });

  it(`${MAX_SCHEMA_DEPTH} levels pass, one more is refused`, () => {
    expect(normalizeGeminiSchema(nested(MAX_SCHEMA_DEPTH)).type).toBe('array');
    expect((thrown(() => normalizeGeminiSchema(nested(MAX_SCHEMA_DEPTH + 1))) as Error).message).toContain(`deeper than ${MAX_SCHEMA_DEPTH} levels`);
  });

  it('a budget can be given smaller limits (and is shared by the calls it is passed to)', () => {
    const budget = new SchemaBudget({ nodes: 5, depth: 64, chars: 1_000 });
    normalizeGeminiSchema(flat(2), budget); // 3 nodes
    expect(thrown(() => normalizeGeminiSchema(flat(2), budget))).toBeInstanceOf(SchemaTooComplex);
  });
});

describe('gemini schema budget: nesting', () => {
  it('a schema nested 200 levels is refused by depth, not a stack overflow', () => {
    const error = thrown(() => toGenerateContentRequest(request({ tools: [tool('deep', nested(200))] }), 'm')) as RequestNotExpressible;
    expect(error).toBeInstanceOf(RequestNotExpressible);
    expect(error.param).toBe('tools[0].function.parameters');
    expect(error.message).toContain('"deep"');
    expect(error.message).toContain('deeper than');
  });

  it('nested 100 000 levels (past what any recursion survives) is refused the same way', () => {
    expect(thrown(() => normalizeGeminiSchema(nested(100_000)))).toBeInstanceOf(SchemaTooComplex);
    let anyOf: Json = { type: 'string' };
    for (let i = 0; i < 100_000; i++) anyOf = { anyOf: [anyOf, { type: 'integer' }] };
    expect(thrown(() => normalizeGeminiSchema(anyOf))).toBeInstanceOf(SchemaTooComplex);
  });

  it('a chain of 100 000 aliases ($ref to a $ref to ...) is refused, not followed to a stack overflow', () => {
    const $defs: Json = {};
    for (let i = 0; i < 100_000; i++) $defs[`a${i}`] = { $ref: `#/$defs/a${i + 1}` };
    $defs.a100000 = { type: 'string' };
    expect(thrown(() => normalizeGeminiSchema({ $ref: '#/$defs/a0', $defs }))).toBeInstanceOf(SchemaTooComplex);
  });

  it('values a schema carries (default) are held to the same depth', () => {
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(thrown(() => normalizeGeminiSchema({ type: 'array', default: value }))).toBeInstanceOf(SchemaTooComplex);
  });

  it('tool-call arguments (a JSON string, outside the body depth limit) nested too deep are a 400, not a stack overflow', () => {
    const args = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const req = request({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: args } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ],
    });
    const error = thrown(() => geminiChat.buildRequest(req, { name: 'g', kind: 'gemini', baseUrl: 'https://g', model: 'm' })) as RequestNotExpressible;
    expect(error).toBeInstanceOf(RequestNotExpressible);
    expect(error.message).toContain(`${MAX_ARGUMENTS_DEPTH} levels`);
    // Within the limit they go through as before.
    const fine = request({
      ...req,
      messages: [req.messages[0]!, { ...req.messages[1]!, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":[[1]]}' } }] }, req.messages[2]!],
    });
    expect(JSON.parse(geminiChat.buildRequest(fine, { name: 'g', kind: 'gemini', baseUrl: 'https://g', model: 'm' }).body).contents[1].parts[0].functionCall.args).toEqual({
      a: [[1]],
    });
  });
});

describe('gemini schema budget: schemas within it translate as before', () => {
  it('a Pydantic-style schema with $defs, shared definitions, allOf and nullable refs', () => {
    const schema = {
      type: 'object',
      title: 'Order',
      properties: {
        billing: { $ref: '#/$defs/Address', description: 'where the invoice goes' },
        shipping: { anyOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }], default: null },
        items: { type: 'array', items: { $ref: '#/$defs/Item' } },
        status: { const: 'open' },
      },
      required: ['billing', 'items'],
      additionalProperties: false,
      $defs: {
        Address: { type: 'object', properties: { street: { type: 'string' }, zip: { type: ['string', 'null'], examples: ['12345'] } }, required: ['street'] },
        Item: { allOf: [{ $ref: '#/$defs/Base' }, { properties: { qty: { type: 'integer', minimum: 1 } }, required: ['qty'] }] },
        Base: { type: 'object', properties: { sku: { type: 'string', format: 'uuid' } }, required: ['sku'] },
      },
    };
    const before = JSON.stringify(schema);
    const address = { type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string', nullable: true } }, required: ['street'] };
    expect(normalizeGeminiSchema(schema)).toEqual({
      type: 'object',
      title: 'Order',
      properties: {
        billing: { ...address, description: 'where the invoice goes' },
        shipping: { ...address, nullable: true, default: null },
        items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } }, required: ['sku', 'qty'] } },
        status: { type: 'string', enum: ['open'] },
      },
      required: ['billing', 'items'],
    });
    // The client's schema is untouched, shared `required` lists included (a later attempt reuses it).
    expect(JSON.stringify(schema)).toBe(before);
  });

  it('a definition used twice gives two independent copies', () => {
    const out = normalizeGeminiSchema({
      type: 'object',
      properties: { a: { $ref: '#/$defs/P' }, b: { $ref: '#/$defs/P' } },
      $defs: { P: { allOf: [{ properties: { x: { type: 'string' } }, required: ['x'] }, { required: ['y'] }] } },
    });
    const props = out.properties as Record<string, Json>;
    expect(props.a).toEqual({ type: 'object', properties: { x: { type: 'string' } }, required: ['x', 'y'] });
    expect(props.b).toEqual(props.a);
    expect(props.a).not.toBe(props.b);
  });

  it('a recursive $ref still stops where it recurs', () => {
    expect(normalizeGeminiSchema({ $ref: '#/$defs/Node', $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } } })).toEqual({
      type: 'object',
      properties: { next: { type: 'object' } },
    });
  });
});
