/**
 * Parses and checks an OpenAI Responses body (`POST /v1/responses`) at the edge, so a malformed
 * request is a 400 in OpenAI's error shape and never reaches a provider. modelgate is stateless:
 * everything that asks the server to keep or find state (a stored response, a conversation, a
 * background run, a reference to a stored item) is refused here, naming the parameter, whatever
 * the provider — a request must mean the same thing on every provider it may fail over to.
 */
import type { ResponsesRequest } from '../providers/openai/responses-wire.js';
import { checkModelName, parseJsonBody } from './chat-request.js';
import { BadRequest } from './errors.js';
import { isRecord } from '../core/json.js';
import { optional, typeName } from './request-fields.js';

/** Most `input` items (and content parts in one message) accepted: far beyond real conversations, and a bound on the work one request can ask for. */
export const MAX_INPUT_ITEMS = 10_000;
/** Most tools accepted (OpenAI's own limit is 128 functions). */
export const MAX_TOOLS = 512;

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);

export const STATELESS = 'modelgate keeps no server-side state (it stores no responses or conversations)';

function bad(message: string, param?: string, code = 'invalid_value'): never {
  throw new BadRequest(message, param, 400, code);
}

/** State the client asks the server for: a 400 naming the parameter. */
function refuseState(raw: Record<string, unknown>): void {
  if (raw.previous_response_id !== undefined && raw.previous_response_id !== null) {
    bad(
      `'previous_response_id' is not supported: ${STATELESS}. Send the earlier turns in 'input' instead (with 'store' left out or false).`,
      'previous_response_id',
      'unsupported_parameter',
    );
  }
  if (raw.conversation !== undefined && raw.conversation !== null) {
    bad(`'conversation' is not supported: ${STATELESS}. Send the conversation's items in 'input' instead.`, 'conversation', 'unsupported_parameter');
  }
  if (raw.store === true)
    bad(`'store: true' is not supported: ${STATELESS}, so nothing could ever read a stored response back. Leave 'store' out or set it to false.`, 'store', 'unsupported_parameter');
  if (raw.background === true) bad(`'background: true' is not supported: ${STATELESS}, so a background response could never be retrieved.`, 'background', 'unsupported_parameter');
}

function checkParts(parts: unknown, at: string): void {
  if (typeof parts === 'string') return;
  if (!Array.isArray(parts)) bad(`Invalid type for '${at}': expected a string or an array of content parts, but got ${typeName(parts)}.`, at, 'invalid_type');
  if (parts.length > MAX_INPUT_ITEMS) bad(`Invalid '${at}': more than ${MAX_INPUT_ITEMS} content parts.`, at);
  parts.forEach((part, j) => {
    if (!isRecord(part) || typeof part.type !== 'string') bad(`Invalid '${at}[${j}]': expected a content part object with a string 'type'.`, `${at}[${j}]`, 'invalid_type');
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text !== 'string') {
      bad(`Missing required parameter: '${at}[${j}].text'.`, `${at}[${j}].text`, 'missing_required_parameter');
    }
  });
}

function checkItem(item: unknown, i: number): void {
  const at = `input[${i}]`;
  if (!isRecord(item)) bad(`Invalid type for '${at}': expected an object, but got ${typeName(item)}.`, at, 'invalid_type');
  const type = item.type ?? 'message';
  if (typeof type !== 'string') bad(`Invalid type for '${at}.type': expected a string.`, `${at}.type`, 'invalid_type');
  switch (type) {
    case 'message':
      if (typeof item.role !== 'string' || !ROLES.has(item.role)) bad(`Invalid value for '${at}.role': expected one of ${[...ROLES].join(', ')}.`, `${at}.role`);
      if (item.content === undefined) bad(`Missing required parameter: '${at}.content'.`, `${at}.content`, 'missing_required_parameter');
      checkParts(item.content, `${at}.content`);
      return;
    case 'function_call':
      for (const field of ['call_id', 'name', 'arguments'] as const) {
        if (typeof item[field] !== 'string') bad(`Missing required parameter: '${at}.${field}' (a string).`, `${at}.${field}`, 'missing_required_parameter');
      }
      return;
    case 'function_call_output':
      if (typeof item.call_id !== 'string') bad(`Missing required parameter: '${at}.call_id' (a string).`, `${at}.call_id`, 'missing_required_parameter');
      if (item.output === undefined) bad(`Missing required parameter: '${at}.output'.`, `${at}.output`, 'missing_required_parameter');
      checkParts(item.output, `${at}.output`);
      return;
    case 'item_reference':
      bad(
        `'${at}' is an item_reference, which is not supported: ${STATELESS}, so there is no stored item to refer to. Send the item itself (clients that refer to earlier output items, such as the Vercel AI SDK's OpenAI provider, send them whole with 'store: false').`,
        at,
        'unsupported_parameter',
      );
    // Other item types (reasoning, hosted tool calls, ...) pass: an upstream that speaks Responses
    // takes them, and a translation that cannot carry one refuses it, naming it.
  }
}

function checkTools(tools: unknown): void {
  if (!Array.isArray(tools)) bad(`Invalid type for 'tools': expected an array, but got ${typeName(tools)}.`, 'tools', 'invalid_type');
  if (tools.length > MAX_TOOLS) bad(`Invalid 'tools': more than ${MAX_TOOLS} tools.`, 'tools');
  tools.forEach((tool, i) => {
    if (!isRecord(tool) || typeof tool.type !== 'string') bad(`Invalid 'tools[${i}]': expected a tool object with a string 'type'.`, `tools[${i}]`, 'invalid_type');
    if (tool.type === 'function' && typeof tool.name !== 'string') bad(`Missing required parameter: 'tools[${i}].name'.`, `tools[${i}].name`, 'missing_required_parameter');
  });
}

export function parseResponsesRequest(body: Uint8Array): ResponsesRequest {
  const raw = parseJsonBody(body);
  if (!isRecord(raw)) bad('The request body must be a JSON object.', undefined, 'invalid_json');
  refuseState(raw);

  const { input } = raw;
  if (input === undefined || input === null) bad("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (typeof input !== 'string') {
    if (!Array.isArray(input)) bad(`Invalid type for 'input': expected a string or an array of input items, but got ${typeName(input)}.`, 'input', 'invalid_type');
    if (input.length === 0) bad("Invalid 'input': empty array. Expected an array with minimum length 1.", 'input', 'empty_array');
    if (input.length > MAX_INPUT_ITEMS) bad(`Invalid 'input': more than ${MAX_INPUT_ITEMS} items.`, 'input');
    input.forEach(checkItem);
  }

  // `model: null` would reach an upstream as null: absent or a string, nothing else.
  if (raw.model === null) delete raw.model;
  optional(raw, 'model', 'string');
  checkModelName(raw.model);
  optional(raw, 'instructions', 'string');
  optional(raw, 'stream', 'boolean');
  optional(raw, 'store', 'boolean');
  optional(raw, 'temperature', 'number');
  optional(raw, 'top_p', 'number');
  optional(raw, 'user', 'string');
  optional(raw, 'parallel_tool_calls', 'boolean');
  optional(raw, 'text', 'object');
  optional(raw, 'reasoning', 'object');
  optional(raw, 'metadata', 'object');
  const max = raw.max_output_tokens;
  if (max !== undefined && max !== null && !(Number.isInteger(max) && (max as number) > 0)) bad("Invalid 'max_output_tokens': expected a positive integer.", 'max_output_tokens');
  if (raw.tools !== undefined && raw.tools !== null) checkTools(raw.tools);
  const choice = raw.tool_choice;
  if (choice !== undefined && choice !== null && typeof choice !== 'string' && !(isRecord(choice) && typeof choice.type === 'string')) {
    bad("Invalid 'tool_choice': expected 'none', 'auto', 'required' or a tool choice object with a string 'type'.", 'tool_choice', 'invalid_type');
  }
  const format = isRecord(raw.text) ? raw.text.format : undefined;
  if (format !== undefined && format !== null) {
    if (!isRecord(format) || typeof format.type !== 'string') bad("Invalid 'text.format': expected an object with a string 'type'.", 'text.format', 'invalid_type');
    if (format.type === 'json_schema') {
      if (typeof format.name !== 'string') bad("Missing required parameter: 'text.format.name'.", 'text.format.name', 'missing_required_parameter');
      if (!isRecord(format.schema)) bad("Missing required parameter: 'text.format.schema' (an object).", 'text.format.schema', 'missing_required_parameter');
    }
  }
  return raw as unknown as ResponsesRequest;
}
