/**
 * The Anthropic Messages wire format: the subset modelgate writes (requests) and reads
 * (responses, stream events, errors). Reference: @anthropic-ai/sdk resources/messages.
 */

export interface TextBlock {
  type: 'text';
  text: string;
}
export type ImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
export interface ImageBlock {
  type: 'image';
  source: ImageSource;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | TextBlock[];
}
export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

/** A PDF, inline (what a chat client's `file` part becomes). */
export interface DocumentBlock {
  type: 'document';
  source: { type: 'base64'; media_type: 'application/pdf'; data: string };
  title?: string;
}

export type RequestContentBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock;

export interface MessageParam {
  role: 'user' | 'assistant';
  content: RequestContentBlock[];
}

export interface Tool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type ToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface MessagesRequest {
  messages: MessageParam[];
  system?: string;
  model: string;
  max_tokens: number;
  stop_sequences?: string[];
  stream?: true;
  temperature?: number;
  top_p?: number;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  metadata?: { user_id: string };
  thinking?: { type: 'enabled'; budget_tokens: number };
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/** Cache fields are absent or `null` when caching was not involved. */
export interface Usage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  service_tier?: string | null;
}

/** Response blocks we translate; anything else (server tools, redacted thinking) is skipped. */
export type ResponseContentBlock = TextBlock | ToolUseBlock | ThinkingBlock | { type: string; [k: string]: unknown };

export interface MessagesResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence?: string | null;
  usage: Usage;
}

export type ContentBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; citation: unknown };

export interface ErrorDetail {
  type: string;
  message: string;
}

export type StreamEvent =
  | { type: 'message_start'; message: Omit<MessagesResponse, 'content'> & { content: unknown[] } }
  | { type: 'content_block_start'; index: number; content_block: ResponseContentBlock }
  | { type: 'content_block_delta'; index: number; delta: ContentBlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: StopReason | null; stop_sequence?: string | null }; usage?: Usage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: ErrorDetail };

export interface ErrorResponse {
  type: 'error';
  error: ErrorDetail;
}

/** The error body every Anthropic client understands. */
export type AnthropicErrorBody = ErrorResponse;

/** A content block as a Messages client sends it: typed where modelgate reads it; the rest passes through. */
export interface MessagesApiBlock {
  type: string;
  [k: string]: unknown;
}

export interface MessagesApiMessage {
  /** `system` is not Anthropic's, but clients send it and agentgateway accepts it: a system prompt in place. */
  role: 'user' | 'assistant' | 'system';
  content: string | MessagesApiBlock[];
  [k: string]: unknown;
}

export interface MessagesApiTool {
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
  /** Set for Anthropic's server tools (`web_search_20250305`, ...); absent or `custom` for client tools. */
  type?: string;
  cache_control?: unknown;
  [k: string]: unknown;
}

export type MessagesApiToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/**
 * An Anthropic Messages request as a client sends it (`POST /v1/messages`). Only the fields
 * modelgate reads or translates are typed; everything else passes through to Anthropic as is.
 */
export interface MessagesApiRequest {
  model?: string;
  max_tokens: number;
  messages: MessagesApiMessage[];
  system?: string | MessagesApiBlock[];
  stream?: boolean;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: MessagesApiTool[];
  tool_choice?: MessagesApiToolChoice;
  metadata?: Record<string, unknown>;
  thinking?: { type: string; budget_tokens?: number };
  output_config?: { effort?: string; format?: { type: string; schema?: Record<string, unknown> } };
  [k: string]: unknown;
}
