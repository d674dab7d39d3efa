/**
 * The simulated provider's function calling: arguments that satisfy a tool's schema, the tool it
 * picks, what it does with a tool's result, and bounded work for any schema a client offers.
 */
import { describe, expect, it } from 'vitest';
import { anthropicToolTurn, bedrockToolTurn, geminiToolTurn, openaiToolTurn, valueFor } from '../../functions/simulator/tools.js';

describe('simulator: arguments from a JSON schema', () => {
  it('fills required fields of each type; leaves optional ones out', () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        count: { type: 'integer', minimum: 3 },
        ratio: { type: 'number' },
        exact: { type: 'boolean' },
        unit: { type: 'string', enum: ['c', 'f'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        where: { type: 'object', properties: { lat: { type: 'number' } }, required: ['lat'] },
        optional: { type: 'string' },
      },
      required: ['city', 'count', 'ratio', 'exact', 'unit', 'tags', 'where'],
    };
    expect(valueFor(schema, 'Weather in Lisbon please')).toEqual({ city: 'Lisbon', count: 3, ratio: 1, exact: true, unit: 'c', tags: ['Lisbon'], where: { lat: 1 } });
  });

  it('a schema as wide and deep as it gets: bounded work, still an object', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let d = 0; d < 8; d++) {
      const properties = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`p${i}`, schema]));
      schema = { type: 'object', properties, required: Object.keys(properties) };
    }
    const value = valueFor(schema, 'x');
    const leaves = JSON.stringify(value).match(/"example"/g)?.length ?? 0;
    expect(leaves).toBeLessThanOrEqual(1_000);
    expect(typeof value).toBe('object');
  });
});

describe('simulator: which tool, and when', () => {
  const params = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

  it('openai: the named tool_choice wins; a last tool message is answered from its result', () => {
    const tools = [
      { type: 'function', function: { name: 'a', parameters: params } },
      { type: 'function', function: { name: 'b', parameters: params } },
    ];
    expect(openaiToolTurn({ tools, messages: [{ role: 'user', content: 'Hi' }] }, 'Hi')).toMatchObject({ kind: 'call', name: 'a' });
    expect(openaiToolTurn({ tools, tool_choice: { type: 'function', function: { name: 'b' } }, messages: [{ role: 'user', content: 'Hi' }] }, 'Hi')).toMatchObject({ name: 'b' });
    expect(openaiToolTurn({ tools, tool_choice: 'none', messages: [{ role: 'user', content: 'Hi' }] }, 'Hi')).toBeUndefined();
    const history = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'b', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '42' },
    ];
    expect(openaiToolTurn({ tools, messages: history }, 'Hi')).toEqual({ kind: 'use-result', name: 'b', result: '42' });
  });

  it('anthropic, gemini, bedrock: their own shapes; server tools and the placeholder tool are never called', () => {
    expect(
      anthropicToolTurn(
        {
          tools: [
            { type: 'web_search_20250305', name: 'web' },
            { name: 'f', input_schema: params },
          ],
          messages: [{ role: 'user', content: 'Hi' }],
        },
        'Hi',
      ),
    ).toMatchObject({ name: 'f' });
    expect(geminiToolTurn({ tools: [{ functionDeclarations: [{ name: 'g', parameters: params }] }], contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }, 'Hi')).toMatchObject({
      name: 'g',
      args: { q: 'example' },
    });
    expect(geminiToolTurn({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'g', response: { content: 'done' } } }] }] }, '')).toEqual({
      kind: 'use-result',
      name: 'g',
      result: 'done',
    });
    const placeholderOnly = {
      toolConfig: { tools: [{ toolSpec: { name: 'placeholder_tool_do_not_call', inputSchema: { json: { type: 'object' } } } }] },
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
    };
    expect(bedrockToolTurn(placeholderOnly, 'Hi')).toBeUndefined();
  });
});
