/**
 * The contract between the engine and a provider module. A provider module knows one vendor's
 * wire format; it never sends anything itself (the engine's attempt step does), so translations
 * are pure functions that tests can drive with recorded payloads.
 */
import type { ChatCompletion, ChatCompletionRequest, OpenAIErrorBody } from './openai/wire.js';

export type ProviderKind = 'openai' | 'anthropic';

/** How to reach one provider, resolved once when the config is compiled. */
export interface ProviderTarget {
  /** The provider's name in the backend (`groups[].providers[].name`, or the backend's name). */
  name: string;
  kind: ProviderKind;
  /** `openai.model` / `anthropic.model`: overrides the model the client asked for. */
  model?: string;
  /** Scheme, host and port, no trailing slash: `https://api.anthropic.com`, `http://127.0.0.1:9000`. */
  baseUrl: string;
  /** `path`: the full upstream path, replacing the provider's default. */
  path?: string;
  /** `pathPrefix`: replaces the default `/v1` prefix. */
  pathPrefix?: string;
  /** The credential, already resolved from `auth.key` or a Secret, without a `Bearer ` prefix. */
  apiKey?: string;
}

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface TokenUsage {
  input: number;
  output: number;
}

/** One server-sent event as the SSE parser hands it over. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
}

/** An error the upstream reported inside a stream (for example Anthropic's `overloaded_error`). */
export interface StreamFailure {
  /** The HTTP status the same error would have had as a plain response (529, 429, 500, ...). */
  status: number;
  type: string;
  message: string;
}

/** What one upstream event turned into. */
export interface StreamStep {
  /** SSE frames for the client, each complete (`data: {...}\n\n`). */
  frames: string[];
  /** True when this event carried content (text, a tool call, a finish reason): the hold ends. */
  content: boolean;
  /** Set when the event is an error: the attempt failed. */
  failure?: StreamFailure;
  /** True when the upstream said the stream is complete (`message_stop`, `[DONE]`). */
  done: boolean;
  /** The model the upstream reported, when this event names it. */
  model?: string;
  /** Token usage, when this event carries it. */
  usage?: TokenUsage;
}

export interface StreamTranslator {
  push(event: SseEvent): StreamStep;
}

export interface TranslatedResponse<T> {
  body: T;
  /** The model the upstream reported (falls back to the model that was sent). */
  model: string;
  usage?: TokenUsage;
}

/** A provider, seen from an OpenAI chat completions client. */
export interface ChatCompletionsAdapter {
  /** Builds the upstream call. `req` is validated already; the adapter must not mutate it. */
  buildRequest(req: ChatCompletionRequest, target: ProviderTarget): UpstreamRequest;
  /** Translates a 2xx upstream body (parsed JSON). Throws when the body is not the vendor's shape. */
  translateResponse(body: unknown, sentModel: string): TranslatedResponse<ChatCompletion>;
  /** A translator for one streamed response. `includeUsage` mirrors `stream_options.include_usage`. */
  streamTranslator(sentModel: string, includeUsage: boolean): StreamTranslator;
  /** Maps a non-2xx upstream body (raw text, maybe not JSON) to the OpenAI error shape. */
  translateError(status: number, body: string): OpenAIErrorBody;
}

/** A request this provider cannot be sent (no model to name, for one): the client's to fix, a 400. */
export class RequestNotExpressible extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'RequestNotExpressible';
  }
}
