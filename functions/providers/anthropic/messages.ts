/**
 * OpenAI chat messages -> Anthropic `system` + `messages`, following agentgateway's
 * `from_completions` translation (its golden cases are our conformance suite).
 */
import { RequestNotExpressible } from '../types.js';
import { boundedArguments } from '../shared/bounded-json.js';
import type { ChatMessage, ContentPart, ToolCall } from '../openai/wire.js';
import type { ImageSource, MessageParam, RequestContentBlock, TextBlock, ToolResultBlock, ToolUseBlock } from './wire.js';

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

/** User parts: text and images. Audio and file parts have no Anthropic equivalent here and are dropped. */
function userBlocks(content: ChatMessage['content']): RequestContentBlock[] {
  if (typeof content === 'string') return isBlank(content) ? [] : [textBlock(content)];
  const blocks: RequestContentBlock[] = [];
  for (const part of content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (!isBlank(part.text)) blocks.push(textBlock(part.text));
    } else if (part.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      if (typeof url === 'string') blocks.push({ type: 'image', source: imageSource(url) });
    }
  }
  return blocks;
}

/**
 * Tool call arguments are a JSON string in OpenAI and an object in Anthropic. Models sometimes
 * produce broken JSON; Anthropic rejects a non-object `input`, so anything else becomes `{}`.
 */
function toolInput(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return boundedArguments(parsed as Record<string, unknown>);
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
  const content =
    typeof message.content === 'string'
      ? message.content
      : texts(message.content).map(textBlock);
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

  for (const message of input) {
    if (message.role === 'system' || message.role === 'developer') {
      const text = systemText(message.content);
      if (text !== undefined) systemParts.push(text);
      continue;
    }
    if (message.role === 'tool') {
      const block = toolResultBlock(message);
      // Results of parallel calls go back in one user turn: Anthropic documents that splitting
      // them across turns teaches the model to stop making parallel calls.
      const last = messages.at(-1);
      if (previousWasToolResult && last) last.content.push(block);
      else messages.push({ role: 'user', content: [block] });
      previousWasToolResult = true;
      continue;
    }
    previousWasToolResult = false;
    const [role, content] =
      message.role === 'assistant'
        ? (['assistant', assistantBlocks(message)] as const)
        : message.role === 'function'
          ? (['user', legacyFunctionBlocks(message)] as const)
          : (['user', userBlocks(message.content)] as const);
    // An empty turn is an Anthropic 400; the message had nothing Anthropic can represent.
    if (content.length > 0) messages.push({ role, content });
  }

  return systemParts.length > 0 ? { system: systemParts.join('\n'), messages } : { messages };
}
