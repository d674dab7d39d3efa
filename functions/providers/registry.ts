/**
 * Which adapter speaks to which kind of provider, for each client API.
 *
 * Each kind's adapters are a module of their own (`<kind>/kind.ts`), loaded when a config that uses
 * the kind is taken (`loadProviderKinds`, which the engine calls): a gateway that routes to OpenAI
 * alone never parses Bedrock's event streams or Gemini's translation — at a Lambda cold start that
 * is most of modelgate's provider code (the handler's chunks, scripts/build.mjs). The lookups
 * below are synchronous, as the request path needs; asking for a kind that is not loaded is a
 * programming error, and says so.
 */
import type { ProviderKind, ProviderTarget } from '../core/provider-target.js';
import type { CountTokensAdapter } from './anthropic/count-tokens.js';
import type { EmbeddingsAdapter } from './openai/embeddings.js';
import type { ChatCompletionsAdapter, ClientApi, MessagesAdapter } from './types.js';

/** What one kind of provider serves: an adapter per client API, or undefined where it has none. */
export interface ProviderKindAdapters {
  /** Chat completions clients (for `custom`, the adapter its host's formats choose). */
  chat(target: ProviderTarget | undefined): ChatCompletionsAdapter;
  /** Messages clients. */
  messages(target: ProviderTarget | undefined): MessagesAdapter;
  /** `/v1/embeddings`; `model` is the model the call would name (the provider's pinned one, else the client's). */
  embeddings(target: ProviderTarget, model: string | undefined): EmbeddingsAdapter | undefined;
  /** `/v1/messages/count_tokens`. */
  countTokens(target: ProviderTarget, model: string | undefined): CountTokensAdapter | undefined;
}

/** Literal specifiers, so the bundler makes each kind a chunk of its own. */
const LOADERS: Readonly<Record<ProviderKind, () => Promise<{ adapters: ProviderKindAdapters }>>> = {
  openai: () => import('./openai/kind.js'),
  anthropic: () => import('./anthropic/kind.js'),
  gemini: () => import('./gemini/kind.js'),
  vertexai: () => import('./vertex/kind.js'),
  bedrock: () => import('./bedrock/kind.js'),
  azureopenai: () => import('./azure/kind.js'),
  custom: () => import('./custom/kind.js'),
};

const loaded = new Map<ProviderKind, ProviderKindAdapters>();
const loading = new Map<ProviderKind, Promise<void>>();

/**
 * Loads the adapters of these kinds. Undefined when every one is loaded already (the request path
 * checks on every request: no promise, no tick, then). A load that fails is forgotten, so the next
 * call tries again; the promise rejects with its error.
 */
export function loadProviderKinds(kinds: Iterable<ProviderKind>): Promise<void> | undefined {
  for (const kind of kinds) if (!loaded.has(kind)) return loadMissing(kinds);
  return undefined;
}

function loadMissing(kinds: Iterable<ProviderKind>): Promise<void> {
  const pending: Array<Promise<void>> = [];
  for (const kind of kinds) {
    if (loaded.has(kind)) continue;
    let load = loading.get(kind);
    if (!load) {
      load = LOADERS[kind]().then(
        (m) => {
          loaded.set(kind, m.adapters);
          loading.delete(kind);
        },
        (error: unknown) => {
          loading.delete(kind);
          throw new Error(`the ${kind} provider adapters could not be loaded: ${(error as Error).message}`, { cause: error });
        },
      );
      loading.set(kind, load);
    }
    pending.push(load);
  }
  return Promise.all(pending).then(() => undefined);
}

/** The kinds loaded so far (for `/status`-like reports and tests). */
export function loadedProviderKinds(): ProviderKind[] {
  return [...loaded.keys()];
}

function adaptersOf(kind: ProviderKind): ProviderKindAdapters {
  const adapters = loaded.get(kind);
  if (!adapters) throw new Error(`the ${kind} provider adapters are not loaded: loadProviderKinds(['${kind}']) first`);
  return adapters;
}

/** The chat completions adapter of a provider (for `custom`, the one for a host that speaks chat completions). */
export function chatAdapter(kind: ProviderKind, target?: ProviderTarget): ChatCompletionsAdapter {
  return adaptersOf(kind).chat(target);
}

export function messagesAdapter(kind: ProviderKind, target?: ProviderTarget): MessagesAdapter {
  return adaptersOf(kind).messages(target);
}

/** The adapter that serves clients of `api` from this provider. */
export function adapterFor(api: 'chat', target: ProviderTarget): ChatCompletionsAdapter;
export function adapterFor(api: 'messages', target: ProviderTarget): MessagesAdapter;
export function adapterFor(api: ClientApi, target: ProviderTarget): ChatCompletionsAdapter | MessagesAdapter;
export function adapterFor(api: ClientApi, target: ProviderTarget): ChatCompletionsAdapter | MessagesAdapter {
  return api === 'chat' ? chatAdapter(target.kind, target) : messagesAdapter(target.kind, target);
}

/**
 * Embeddings (`/v1/embeddings`) from this provider, or undefined when it has none: Anthropic has no
 * embeddings API, nor do Claude models on Vertex, nor a `custom` host that speaks only Messages.
 * `model` is the model the call would name (the provider's pinned one, else the client's).
 */
export function embeddingsAdapter(target: ProviderTarget, model: string | undefined): EmbeddingsAdapter | undefined {
  return adaptersOf(target.kind).embeddings(target, model);
}

/**
 * Anthropic token counting (`/v1/messages/count_tokens`) from this provider, or undefined when it
 * has none: Anthropic, Bedrock (its CountTokens API) and Claude models on Vertex count tokens;
 * OpenAI-shaped providers, Gemini (and Gemini models on Vertex) and `custom` hosts do not.
 */
export function countTokensAdapter(target: ProviderTarget, model: string | undefined): CountTokensAdapter | undefined {
  return adaptersOf(target.kind).countTokens(target, model);
}
