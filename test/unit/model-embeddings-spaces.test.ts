/**
 * The load-time warning for a backend whose pinned embedding models disagree (the engine serves
 * /v1/embeddings in one space only): compiled from YAML through the same functions `modelgate
 * serve -f` uses.
 */
import { describe, expect, it } from 'vitest';
import { compileYaml, gatewayYaml, type ProviderSpec } from '../support/harness.js';

const warningsOf = (groups: ProviderSpec[][]) => compileYaml(gatewayYaml({ groups }, 9)).warnings.filter((w) => w.includes('embedding'));

describe('embedding spaces at load', () => {
  it('two embedding models in one backend: a warning naming the one served and the one never tried', () => {
    const warnings = warningsOf([
      [{ name: 'small', kind: 'openai', model: 'text-embedding-3-small' }],
      [{ name: 'titan', kind: 'bedrock', model: 'amazon.titan-embed-text-v2:0' }],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('backend gw/llm');
    expect(warnings[0]).toContain('served in the space of small (text-embedding-3-small) only, and titan (amazon.titan-embed-text-v2:0) will never be tried for embeddings');
  });

  it('the same model with other forced dimensions is another space', () => {
    const warnings = warningsOf([
      [{ name: 'a', kind: 'openai', model: 'text-embedding-3-small' }],
      [{ name: 'b', kind: 'azureopenai', model: 'text-embedding-3-small', policies: { ai: { overrides: [{ field: 'dimensions', value: 256 }] } } }],
    ]);
    expect(warnings[0]).toContain('b (text-embedding-3-small at 256 dimensions) will never be tried');
  });

  it("no warning for one embedding model across vendors, for chat models beside it, or for Google's spellings of one model", () => {
    expect(
      warningsOf([
        [{ name: 'a', kind: 'openai', model: 'text-embedding-3-small' }],
        [
          { name: 'b', kind: 'azureopenai', model: 'text-embedding-3-small' },
          { name: 'c', kind: 'anthropic', model: 'claude-sonnet-4-5' },
          { name: 'd', kind: 'openai', model: 'gpt-4o' },
        ],
      ]),
    ).toEqual([]);
    expect(
      warningsOf([[{ name: 'g', kind: 'vertexai', model: 'text-embedding-005' }], [{ name: 'h', kind: 'vertexai', model: 'publishers/google/models/text-embedding-005' }]]),
    ).toEqual([]);
  });

  it("an unpinned provider first: the space follows the client's model, and the warning says so", () => {
    const warnings = warningsOf([
      [{ name: 'any', kind: 'openai', model: null }],
      [
        { name: 'x', kind: 'openai', model: 'text-embedding-3-small' },
        { name: 'y', kind: 'gemini', model: 'gemini-embedding-001' },
      ],
    ]);
    expect(warnings[0]).toContain("follows the client's model (any pins none)");
  });
});
