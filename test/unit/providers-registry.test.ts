import { describe, expect, it } from 'vitest';
import { chatAdapter } from '../../functions/providers/registry.js';
import { anthropicChat } from '../../functions/providers/anthropic/adapter.js';
import { openaiChat } from '../../functions/providers/openai/adapter.js';

describe('provider registry', () => {
  it('maps each provider kind to its adapter', () => {
    expect(chatAdapter('openai')).toBe(openaiChat);
    expect(chatAdapter('anthropic')).toBe(anthropicChat);
  });
});
