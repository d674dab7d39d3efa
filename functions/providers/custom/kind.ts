/**
 * A `custom` host's adapters for each client API (providers/registry.ts loads this when a config
 * uses the kind): the formats the host declares choose them.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import { customEmbeddings } from '../openai/embeddings.js';
import type { ProviderKindAdapters } from '../registry.js';
import { customChatAdapter, customMessagesAdapter } from './adapter.js';

/** Without a target: a host that speaks chat completions. */
const completionsHost = (): ProviderTarget => ({ name: '', kind: 'custom', baseUrl: '', formats: { Completions: {} } });

export const adapters: ProviderKindAdapters = {
  chat: (target) => customChatAdapter(target ?? completionsHost()),
  messages: (target) => customMessagesAdapter(target ?? completionsHost()),
  embeddings: (target) => (target.formats?.Completions !== undefined || target.formats?.Messages === undefined ? customEmbeddings : undefined),
  countTokens: () => undefined,
};
