/**
 * Two translation details found while comparing with agentgateway: Claude on Vertex AI refuses
 * `cache_control.scope` (it is stripped, the breakpoint kept), and an OpenAI-shaped usage turned
 * into Anthropic's counts neither cache reads nor cache writes in `input_tokens`.
 */
import { describe, expect, it } from 'vitest';
import type { MessagesApiRequest } from '../../functions/providers/anthropic/wire.js';
import { messagesUsage } from '../../functions/providers/conversion/completions-to-messages-response.js';
import { vertexMessages } from '../../functions/providers/vertex/adapter.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';

const CLAUDE_ON_VERTEX: ProviderTarget = {
  name: 'vertex-claude',
  kind: 'vertexai',
  baseUrl: 'https://us-central1-aiplatform.googleapis.com',
  region: 'us-central1',
  projectId: 'p',
  model: 'anthropic/claude-sonnet-4-5',
  apiKey: 'ya29.t',
};

describe('Messages -> Claude on Vertex AI', () => {
  it('sends every cache breakpoint without its scope (Vertex refuses it), keeping type and ttl', () => {
    const scoped = { type: 'ephemeral', ttl: '1h', scope: 'global' };
    const req = {
      model: 'claude',
      max_tokens: 10,
      system: [{ type: 'text', text: 'sys', cache_control: { ...scoped } }],
      tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: { ...scoped } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { ...scoped } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 't', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: [{ type: 'text', text: 'r', cache_control: { ...scoped } }], cache_control: { ...scoped } }] },
      ],
    } as unknown as MessagesApiRequest;
    const body = JSON.parse(vertexMessages.buildRequest(req, CLAUDE_ON_VERTEX).body);
    const breakpoints = JSON.stringify(body).match(/"cache_control":\{[^}]*\}/g) ?? [];
    expect(breakpoints).toHaveLength(5);
    for (const b of breakpoints) expect(b).toBe('"cache_control":{"type":"ephemeral","ttl":"1h"}');
    // The client's request is not changed on the way.
    expect((req.system as unknown as Array<{ cache_control: object }>)[0]!.cache_control).toEqual(scoped);
  });
});

describe('OpenAI usage -> Anthropic usage', () => {
  it('input_tokens excludes cache reads and cache writes, which are reported apart', () => {
    const usage = messagesUsage({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 20 } } as never);
    expect(usage).toEqual({ input_tokens: 50, output_tokens: 5, cache_read_input_tokens: 30, cache_creation_input_tokens: 20 });
  });

  it('without cache counts, input_tokens is prompt_tokens', () => {
    expect(messagesUsage({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } as never)).toEqual({ input_tokens: 12, output_tokens: 3 });
  });
});
