/**
 * Anthropic Messages request -> OpenAI chat completions request, for Messages clients of a
 * provider that speaks chat completions (OpenAI, Azure OpenAI, custom hosts) or whose adapter
 * starts from it (Gemini, Vertex AI). Follows agentgateway's `completions::from_messages`
 * (its golden cases are the conformance suite). Where agentgateway drops what chat completions
 * cannot say, modelgate refuses with a 400 naming the field or block (server tools and their
 * blocks, `top_k` for OpenAI, documents by URL, images inside tool results, ...). Left out on
 * purpose, as hints that do not change the answer: `cache_control`, and thinking blocks in the
 * history (another vendor's model cannot verify their signatures; the text and tool calls of the
 * turn stay). A `document` block becomes a `file` part (base64) or a text part (a text source).
 */
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ToolCall, ToolChoice } from '../openai/wire.js';
import type { MessagesApiBlock, MessagesApiMessage, MessagesApiRequest, MessagesApiTool } from '../anthropic/wire.js';
import { isRecord } from '../../core/json.js';
import { inlineDocument, refuseBlock, refuseUncarriedMessagesFields } from './messages-params.js';

/** The chat completions upstream a Messages request is translated for: its name in errors, and the Messages fields it carries beyond the common ones. */
export interface ChatDialect {
  vendor: string;
  carried: ReadonlySet<string>;
}

/** OpenAI, Azure OpenAI and OpenAI-compatible hosts. */
export const OPENAI_DIALECT: ChatDialect = { vendor: 'An OpenAI chat completions provider', carried: new Set() };
/** Gemini reads `top_k` from the chat request (as `generationConfig.topK`). */
export const GEMINI_DIALECT: ChatDialect = { vendor: 'Gemini', carried: new Set(['top_k']) };

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

/** A `document` block: a `file` part for inline data, a text part for a text source. */
function documentPart(block: MessagesApiBlock, dialect: ChatDialect, at: string): ContentPart {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type === 'text' && typeof source.data === 'string') return textPart(source.data);
  const doc = inlineDocument(block);
  if (doc === undefined) refuseBlock(dialect.vendor, 'a document by URL or file id (send it as base64 or text)', at);
  const filename = doc.title ?? (doc.mediaType === 'application/pdf' ? 'document.pdf' : 'document');
  return { type: 'file', file: { filename, file_data: `data:${doc.mediaType};base64,${doc.data}` } };
}

/**
 * Blocks as chat content parts: text, images and documents; `thinking` blocks are left out (see
 * above); anything else is refused, naming the block (`at` is its list, `messages.2.content`).
 */
function contentParts(blocks: readonly MessagesApiBlock[], dialect: ChatDialect, at: string, allowed: ReadonlySet<string> = USER_BLOCKS, offset = 0): ContentPart[] {
  const parts: ContentPart[] = [];
  blocks.forEach((block, k) => {
    const i = k + offset;
    if (block.type === 'tool_result' || block.type === 'tool_use' || block.type === 'thinking' || block.type === 'redacted_thinking') return; // handled by the caller, or left out
    if (!allowed.has(block.type)) refuseBlock(dialect.vendor, `a ${JSON.stringify(block.type)} block here`, `${at}.${i}`);
    if (block.type === 'text' && typeof block.text === 'string') parts.push(textPart(block.text));
    else if (block.type === 'image') {
      const image = imagePart(block);
      if (!image) refuseBlock(dialect.vendor, 'an image by file id (send it as base64 or a URL)', `${at}.${i}`);
      parts.push(image);
    } else if (block.type === 'document') parts.push(documentPart(block, dialect, `${at}.${i}`));
  });
  return parts;
}

const USER_BLOCKS: ReadonlySet<string> = new Set(['text', 'image', 'document']);
const TEXT_BLOCKS: ReadonlySet<string> = new Set(['text']);

/**
 * A tool result's content: its text parts (chat tool messages carry text only; at least one,
 * maybe empty), and its images and documents, which go in the user message that follows the
 * tool messages (`media`), the place chat completions has for them.
 */
function toolResultParts(content: unknown, dialect: ChatDialect, at: string, media: ContentPart[]): ContentPart[] {
  if (typeof content === 'string') return [textPart(content)];
  const texts: ContentPart[] = [];
  if (Array.isArray(content)) {
    content.forEach((b, i) => {
      if (isRecord(b) && b.type === 'text' && typeof b.text === 'string') texts.push(textPart(b.text));
      else if (isRecord(b) && (b.type === 'image' || b.type === 'document')) media.push(...contentParts([b as MessagesApiBlock], dialect, `${at}.content`, USER_BLOCKS, i));
      else refuseBlock(dialect.vendor, `a ${JSON.stringify(isRecord(b) ? String(b.type) : typeof b)} block inside a tool result`, `${at}.content.${i}`);
    });
  }
  return texts.length > 0 ? texts : [textPart('')];
}

function toolCall(block: MessagesApiBlock): ToolCall {
  return {
    id: String(block.id ?? ''),
    type: 'function',
    function: { name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) },
  };
}

function translateMessage(message: MessagesApiMessage, dialect: ChatDialect, index: number): ChatMessage[] {
  const blocks = blocksOf(message.content);
  const at = `messages.${index}.content`;
  if (message.role === 'system') {
    const parts = contentParts(blocks, dialect, at, TEXT_BLOCKS);
    return parts.length > 0 ? [{ role: 'system', content: parts }] : [];
  }
  if (message.role === 'assistant') {
    const parts = contentParts(blocks, dialect, at, TEXT_BLOCKS);
    const calls = blocks.filter((b) => b.type === 'tool_use').map(toolCall);
    if (parts.length === 0 && calls.length === 0) return [];
    return [{ role: 'assistant', ...(parts.length > 0 && { content: parts }), ...(calls.length > 0 && { tool_calls: calls }) }];
  }
  // User turns: tool results become `tool` messages, which must directly follow the assistant's
  // tool calls; whatever else the turn said follows them as a user message.
  const out: ChatMessage[] = [];
  const media: ContentPart[] = [];
  blocks.forEach((b, i) => {
    if (b.type !== 'tool_result') return;
    const content = toolResultParts(b.content, dialect, `${at}.${i}`, media);
    // Chat completions has no error flag on a tool result: the text is the only place to say it.
    if (b.is_error === true) content.unshift(textPart('Error: '));
    out.push({ role: 'tool', tool_call_id: String(b.tool_use_id ?? ''), content });
  });
  const parts = [...media, ...contentParts(blocks, dialect, at)];
  if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function systemMessage(system: MessagesApiRequest['system'], dialect: ChatDialect): ChatMessage | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  const parts = contentParts(system, dialect, 'system', TEXT_BLOCKS);
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
  const thinking = req.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type === 'enabled') {
    // A thinking budget, in the words chat completions has: agentgateway's effort table, read backwards.
    if (hasTools && model?.startsWith('gpt-') && !/^gpt-5($|-|\.1|\.2)/.test(model)) return 'none';
    const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;
    return budget <= 1024 ? 'low' : budget <= 2048 ? 'medium' : 'high';
  }
  if (req.thinking?.type !== 'adaptive') return undefined;
  // OpenAI refuses reasoning with function tools on chat completions for most GPT models.
  if (hasTools && model?.startsWith('gpt-') && !/^gpt-5($|-|\.1|\.2)/.test(model)) return 'none';
  const effort = req.output_config?.effort;
  return typeof effort === 'string' && EFFORTS.has(effort) ? effort : 'high';
}

export function messagesToChatRequest(req: MessagesApiRequest, dialect: ChatDialect = OPENAI_DIALECT): ChatCompletionRequest {
  refuseUncarriedMessagesFields(req, dialect.vendor, dialect.carried);
  const messages: ChatMessage[] = [];
  const system = systemMessage(req.system, dialect);
  if (system) messages.push(system);
  for (const [index, message] of req.messages.entries()) messages.push(...translateMessage(message, dialect, index));

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
    ...(typeof req.top_k === 'number' && dialect.carried.has('top_k') && { top_k: req.top_k }),
    ...(Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0 && { stop: req.stop_sequences }),
    ...(tools.length > 0 && { tools, ...translateToolChoice(req.tool_choice) }),
    ...(userId !== undefined && { user: userId }),
    ...(effort !== undefined && { reasoning_effort: effort }),
    ...(schema && { response_format: { type: 'json_schema', json_schema: { name: 'structured_output', schema } } }),
  };
}
