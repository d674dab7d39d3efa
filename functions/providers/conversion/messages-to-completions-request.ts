/**
 * Anthropic Messages request -> OpenAI chat completions request, for Messages clients of a
 * provider that speaks chat completions (OpenAI, Azure OpenAI, custom hosts) or whose adapter
 * starts from it (Gemini, Vertex AI). Follows agentgateway's `completions::from_messages`
 * (its golden cases are the conformance suite). Anthropic-only features with no chat completions
 * equivalent are dropped: cache_control hints, server tools, `top_k`, thinking blocks in history.
 */
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ToolCall, ToolChoice } from '../openai/wire.js';
import type { MessagesApiBlock, MessagesApiMessage, MessagesApiRequest, MessagesApiTool } from '../anthropic/wire.js';
import { isRecord } from '../../core/json.js';

function textPart(text: string): ContentPart {
  return { type: 'text', text };
}

/** `{type: image, source: {type: base64|url}}` -> an `image_url` part; undefined for sources chat cannot carry. */
function imagePart(block: MessagesApiBlock): ContentPart | undefined {
  const source = block.source;
  if (!isRecord(source)) return undefined;
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  return undefined;
}

function blocksOf(content: MessagesApiMessage['content']): MessagesApiBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** Text and image blocks as chat content parts (documents, server tool results, ... have no equivalent). */
function contentParts(blocks: readonly MessagesApiBlock[]): ContentPart[] {
  const parts: ContentPart[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') parts.push(textPart(block.text));
    else if (block.type === 'image') {
      const image = imagePart(block);
      if (image) parts.push(image);
    }
  }
  return parts;
}

/** A tool result's content: its text parts (chat tool messages carry text only); at least one, maybe empty. */
function toolResultParts(content: unknown): ContentPart[] {
  if (typeof content === 'string') return [textPart(content)];
  const texts = Array.isArray(content)
    ? content.flatMap((b) => (isRecord(b) && b.type === 'text' && typeof b.text === 'string' ? [textPart(b.text)] : []))
    : [];
  return texts.length > 0 ? texts : [textPart('')];
}

function toolCall(block: MessagesApiBlock): ToolCall {
  return {
    id: String(block.id ?? ''),
    type: 'function',
    function: { name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) },
  };
}

function translateMessage(message: MessagesApiMessage): ChatMessage[] {
  const blocks = blocksOf(message.content);
  if (message.role === 'system') {
    const parts = contentParts(blocks);
    return parts.length > 0 ? [{ role: 'system', content: parts }] : [];
  }
  if (message.role === 'assistant') {
    const parts = contentParts(blocks).filter((p) => p.type === 'text');
    const calls = blocks.filter((b) => b.type === 'tool_use').map(toolCall);
    if (parts.length === 0 && calls.length === 0) return [];
    return [{ role: 'assistant', ...(parts.length > 0 && { content: parts }), ...(calls.length > 0 && { tool_calls: calls }) }];
  }
  // User turns: tool results become `tool` messages, which must directly follow the assistant's
  // tool calls; whatever else the turn said follows them as a user message.
  const out: ChatMessage[] = blocks
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({ role: 'tool', tool_call_id: String(b.tool_use_id ?? ''), content: toolResultParts(b.content) }));
  const parts = contentParts(blocks);
  if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function systemMessage(system: MessagesApiRequest['system']): ChatMessage | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  const parts = contentParts(system);
  return parts.length > 0 ? { role: 'system', content: parts } : undefined;
}

/** Client tools only: Anthropic's server tools (web search, code execution) run at Anthropic. */
function isClientTool(tool: MessagesApiTool): boolean {
  return tool.type === undefined || tool.type === 'custom';
}

function translateTool(tool: MessagesApiTool): FunctionTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(typeof tool.description === 'string' && { description: tool.description }),
      parameters: tool.input_schema ?? { type: 'object', properties: {} },
    },
  };
}

function translateToolChoice(choice: MessagesApiRequest['tool_choice']): { tool_choice?: ToolChoice; parallel_tool_calls?: boolean } {
  if (!choice) return {};
  const parallel = 'disable_parallel_tool_use' in choice && typeof choice.disable_parallel_tool_use === 'boolean' ? { parallel_tool_calls: !choice.disable_parallel_tool_use } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    default:
      return {};
  }
}

const EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

/**
 * Adaptive thinking asks the model to decide how much to think; chat completions expresses it as
 * `reasoning_effort`, from `output_config.effort` (Anthropic's default is high).
 */
function reasoningEffort(req: MessagesApiRequest, model: string | undefined, hasTools: boolean): string | undefined {
  if (req.thinking?.type !== 'adaptive') return undefined;
  // OpenAI refuses reasoning with function tools on chat completions for most GPT models.
  if (hasTools && model?.startsWith('gpt-') && !/^gpt-5($|-|\.1|\.2)/.test(model)) return 'none';
  const effort = req.output_config?.effort;
  return typeof effort === 'string' && EFFORTS.has(effort) ? effort : 'high';
}

export function messagesToChatRequest(req: MessagesApiRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  const system = systemMessage(req.system);
  if (system) messages.push(system);
  for (const message of req.messages) messages.push(...translateMessage(message));

  const tools = (req.tools ?? []).filter(isClientTool).map(translateTool);
  const effort = reasoningEffort(req, req.model, tools.length > 0);
  const schema = req.output_config?.format?.type === 'json_schema' ? req.output_config.format.schema : undefined;
  const userId = isRecord(req.metadata) && typeof req.metadata.user_id === 'string' ? req.metadata.user_id : undefined;
  const stream = req.stream === true;

  return {
    messages,
    ...(req.model !== undefined && { model: req.model }),
    max_completion_tokens: req.max_tokens,
    stream,
    // Without it an OpenAI stream carries no usage, and a Messages stream must end with it.
    ...(stream && { stream_options: { include_usage: true } }),
    ...(typeof req.temperature === 'number' && { temperature: req.temperature }),
    ...(typeof req.top_p === 'number' && { top_p: req.top_p }),
    ...(Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0 && { stop: req.stop_sequences }),
    ...(tools.length > 0 && { tools, ...translateToolChoice(req.tool_choice) }),
    ...(userId !== undefined && { user: userId }),
    ...(effort !== undefined && { reasoning_effort: effort }),
    ...(schema && { response_format: { type: 'json_schema', json_schema: { name: 'structured_output', schema } } }),
  };
}
