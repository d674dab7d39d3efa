/**
 * The Bedrock Converse API wire format (Converse and ConverseStream): the subset modelgate writes
 * and reads. Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */

export type ContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { document: { format: string; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: ToolResultContent[]; status?: 'success' | 'error' } }
  | { reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string } }
  | { cachePoint: { type: 'default' } };

export type ToolResultContent = { text: string } | { json: unknown } | { image: { format: string; source: { bytes: string } } };

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export type SystemBlock = { text: string } | { cachePoint: { type: 'default' } };

export type Tool = { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } } | { cachePoint: { type: 'default' } };

export type ToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseRequest {
  messages: Message[];
  system?: SystemBlock[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: Tool[]; toolChoice?: ToolChoice };
  guardrailConfig?: { guardrailIdentifier: string; guardrailVersion: string; trace?: 'enabled' | 'disabled' };
  additionalModelRequestFields?: Record<string, unknown>;
  outputConfig?: { textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string; description?: string } } } };
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'guardrail_intervened' | 'content_filtered' | 'model_context_window_exceeded';

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** A response content block: what ContentBlock can be, read loosely. */
export interface ResponseBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input?: unknown };
  reasoningContent?: { reasoningText?: { text?: string; signature?: string }; redactedContent?: string };
}

export interface ConverseResponse {
  output: { message?: { role: 'assistant'; content: ResponseBlock[] } };
  stopReason?: StopReason | string;
  usage?: Usage;
  metrics?: { latencyMs?: number };
}

/** ConverseStream events, by `:event-type`. */
export interface StreamEvents {
  messageStart: { role: 'assistant' };
  contentBlockStart: { contentBlockIndex: number; start?: { toolUse?: { toolUseId: string; name: string } } };
  contentBlockDelta: {
    contentBlockIndex: number;
    delta?: { text?: string; toolUse?: { input: string }; reasoningContent?: { text?: string; signature?: string; redactedContent?: string } };
  };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason: string };
  metadata: { usage?: Usage; metrics?: { latencyMs?: number } };
}
