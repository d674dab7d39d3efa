/**
 * The OpenAI Responses API wire format (`POST /v1/responses`), as clients send it and as
 * modelgate answers. Only the fields modelgate reads or writes are typed; the rest is `unknown`,
 * so a request passed through to an upstream that speaks Responses keeps every field it had.
 */

export type ResponsesRole = 'user' | 'assistant' | 'system' | 'developer';

/** One content part of an input message (`input_text`, `input_image`, `input_file`, `output_text`, `refusal`, ...). */
export interface ResponsesContentPart {
  type: string;
  text?: string;
  refusal?: string;
  image_url?: string;
  file_id?: string;
  file_data?: string;
  file_url?: string;
  filename?: string;
  detail?: string;
  [k: string]: unknown;
}

/** One item of `input`: a message (with or without `type: "message"`), a function call, its output, reasoning, ... */
export interface ResponsesInputItem {
  type?: string;
  role?: ResponsesRole;
  content?: string | ResponsesContentPart[];
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: string | ResponsesContentPart[];
  [k: string]: unknown;
}

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ResponsesTool = ResponsesFunctionTool | { type: string; [k: string]: unknown };

export type ResponsesToolChoice = 'none' | 'auto' | 'required' | { type: string; name?: string; [k: string]: unknown };

export interface ResponsesTextFormat {
  type: string;
  name?: string;
  description?: string;
  schema?: Record<string, unknown>;
  strict?: boolean | null;
}

export interface ResponsesRequest {
  model?: string;
  input: string | ResponsesInputItem[];
  instructions?: string | null;
  stream?: boolean;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  tools?: ResponsesTool[];
  tool_choice?: ResponsesToolChoice;
  parallel_tool_calls?: boolean | null;
  text?: { format?: ResponsesTextFormat; verbosity?: string | null; [k: string]: unknown } | null;
  reasoning?: { effort?: string | null; summary?: string | null; [k: string]: unknown } | null;
  store?: boolean | null;
  user?: string;
  [k: string]: unknown;
}

/** An output item of a response. */
export type ResponsesOutputItem =
  | { type: 'message'; id: string; status: 'completed' | 'in_progress' | 'incomplete'; role: 'assistant'; content: ResponsesOutputContent[] }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: 'completed' | 'in_progress' | 'incomplete' }
  | { type: 'reasoning'; id: string; summary: Array<{ type: 'summary_text'; text: string }>; status?: 'completed' | 'in_progress' | 'incomplete' };

export type ResponsesOutputContent = { type: 'output_text'; text: string; annotations: unknown[]; logprobs?: unknown[] | null } | { type: 'refusal'; refusal: string };

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; [k: string]: unknown };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number; [k: string]: unknown };
  total_tokens: number;
}

export type ResponsesStatus = 'completed' | 'incomplete' | 'in_progress' | 'failed';

/** The `response` object (buffered answer, and the snapshot in lifecycle stream events). */
export interface ResponsesResponse {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponsesStatus;
  model: string;
  output: ResponsesOutputItem[];
  usage?: ResponsesUsage | null;
  incomplete_details?: { reason: string } | null;
  error?: { code: string; message: string } | null;
  [k: string]: unknown;
}
