/**
 * OpenAI chat completions and Anthropic Messages requests -> Bedrock Converse requests, following
 * agentgateway's `bedrock::from_completions` / `from_messages` (its golden cases are the
 * conformance suite). The model is not in the body: it is in the URL (`/model/{id}/converse`).
 *
 * Converse wants strictly alternating user / assistant turns (consecutive ones are merged), no
 * blank text blocks, images as bytes (it cannot fetch URLs), tool inputs as objects, and a
 * `toolConfig` whenever the history holds tool calls, even if this request offers no tools.
 */
import { boundedArguments } from '../shared/bounded-json.js';
import type { ChatCompletionRequest, ChatMessage } from '../openai/wire.js';
import type { MessagesApiBlock, MessagesApiRequest, MessagesApiTool } from '../anthropic/wire.js';
import { RequestNotExpressible } from '../types.js';
import { inlineFile, refuseUncarriedChatFields, refusePart } from '../conversion/chat-params.js';
import { inlineDocument, refuseBlock, refuseUncarriedMessagesFields } from '../conversion/messages-params.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import type { ContentBlock, ConverseRequest, Message, SystemBlock, Tool, ToolChoice, ToolResultContent } from './wire.js';
import { isRecord } from '../../core/json.js';

/** Converse needs `maxTokens` as much as Anthropic does; the same default. */
export const DEFAULT_MAX_TOKENS = 4096;
/** Offered when the history holds tool calls and the request no tools: Converse refuses toolUse blocks without a toolConfig. */
export const PLACEHOLDER_TOOL = 'placeholder_tool_do_not_call';
/** Bedrock allows this many cache points per request. */
const MAX_CACHE_POINTS = 4;

const BUDGET_BY_EFFORT: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192, max: 16384 };

const isBlank = (text: string) => text.trim() === '';
const CACHE_POINT = { cachePoint: { type: 'default' as const } };

/** `image/png` -> `png`: Converse names the format, not the media type. */
function imageBlock(mediaType: string, data: string): ContentBlock {
  const format = mediaType.replace(/^image\//, '').toLowerCase();
  if (!mediaType.startsWith('image/') || format === '') throw new RequestNotExpressible('Bedrock image inputs must use an image/* media type', 'messages');
  return { image: { format: format === 'jpg' ? 'jpeg' : format, source: { bytes: data } } };
}

function dataUrlImage(url: string): ContentBlock {
  const match = /^data:([^;,]+);base64,(.*)$/is.exec(url);
  if (!match) throw new RequestNotExpressible('Bedrock cannot fetch image URLs: send images inline as base64 data: URLs', 'messages');
  return imageBlock(match[1]!, match[2]!);
}

/** Tool inputs must be objects: anything else (broken JSON from a model) becomes `{}`. */
function objectInput(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return isRecord(value) ? boundedArguments(value) : {};
}

/** Appends a turn, merged into the previous one when the role is the same (Converse requires alternation). */
function pushOrMerge(messages: Message[], message: Message): void {
  if (message.content.length === 0) return;
  const last = messages.at(-1);
  if (last && last.role === message.role) last.content.push(...message.content);
  else messages.push(message);
}

function hasToolBlocks(messages: readonly Message[]): boolean {
  return messages.some((m) => m.content.some((b) => 'toolUse' in b || 'toolResult' in b));
}

function finish(req: ConverseRequest): ConverseRequest {
  if (!req.toolConfig && hasToolBlocks(req.messages)) {
    req.toolConfig = { tools: [{ toolSpec: { name: PLACEHOLDER_TOOL, inputSchema: { json: { type: 'object' } } } }] };
  }
  return req;
}

function guardrail(target: ProviderTarget): Pick<ConverseRequest, 'guardrailConfig'> {
  return target.guardrail ? { guardrailConfig: { guardrailIdentifier: target.guardrail.identifier, guardrailVersion: target.guardrail.version, trace: 'enabled' } } : {};
}

function outputConfig(schema: unknown, name?: string, description?: string): ConverseRequest['outputConfig'] {
  return {
    textFormat: {
      type: 'json_schema',
      structure: { jsonSchema: { schema: JSON.stringify(schema), ...(name !== undefined && { name }), ...(description !== undefined && { description }) } },
    },
  };
}

const VENDOR = 'Bedrock';

/** Converse's document formats, by media type. */
const DOCUMENT_FORMATS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/**
 * Converse document names: letters, digits, single spaces, hyphens, parentheses and square
 * brackets, unique in the request. A file name's other characters become hyphens.
 */
class DocumentNames {
  private readonly used = new Set<string>();
  /** The next number to try per base name, so thousands of same-named files stay linear work. */
  private readonly next = new Map<string, number>();
  name(wanted: string | undefined): string {
    const base =
      (wanted ?? 'document')
        .slice(0, 200)
        .replace(/\.[A-Za-z0-9]{1,5}$/, '')
        .replace(/[^A-Za-z0-9 \-()[\]]/g, '-')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 100) || 'document';
    let name = base;
    let n = this.next.get(base) ?? 2;
    while (this.used.has(name)) name = `${base} (${n++})`;
    this.next.set(base, n);
    this.used.add(name);
    return name;
  }
}

/** A document block, or undefined for a media type Converse has no document format for. */
function documentBlock(mediaType: string, data: string, name: string): ContentBlock | undefined {
  const format = DOCUMENT_FORMATS[mediaType];
  return format === undefined ? undefined : { document: { format, name, source: { bytes: data } } };
}

// ---------------------------------------------------------------- from chat completions

function chatUserBlocks(content: ChatMessage['content'], messageIndex: number, names: DocumentNames): ContentBlock[] {
  if (typeof content === 'string') return isBlank(content) ? [] : [{ text: content }];
  const blocks: ContentBlock[] = [];
  (content ?? []).forEach((part, partIndex) => {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (!isBlank(part.text)) blocks.push({ text: part.text });
    } else if (part.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      blocks.push(dataUrlImage(typeof url === 'string' ? url : ''));
    } else if (part.type === 'file') {
      const file = inlineFile(part);
      if (file === undefined) refusePart(VENDOR, 'a file by id or without inline data (send `file.file_data` as a data: URL)', messageIndex, partIndex);
      const block = documentBlock(file.mediaType, file.data, names.name(file.filename));
      if (!block) refusePart(VENDOR, `a ${file.mediaType} file (documents must be ${Object.keys(DOCUMENT_FORMATS).join(', ')})`, messageIndex, partIndex);
      blocks.push(block);
    } else {
      refusePart(VENDOR, `a content part of type ${JSON.stringify(part.type)}`, messageIndex, partIndex);
    }
  });
  return blocks;
}

function chatAssistantBlocks(m: ChatMessage, index: number): ContentBlock[] {
  for (const field of ['audio', 'function_call'] as const) {
    if (m[field] !== undefined && m[field] !== null) {
      throw new RequestNotExpressible(`${VENDOR} cannot carry an assistant message's \`${field}\` (messages[${index}].${field}).`, `messages[${index}].${field}`);
    }
  }
  const blocks: ContentBlock[] = [];
  // A replayed thinking block goes first, with its signature (Bedrock refuses an unsigned one).
  if (typeof m.reasoning_signature === 'string' && m.reasoning_signature !== '') {
    blocks.push({ reasoningContent: { reasoningText: { text: typeof m.reasoning_content === 'string' ? m.reasoning_content : '', signature: m.reasoning_signature } } });
  }
  if (typeof m.content === 'string') {
    if (!isBlank(m.content)) blocks.push({ text: m.content });
  } else {
    for (const part of m.content ?? []) {
      const text = part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
      if (typeof text === 'string' && !isBlank(text)) blocks.push({ text });
    }
  }
  if (typeof m.refusal === 'string' && !isBlank(m.refusal)) blocks.push({ text: m.refusal });
  for (const call of m.tool_calls ?? []) {
    blocks.push({ toolUse: { toolUseId: call.id, name: call.function?.name ?? '', input: objectInput(call.function?.arguments ?? '') } });
  }
  return blocks;
}

function chatToolResult(m: ChatMessage): ContentBlock[] {
  const content: ToolResultContent[] =
    typeof m.content === 'string' ? [{ text: m.content }] : (m.content ?? []).flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [{ text: p.text }] : []));
  return content.length === 0 ? [] : [{ toolResult: { toolUseId: m.tool_call_id ?? '', content } }];
}

function chatSystemText(m: ChatMessage): string | undefined {
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return undefined;
  const texts = m.content.flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [p.text] : []));
  return texts.length > 0 ? texts.join('\n') : undefined;
}

function chatToolChoice(choice: ChatCompletionRequest['tool_choice']): ToolChoice | undefined {
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (typeof choice === 'object' && choice !== null) return { tool: { name: choice.function.name } };
  return undefined; // `none`: Converse has no such choice; the tools are not offered instead (see below)
}

/** Chat fields Converse carries beyond those every translation reads (`top_k` goes to the model's own fields). */
const CHAT_CARRIED = new Set(['top_k']);

export function chatToConverse(req: ChatCompletionRequest, target: ProviderTarget): ConverseRequest {
  refuseUncarriedChatFields(req, VENDOR, CHAT_CARRIED);
  const system = req.messages.filter((m) => m.role === 'system' || m.role === 'developer').flatMap((m) => chatSystemText(m) ?? []);
  const messages: Message[] = [];
  const names = new DocumentNames();
  req.messages.forEach((m, index) => {
    if (m.role === 'user') pushOrMerge(messages, { role: 'user', content: chatUserBlocks(m.content, index, names) });
    else if (m.role === 'assistant') pushOrMerge(messages, { role: 'assistant', content: chatAssistantBlocks(m, index) });
    else if (m.role === 'tool') pushOrMerge(messages, { role: 'user', content: chatToolResult(m) });
    else if (m.role === 'function' && typeof m.content === 'string' && !isBlank(m.content)) pushOrMerge(messages, { role: 'user', content: [{ text: m.content }] });
  });

  const stop = typeof req.stop === 'string' ? [req.stop] : Array.isArray(req.stop) ? req.stop : [];
  const tools: Tool[] = (req.tools ?? [])
    .filter((t) => t.type === 'function' && t.function)
    .map((t) => ({
      toolSpec: {
        name: t.function.name,
        ...(t.function.description !== undefined && { description: t.function.description }),
        inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
      },
    }));
  const choice = chatToolChoice(req.tool_choice);
  const effort = typeof req.reasoning_effort === 'string' ? BUDGET_BY_EFFORT[req.reasoning_effort] : undefined;
  const extra: Record<string, unknown> = {};
  // Anthropic models on Bedrock take thinking and top_k here; manual thinking refuses a custom top_k.
  if (effort !== undefined && typeof req.top_k === 'number') {
    throw new RequestNotExpressible(`${VENDOR} cannot carry \`top_k\` together with \`reasoning_effort\` (manual thinking refuses a custom top_k); remove one of them.`, 'top_k');
  }
  if (effort !== undefined) extra.thinking = { type: 'enabled', budget_tokens: effort };
  else if (typeof req.top_k === 'number') extra.top_k = req.top_k;
  const format = req.response_format;

  return finish({
    messages,
    ...(system.length > 0 && { system: [{ text: system.join('\n') }] }),
    inferenceConfig: {
      maxTokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
      ...(typeof req.temperature === 'number' && { temperature: req.temperature }),
      ...(typeof req.top_p === 'number' && { topP: req.top_p }),
      ...(stop.length > 0 && { stopSequences: stop }),
    },
    ...(format?.type === 'json_object' && { outputConfig: outputConfig({ type: 'object', additionalProperties: true }) }),
    ...(format?.type === 'json_schema' && format.json_schema?.schema && { outputConfig: outputConfig(format.json_schema.schema, format.json_schema.name) }),
    // `tool_choice: none` has no Converse word: the tools are not offered, so none can be called.
    ...(tools.length > 0 && req.tool_choice !== 'none' && { toolConfig: { tools, ...(choice && { toolChoice: choice }) } }),
    ...guardrail(target),
    ...(Object.keys(extra).length > 0 && { additionalModelRequestFields: extra }),
  });
}

// ---------------------------------------------------------------- from Anthropic Messages

class CachePoints {
  private used = 0;
  /** A cache point after a block that asked for one, while Bedrock's budget lasts. */
  after(block: object): Array<typeof CACHE_POINT> {
    const { cache_control } = block as { cache_control?: unknown };
    if (cache_control === undefined || cache_control === null || this.used >= MAX_CACHE_POINTS) return [];
    this.used++;
    return [CACHE_POINT];
  }
}

function messagesImage(block: MessagesApiBlock): ContentBlock {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') return imageBlock(source.media_type, source.data);
  throw new RequestNotExpressible('Bedrock cannot fetch image URLs: send images as base64 sources', 'messages');
}

function toolResultContent(content: unknown, at: string): ToolResultContent[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((b, i): ToolResultContent[] => {
    if (!isRecord(b)) return [];
    if (b.type === 'text' && typeof b.text === 'string') return [{ text: b.text }];
    if (b.type === 'image') return [messagesImage(b as MessagesApiBlock) as ToolResultContent];
    return refuseBlock(VENDOR, `a ${JSON.stringify(String(b.type))} block inside a tool result`, `${at}.content.${i}`);
  });
}

/** An Anthropic `document` block with inline data (base64 or text) as a Converse document. */
function messagesDocument(block: MessagesApiBlock, names: DocumentNames, at: string): ContentBlock {
  const doc = inlineDocument(block);
  if (doc === undefined) refuseBlock(VENDOR, 'a document by URL or file id (send it as base64 or text)', at);
  const out = documentBlock(doc.mediaType, doc.data, names.name(doc.title));
  if (!out) refuseBlock(VENDOR, `a ${doc.mediaType} document (documents must be ${Object.keys(DOCUMENT_FORMATS).join(', ')})`, at);
  return out;
}

function messagesBlocks(content: MessagesApiRequest['messages'][number]['content'], cache: CachePoints, names: DocumentNames, at: string): ContentBlock[] {
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content } as MessagesApiBlock] : content;
  const out: ContentBlock[] = [];
  for (const [i, b] of blocks.entries()) {
    switch (b.type) {
      case 'text':
        if (typeof b.text === 'string' && !isBlank(b.text)) out.push({ text: b.text });
        break;
      case 'image':
        out.push(messagesImage(b));
        break;
      case 'tool_use':
        out.push({ toolUse: { toolUseId: String(b.id ?? ''), name: String(b.name ?? ''), input: objectInput(b.input) } });
        break;
      case 'tool_result':
        out.push({
          toolResult: { toolUseId: String(b.tool_use_id ?? ''), content: toolResultContent(b.content, `${at}.${i}`), ...(b.is_error === true && { status: 'error' as const }) },
        });
        break;
      case 'document':
        out.push(messagesDocument(b, names, `${at}.${i}`));
        break;
      case 'thinking':
        // Only a signed thinking block can be replayed.
        if (typeof b.signature === 'string' && b.signature !== '') {
          out.push({ reasoningContent: { reasoningText: { text: typeof b.thinking === 'string' ? b.thinking : '', signature: b.signature } } });
        }
        break;
      case 'redacted_thinking':
        if (typeof b.data === 'string') out.push({ reasoningContent: { redactedContent: b.data } });
        break;
      default:
        // server tool blocks, search results, container uploads: nothing Converse takes in a turn
        refuseBlock(VENDOR, `a ${JSON.stringify(b.type)} block`, `${at}.${i}`);
    }
    out.push(...cache.after(b));
  }
  return out;
}

function messagesTool(tool: MessagesApiTool): Tool {
  return {
    toolSpec: {
      name: tool.name,
      ...(typeof tool.description === 'string' && { description: tool.description }),
      inputSchema: { json: tool.input_schema ?? { type: 'object', properties: {} } },
    },
  };
}

function messagesToolChoice(choice: MessagesApiRequest['tool_choice']): ToolChoice | undefined {
  switch (choice?.type) {
    case 'auto':
      return { auto: {} };
    case 'any':
      return { any: {} };
    case 'tool':
      return { tool: { name: choice.name } };
    default:
      return undefined;
  }
}

export function messagesToConverse(req: MessagesApiRequest, target: ProviderTarget): ConverseRequest {
  refuseUncarriedMessagesFields(req, VENDOR, new Set(['top_k']));
  const cache = new CachePoints();
  const names = new DocumentNames();
  const system: SystemBlock[] = [];
  if (typeof req.system === 'string') {
    if (!isBlank(req.system)) system.push({ text: req.system });
  } else {
    for (const b of req.system ?? []) {
      if (b.type === 'text' && typeof b.text === 'string') system.push({ text: b.text }, ...cache.after(b));
    }
  }
  const messages: Message[] = [];
  req.messages.forEach((m, index) => {
    const at = `messages.${index}.content`;
    if (m.role === 'system') {
      // Not Anthropic's, but clients send it: a system prompt, appended. A system prompt is text only.
      for (const b of messagesBlocks(m.content, cache, names, at)) {
        if ('text' in b) system.push({ text: b.text });
        else if (!('cachePoint' in b)) refuseBlock(VENDOR, 'anything but text in a system message', at);
      }
      return;
    }
    pushOrMerge(messages, { role: m.role, content: messagesBlocks(m.content, cache, names, at) });
  });

  const tools: Tool[] = [];
  for (const tool of req.tools ?? []) {
    // Anthropic's server tools (web search, ...) run at Anthropic; Converse has no equivalent.
    if (tool.type !== undefined && tool.type !== 'custom') continue;
    tools.push(messagesTool(tool), ...cache.after(tool));
  }
  const choice = messagesToolChoice(req.tool_choice);

  const extra: Record<string, unknown> = {};
  if (req.thinking !== undefined) extra.thinking = req.thinking;
  if (typeof req.top_k === 'number') extra.top_k = req.top_k;
  if (isRecord(req.metadata) && Object.keys(req.metadata).length > 0) extra.metadata = req.metadata;
  if (typeof req.output_config?.effort === 'string') extra.output_config = { effort: req.output_config.effort };
  const schema = req.output_config?.format?.type === 'json_schema' ? req.output_config.format.schema : undefined;

  return finish({
    messages,
    ...(system.length > 0 && { system }),
    inferenceConfig: {
      maxTokens: req.max_tokens,
      ...(typeof req.temperature === 'number' && { temperature: req.temperature }),
      ...(typeof req.top_p === 'number' && { topP: req.top_p }),
      ...(Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0 && { stopSequences: req.stop_sequences }),
    },
    ...(schema !== undefined && { outputConfig: outputConfig(schema) }),
    ...(tools.length > 0 && req.tool_choice?.type !== 'none' && { toolConfig: { tools, ...(choice && { toolChoice: choice }) } }),
    ...guardrail(target),
    ...(Object.keys(extra).length > 0 && { additionalModelRequestFields: extra }),
  });
}
