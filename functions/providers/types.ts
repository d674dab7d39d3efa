/**
 * The contract between the engine and a provider module. A provider module knows one vendor's
 * wire format; it never sends anything itself (the engine's attempt step does), so translations
 * are pure functions that tests can drive with recorded payloads.
 *
 * A provider has one adapter per client API: an OpenAI chat completions adapter (`chat`) and an
 * Anthropic Messages adapter (`messages`). Each turns the client's request into the vendor's
 * call, and the vendor's answer (buffered, streamed, or an error) back into the client's API.
 */
import type { AnthropicErrorBody, MessagesApiRequest, MessagesResponse } from './anthropic/wire.js';
import type { ChatCompletion, ChatCompletionRequest, OpenAIErrorBody } from './openai/wire.js';
import type { ProviderTarget } from '../core/provider-target.js';

/** The API a client speaks to modelgate: OpenAI chat completions or Anthropic Messages. */
export type ClientApi = 'chat' | 'messages';

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface TokenUsage {
  input: number;
  output: number;
}

/**
 * One upstream stream event: an SSE event as the SSE parser hands it over, or one message of an
 * AWS event stream (`event` is its `:event-type`, `data` its JSON payload).
 */
export interface SseEvent {
  event?: string | undefined;
  data: string;
  /**
   * Set for an AWS event stream message that is not an event: its `:exception-type` (e.g.
   * `throttlingException`), or `:error-code` for a `:message-type: error` message.
   */
  exception?: string;
}

/** How an upstream frames a streamed answer; the engine picks the reader that decodes it. */
export type StreamFormat = 'sse' | 'aws-eventstream';

/** Pauses and resumes the upstream's reads while a pushing reader's client is slow. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** What a reader that pushes (EventReader.listen) tells, in order. */
export interface EventHandlers {
  event(event: SseEvent): void;
  /** The events of one upstream read have all been told. */
  read(): void;
  /** The upstream closed the stream (after its last events). */
  end(): void;
  /** The connection broke, or the stream could not be read. Nothing is told after this. */
  error(error: Error): void;
}

/** A pull-based reader of upstream stream events, whatever their framing (and one that can push, for the pumped relay). */
export interface EventReader {
  /** The next event, or null when the upstream closed the stream. Throws when the connection broke. */
  next(): Promise<SseEvent | null>;
  /** True when `next()` has an event already read, so it answers without waiting on the upstream. */
  ready?(): boolean;
  /**
   * Pushes instead of being pulled, from now on (see SseReader.listen); returns how to pause and
   * resume the upstream, or undefined when this reader cannot push.
   */
  listen?(handlers: EventHandlers): FlowControl | undefined;
  /** Stops reading; the upstream connection is released. */
  cancel(): Promise<void>;
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
  /** Frames for the client in its API's SSE format, each complete (`data: {...}\n\n`). */
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
  /**
   * The upstream closed the stream. For vendors whose streams have no end marker (Gemini ends
   * after the chunk with `finishReason`), this says whether that close completed the answer: a
   * step with `done: true` (and the client's closing frames), or undefined for a broken stream.
   */
  finish?(): StreamStep | undefined;
}

export interface TranslatedResponse<T> {
  body: T;
  /** The model the upstream reported (falls back to the model that was sent). */
  model: string;
  usage?: TokenUsage;
  /**
   * True when `body` is the upstream's JSON exactly as parsed, neither changed nor rebuilt (the same
   * API on both sides): the gateway then sends the provider's own text on, without serializing it again.
   */
  unchanged?: true;
}

/** What the client's request carried besides its body that an adapter may pass on. */
export interface RequestContext {
  /** The client's headers, lower-case (e.g. `anthropic-beta`, passed through to Anthropic). */
  headers?: Readonly<Record<string, string>>;
}

/** What a buffered answer's translation may read besides the body. */
export interface ResponseContext<Req> {
  request: Req;
  headers: Readonly<Record<string, string>>;
}

/**
 * A provider, seen from clients of one API: `Req` is what the client sends, `Res` what it gets
 * back, `Err` its error body.
 */
export interface ProviderAdapter<Req, Res, Err> {
  /** How the upstream frames streamed answers. */
  readonly streamFormat: StreamFormat;
  /**
   * Builds the upstream call. `req` is validated already; the adapter must not mutate it. Throws
   * `RequestNotExpressible` for a request this provider cannot be sent (the client's to fix).
   */
  buildRequest(req: Req, target: ProviderTarget, context?: RequestContext): UpstreamRequest;
  /**
   * Signs or otherwise authorizes the built call, when that needs I/O (credentials from a chain,
   * a clock): Bedrock's SigV4. Runs after `buildRequest`, so the signature covers the final bytes.
   */
  authorize?(call: UpstreamRequest, target: ProviderTarget): Promise<UpstreamRequest>;
  /**
   * Translates a 2xx upstream body (parsed JSON). Throws when the body is not the vendor's shape.
   * `context`: the request it answers and the upstream's headers, for answers that depend on them
   * (embeddings asked as base64; Bedrock's token count in `x-amzn-bedrock-input-token-count`).
   */
  translateResponse(body: unknown, sentModel: string, context?: ResponseContext<Req>): TranslatedResponse<Res>;
  /** A translator for one streamed response. `includeUsage` mirrors `stream_options.include_usage`. */
  streamTranslator(sentModel: string, includeUsage: boolean): StreamTranslator;
  /** Maps a non-2xx upstream body (raw text, maybe not JSON) to the client's error shape. */
  translateError(status: number, body: string, headers?: Readonly<Record<string, string>>): Err;
}

/** A provider, seen from an OpenAI chat completions client. */
export type ChatCompletionsAdapter = ProviderAdapter<ChatCompletionRequest, ChatCompletion, OpenAIErrorBody>;

/** A provider, seen from an Anthropic Messages client. */
export type MessagesAdapter = ProviderAdapter<MessagesApiRequest, MessagesResponse, AnthropicErrorBody>;

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
