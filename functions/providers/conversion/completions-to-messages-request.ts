/**
 * OpenAI chat completions request -> Anthropic Messages request, following agentgateway's
 * `from_completions` translation (its golden cases are our conformance suite): the chat messages
 * become Anthropic's `system` + `messages`. Where agentgateway drops what Anthropic has no
 * equivalent for (n > 1, logit_bias, presence/frequency penalties, seed, logprobs, the legacy
 * functions/function_call, audio input, files other than PDFs), modelgate refuses the request
 * with a 400 naming the field (chat-params.ts): nothing is dropped quietly. A PDF `file` part
 * becomes a `document` block.
 */
import { RequestNotExpressible } from '../types.js';
import { inlineFile, refuseUncarriedChatFields, refusePart } from './chat-params.js';
import { boundedArguments } from '../shared/bounded-json.js';
import { isRecord } from '../../core/json.js';
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ToolCall, ToolChoice as OpenAIToolChoice } from '../openai/wire.js';
import type {
  DocumentBlock,
  ImageSource,
  MessageParam,
  MessagesRequest,
  RequestContentBlock,
  TextBlock,
  Tool,
  ToolChoice,
  ToolResultBlock,
  ToolUseBlock,
} from '../anthropic/wire.js';

export interface TranslatedMessages {
  /** System and developer messages joined with "\n"; undefined when there are none. */
  system?: string;
  messages: MessageParam[];
}

/** Anthropic rejects empty and whitespace-only text blocks, so they are dropped on the way. */
function isBlank(text: string): boolean {
  return text.trim() === '';
}

function textBlock(text: string): TextBlock {
  return { type: 'text', text };
}

/** The text of a `text` part (or an assistant `refusal` part); undefined for anything else. */
function partText(part: ContentPart): string | undefined {
  const value: unknown = part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The texts of a content value, string or parts, blank ones dropped. */
function texts(content: ChatMessage['content']): string[] {
  const all = typeof content === 'string' ? [content] : (content ?? []).flatMap((part) => partText(part) ?? []);
  return all.filter((text) => !isBlank(text));
}

/** The text of a system/developer message; several parts are joined with "\n" like the messages. */
function systemText(content: ChatMessage['content']): string | undefined {
  const text = texts(content).join('\n');
  return text === '' ? undefined : text;
}

/** `data:<media type>;base64,<data>` becomes an inline image; any other URL is fetched by Anthropic. */
function imageSource(url: string): ImageSource {
  const match = /^data:([^;,]+);base64,(.*)$/is.exec(url);
  return match ? { type: 'base64', media_type: match[1]!, data: match[2]! } : { type: 'url', url };
}

const VENDOR = 'Anthropic';

/** A `file` part with an inline PDF becomes a `document` block; anything else Anthropic cannot take from a chat client. */
function documentBlock(part: ContentPart, messageIndex: number, partIndex: number): DocumentBlock {
  const file = inlineFile(part);
  if (file === undefined) refusePart(VENDOR, 'a file by id or without inline data (send `file.file_data` as a data: URL)', messageIndex, partIndex);
  if (file.mediaType !== 'application/pdf') refusePart(VENDOR, `a ${file.mediaType} file (documents must be application/pdf)`, messageIndex, partIndex);
  return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: file.data }, ...(file.filename && { title: file.filename }) };
}

/** User parts: text, images and PDF files. Audio has no Anthropic equivalent: a 400, never a quiet drop. */
function userBlocks(content: ChatMessage['content'], messageIndex: number): RequestContentBlock[] {
  if (typeof content === 'string') return isBlank(content) ? [] : [textBlock(content)];
  const blocks: RequestContentBlock[] = [];
  (content ?? []).forEach((part, partIndex) => {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (!isBlank(part.text)) blocks.push(textBlock(part.text));
    } else if (part.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      if (typeof url === 'string') blocks.push({ type: 'image', source: imageSource(url) });
    } else if (part.type === 'file') {
      blocks.push(documentBlock(part, messageIndex, partIndex));
    } else {
      refusePart(VENDOR, `a content part of type ${JSON.stringify(part.type)}`, messageIndex, partIndex);
    }
  });
  return blocks;
}

/**
 * Tool call arguments are a JSON string in OpenAI and an object in Anthropic. Models sometimes
 * produce broken JSON; Anthropic rejects a non-object `input`, so anything else becomes `{}`.
 */
function toolInput(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args);
    if (isRecord(parsed)) return boundedArguments(parsed);
  } catch (error) {
    if (error instanceof RequestNotExpressible) throw error;
  }
  return {};
}

function toolUseBlock(call: ToolCall): ToolUseBlock {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) };
}

/** Assistant turns: text (and refusal text, the only record of what was said), then tool calls. */
function assistantBlocks(message: ChatMessage): RequestContentBlock[] {
  const said = texts(message.content);
  if (typeof message.refusal === 'string' && !isBlank(message.refusal)) said.push(message.refusal);
  const blocks: RequestContentBlock[] = said.map(textBlock);
  for (const call of message.tool_calls ?? []) {
    if (call.type === 'function') blocks.push(toolUseBlock(call));
  }
  return blocks;
}

function toolResultBlock(message: ChatMessage): ToolResultBlock {
  const content = typeof message.content === 'string' ? message.content : texts(message.content).map(textBlock);
  return { type: 'tool_result', tool_use_id: message.tool_call_id ?? '', content };
}

/** The legacy `function` role carries a function's output as plain text. */
function legacyFunctionBlocks(message: ChatMessage): RequestContentBlock[] {
  return typeof message.content === 'string' && !isBlank(message.content) ? [textBlock(message.content)] : [];
}

export function translateMessages(input: readonly ChatMessage[]): TranslatedMessages {
  const systemParts: string[] = [];
  const messages: MessageParam[] = [];
  let previousWasToolResult = false;

  input.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') {
      const text = systemText(message.content);
      if (text !== undefined) systemParts.push(text);
      return;
    }
    if (message.role === 'tool') {
      const block = toolResultBlock(message);
      // Results of parallel calls go back in one user turn: Anthropic documents that splitting
      // them across turns teaches the model to stop making parallel calls.
      const last = messages.at(-1);
      if (previousWasToolResult && last) last.content.push(block);
      else messages.push({ role: 'user', content: [block] });
      previousWasToolResult = true;
      return;
    }
    previousWasToolResult = false;
    const [role, content] =
      message.role === 'assistant'
        ? (['assistant', assistantBlocks(message)] as const)
        : message.role === 'function'
          ? (['user', legacyFunctionBlocks(message)] as const)
          : (['user', userBlocks(message.content, index)] as const);
    for (const field of ['audio', 'function_call'] as const) {
      if (message[field] !== undefined && message[field] !== null) {
        throw new RequestNotExpressible(`${VENDOR} cannot carry an assistant message's \`${field}\` (messages[${index}].${field}).`, `messages[${index}].${field}`);
      }
    }
    // An empty turn is an Anthropic 400. Only blank text is left out (Anthropic refuses blank
    // text blocks): a turn made of nothing but that is skipped, as there is nothing in it to lose.
    if (content.length > 0) messages.push({ role, content });
  });

  return systemParts.length > 0 ? { system: systemParts.join('\n'), messages } : { messages };
}

/** Anthropic requires `max_tokens`; OpenAI does not. agentgateway's default, seen in its goldens. */
export const DEFAULT_MAX_TOKENS = 4096;

/** `reasoning_effort` -> thinking budget, agentgateway's table (`none` and unknown values: no thinking). */
const THINKING_BUDGET_BY_EFFORT: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
  xhigh: 8192,
  max: 16384,
};

/** Anthropic's smallest thinking budget; the budget must also stay below `max_tokens`. */
const MIN_THINKING_BUDGET = 1024;

function thinkingBudget(effort: string | undefined, maxTokens: number): number | undefined {
  const budget = effort === undefined ? undefined : THINKING_BUDGET_BY_EFFORT[effort];
  if (budget === undefined || budget < MIN_THINKING_BUDGET || maxTokens <= MIN_THINKING_BUDGET) return undefined;
  return Math.min(budget, maxTokens - 1);
}

function stopSequences(stop: ChatCompletionRequest['stop']): string[] {
  if (typeof stop === 'string') return [stop];
  return Array.isArray(stop) ? stop : [];
}

function translateTool(tool: FunctionTool): Tool {
  const { name, description, parameters } = tool.function;
  // Anthropic requires a schema; a parameterless OpenAI function takes an empty object.
  const input_schema = parameters ?? { type: 'object', properties: {} };
  return description === undefined ? { name, input_schema } : { name, description, input_schema };
}

/**
 * `parallel_tool_calls: false` lives on Anthropic's tool_choice, so it can create one (`auto`)
 * when the client set no tool_choice. `none` takes no such flag.
 */
function translateToolChoice(choice: OpenAIToolChoice | undefined, parallelToolCalls: boolean | undefined, hasTools: boolean): ToolChoice | undefined {
  const serial = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...serial };
  if (choice === 'required') return { type: 'any', ...serial };
  if (typeof choice === 'object' && choice !== null) return { type: 'tool', name: choice.function.name, ...serial };
  return parallelToolCalls === false && hasTools ? { type: 'auto', ...serial } : undefined;
}

/**
 * Anthropic has no JSON mode; `json_object` becomes a schema that accepts any object, as
 * agentgateway does. A `json_schema` without a schema is treated the same way.
 */
function outputFormat(format: ChatCompletionRequest['response_format']): MessagesRequest['output_config'] {
  if (format?.type === 'json_schema' && format.json_schema?.schema) {
    return { format: { type: 'json_schema', schema: format.json_schema.schema } };
  }
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    return { format: { type: 'json_schema', schema: { type: 'object', additionalProperties: true } } };
  }
  return undefined;
}

/** Chat fields Anthropic carries beyond those every translation reads. */
const CARRIED = new Set(['top_k', 'parallel_tool_calls']);

export function toMessagesRequest(req: ChatCompletionRequest, model: string): MessagesRequest {
  refuseUncarriedChatFields(req, VENDOR, CARRIED);
  const { system, messages } = translateMessages(req.messages);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS;
  const stop = stopSequences(req.stop);
  const tools = (req.tools ?? []).filter((tool) => tool.type === 'function').map(translateTool);
  const toolChoice = translateToolChoice(req.tool_choice, req.parallel_tool_calls, tools.length > 0);
  const budget = thinkingBudget(req.reasoning_effort, maxTokens);
  const output = outputFormat(req.response_format);

  // Extended thinking rejects a non-default temperature, a top_p below 0.95 and top_k: asked for
  // together with reasoning, they are refused by name rather than dropped.
  if (budget !== undefined) {
    const clash =
      typeof req.temperature === 'number' && req.temperature !== 1
        ? 'temperature'
        : typeof req.top_p === 'number' && req.top_p < 0.95
          ? 'top_p'
          : typeof req.top_k === 'number'
            ? 'top_k'
            : undefined;
    if (clash)
      throw new RequestNotExpressible(
        `${VENDOR} cannot carry \`${clash}\` together with \`reasoning_effort\` (extended thinking takes temperature 1, top_p of 0.95 or more, and no top_k); remove one of them.`,
        clash,
      );
  }
  const temperature = typeof req.temperature === 'number' ? req.temperature : undefined;
  const topP = typeof req.top_p === 'number' ? req.top_p : undefined;

  // Keys in agentgateway's order, so a diff against its goldens reads naturally.
  return {
    messages,
    ...(system !== undefined ? { system } : {}),
    model,
    max_tokens: maxTokens,
    ...(stop.length > 0 ? { stop_sequences: stop } : {}),
    ...(req.stream === true ? { stream: true as const } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { top_p: topP } : {}),
    ...(typeof req.top_k === 'number' ? { top_k: req.top_k } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(typeof req.user === 'string' && req.user !== '' ? { metadata: { user_id: req.user } } : {}),
    ...(budget !== undefined ? { thinking: { type: 'enabled' as const, budget_tokens: budget } } : {}),
    ...(output ? { output_config: output } : {}),
  };
}
