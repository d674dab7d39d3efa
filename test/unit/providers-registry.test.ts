import { afterEach, describe, expect, it, vi } from 'vitest';
import { chatAdapter, embeddingsAdapter, loadedProviderKinds, loadProviderKinds, messagesAdapter } from '../../functions/providers/registry.js';
import { anthropicChat } from '../../functions/providers/anthropic/adapter.js';
import { openaiChat } from '../../functions/providers/openai/adapter.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';

// Each test file has its own module registry: nothing is loaded here until a test loads it.
describe('provider registry: adapters load by kind', () => {
  afterEach(() => {
    vi.doUnmock('../../functions/providers/gemini/kind.js');
  });

  it('a kind not loaded yet is refused by name; once loaded, each kind maps to its adapters', async () => {
    expect(() => chatAdapter('anthropic')).toThrow(/the anthropic provider adapters are not loaded/);
    const load = loadProviderKinds(['openai', 'anthropic']);
    expect(load).toBeInstanceOf(Promise);
    // A second caller while loading shares the load (one import per kind), and it waits too.
    const again = loadProviderKinds(['anthropic']);
    expect(again).toBeInstanceOf(Promise);
    await Promise.all([load, again]);
    expect(chatAdapter('openai')).toBe(openaiChat);
    expect(chatAdapter('anthropic')).toBe(anthropicChat);
    // Loaded: nothing to wait for, not even a promise (the request path asks on every request).
    expect(loadProviderKinds(['openai', 'anthropic'])).toBeUndefined();
    expect(loadedProviderKinds().sort()).toEqual(['anthropic', 'openai']);
    expect(() => messagesAdapter('bedrock')).toThrow(/bedrock/);
    const target: ProviderTarget = { name: 'g', kind: 'gemini', baseUrl: 'http://127.0.0.1:1' };
    expect(() => embeddingsAdapter(target, 'gemini-embedding-001')).toThrow(/the gemini provider adapters are not loaded/);
  });

  it('a kind that fails to load rejects naming it, and the next call tries again', async () => {
    vi.doMock('../../functions/providers/gemini/kind.js', () => {
      throw new Error('chunk missing');
    });
    await expect(loadProviderKinds(['gemini'])).rejects.toThrow(/^the gemini provider adapters could not be loaded: /);
    expect(loadedProviderKinds()).not.toContain('gemini');
    vi.doUnmock('../../functions/providers/gemini/kind.js');
    await loadProviderKinds(['gemini']);
    expect(loadedProviderKinds()).toContain('gemini');
    expect(chatAdapter('gemini').buildRequest).toBeTypeOf('function');
  });
});
