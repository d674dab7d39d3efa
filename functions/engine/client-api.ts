/**
 * The client APIs modelgate serves, as one interface the failover path is written against: how a
 * request is parsed and checked, which policy rewrites apply, which adapter serves it from each
 * provider, and how errors look — OpenAI's `{"error":{...}}` for chat completions clients,
 * Anthropic's `{"type":"error","error":{...}}` for Messages clients, in buffered answers and as
 * the event that ends a broken stream.
 */
import type { AiSettings, CompiledBackend, CompiledProvider } from '../model/config.js';
import type { MessagesApiRequest } from '../providers/anthropic/wire.js';
import type { ChatCompletionRequest } from '../providers/openai/wire.js';
import { adapterFor } from '../providers/registry.js';
import { anthropicError, anthropicErrorTypeForStatus, openAIError } from '../providers/shared/error-body.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { ProviderTarget } from '../core/provider-target.js';
import { applyAiPolicy, applyMessagesAiPolicy } from './ai-policy.js';
import { parseChatRequest } from './chat-request.js';
import { parseMessagesRequest } from './messages-request.js';
import type { GatewayResponse } from './types.js';

/** The client APIs modelgate serves (see endpoints.ts for their paths). */
export type ClientApiName = 'chat' | 'messages' | 'responses' | 'embeddings' | 'count_tokens';

export interface ClientApiSpec<Req> {
  readonly name: ClientApiName;
  /** Parses and checks the body; throws `BadRequest` for anything the client must fix. */
  parse(body: Uint8Array): Req;
  applyAiPolicy(req: Req, ai: AiSettings): Req;
  model(req: Req): string | undefined;
  stream(req: Req): boolean;
  /** Whether a streamed answer should end with token usage (`stream_options.include_usage`). */
  includeUsage(req: Req): boolean;
  adapter(target: ProviderTarget): ProviderAdapter<Req, unknown, unknown>;
  /** An error body in this API's shape. `type` and `code` are OpenAI's words; Anthropic's type follows from the status. */
  errorBody(status: number, message: string, type: string, code: string | null, param?: string): unknown;
  /** The event that ends a stream that broke after its content started: never a clean end. */
  streamError(message: string, code: string, status?: number): string;
  /**
   * Candidates this request must not be sent to, by provider id, each with why: a provider with no
   * such API (`unsupported`), or embeddings from another model (`other-space`). Absent: none skipped.
   */
  skips?(req: Req, backend: CompiledBackend, order: readonly CompiledProvider[]): ReadonlyMap<string, CandidateSkip>;
}

/** A candidate a request skips without an attempt: its word in the attempts trail, and why (for the log and the error). */
export interface CandidateSkip {
  word: string;
  reason: string;
}

export function errorResponseFor<Req>(
  api: Pick<ClientApiSpec<Req>, 'errorBody'>,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
  param?: string,
): GatewayResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(api.errorBody(status, message, type, code, param)) };
}

export const chatApi: ClientApiSpec<ChatCompletionRequest> = {
  name: 'chat',
  parse: parseChatRequest,
  applyAiPolicy,
  model: (req) => req.model,
  stream: (req) => req.stream === true,
  includeUsage: (req) => req.stream_options?.include_usage === true,
  adapter: (target) => adapterFor('chat', target),
  errorBody: (_status, message, type, code, param) => openAIError(message, type, code, param),
  // An OpenAI client raises on `data: {"error":...}`; the stream then closes without [DONE].
  streamError: (message, code) => `data: ${JSON.stringify(openAIError(message, 'upstream_error', code))}\n\n`,
};

export const messagesApi: ClientApiSpec<MessagesApiRequest> = {
  name: 'messages',
  parse: parseMessagesRequest,
  applyAiPolicy: applyMessagesAiPolicy,
  model: (req) => req.model,
  stream: (req) => req.stream === true,
  // A Messages stream always reports usage, in `message_delta`.
  includeUsage: () => true,
  adapter: (target) => adapterFor('messages', target),
  errorBody: (status, message) => anthropicError(message, anthropicErrorTypeForStatus(status)),
  // Anthropic's SDKs raise on `event: error`; no `message_stop` follows.
  streamError: (message, _code, status) =>
    `event: error\ndata: ${JSON.stringify(anthropicError(message, status !== undefined ? anthropicErrorTypeForStatus(status) : 'api_error'))}\n\n`,
};
