/**
 * Parses and checks an Anthropic Messages body (`POST /v1/messages`) at the edge, so a malformed
 * request is a 400 in Anthropic's error shape and never reaches a provider. The checks are the
 * ones Anthropic's API makes on the fields every provider needs (`max_tokens` is required,
 * `messages` is a non-empty list of turns with a role and content); anything else passes through
 * to the provider, which judges it.
 */
import type { MessagesApiRequest } from '../providers/anthropic/wire.js';
import { checkModelName, parseJsonBody } from './chat-request.js';
import { BadRequest } from './errors.js';
import { isRecord } from '../core/json.js';
import { typeName } from './request-fields.js';

/** `system` is not Anthropic's own, but agentgateway accepts it (clients send it): a system prompt in place. */
const ROLES = new Set(['user', 'assistant', 'system']);
const TOOL_CHOICES = new Set(['auto', 'any', 'tool', 'none']);

function bad(message: string, param?: string): never {
  throw new BadRequest(message, param, 400, 'invalid_request');
}

/**
 * The content block types of Anthropic's Messages API. An unknown type is a 400 here, whatever the
 * provider: a translation that met a block it does not know would otherwise have to drop it.
 * (Types a provider cannot carry are refused by that provider's translation, naming the block.)
 */
export const MESSAGES_BLOCK_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
]);

function blocks(value: unknown, at: string, types: ReadonlySet<string> = MESSAGES_BLOCK_TYPES): void {
  if (typeof value === 'string') return;
  if (!Array.isArray(value)) bad(`${at}: Input should be a valid string or a list of content blocks (got ${typeName(value)})`, at);
  value.forEach((b, i) => {
    if (!isRecord(b) || typeof b.type !== 'string') bad(`${at}.${i}: Input should be a content block object with a string \`type\``, `${at}.${i}`);
    if (!types.has(b.type)) {
      const shown = JSON.stringify(b.type.length > 40 ? `${b.type.slice(0, 40)}…` : b.type);
      bad(`${at}.${i}.type: Input tag ${shown} found using 'type' does not match any of the expected tags: ${[...types].join(', ')}`, `${at}.${i}.type`);
    }
  });
}

/** A system prompt holds text blocks only. */
const SYSTEM_BLOCK_TYPES: ReadonlySet<string> = new Set(['text']);

export function parseMessagesRequest(body: Uint8Array): MessagesApiRequest {
  const raw = parseJsonBody(body);
  if (!isRecord(raw)) bad('The request body must be a JSON object.');

  const { messages } = raw;
  if (messages === undefined) bad('messages: Field required', 'messages');
  if (!Array.isArray(messages)) bad(`messages: Input should be a valid list (got ${typeName(messages)})`, 'messages');
  if (messages.length === 0) bad('messages: at least one message is required', 'messages');
  messages.forEach((m, i) => {
    const at = `messages.${i}`;
    if (!isRecord(m)) bad(`${at}: Input should be an object`, at);
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) bad(`${at}.role: Input should be 'user' or 'assistant'`, `${at}.role`);
    if (m.content === undefined) bad(`${at}.content: Field required`, `${at}.content`);
    blocks(m.content, `${at}.content`);
  });

  if (raw.max_tokens === undefined) bad('max_tokens: Field required', 'max_tokens');
  if (!Number.isInteger(raw.max_tokens) || (raw.max_tokens as number) < 1) bad('max_tokens: Input should be a positive integer', 'max_tokens');

  // `model: null` would reach an upstream as null: absent or a string, nothing else.
  if (raw.model === null) delete raw.model;
  if (raw.model !== undefined && typeof raw.model !== 'string') bad(`model: Input should be a valid string (got ${typeName(raw.model)})`, 'model');
  checkModelName(raw.model);
  for (const [field, type] of [
    ['stream', 'boolean'],
    ['temperature', 'number'],
    ['top_p', 'number'],
    ['top_k', 'number'],
  ] as const) {
    const v = raw[field];
    if (v !== undefined && v !== null && typeof v !== type) bad(`${field}: Input should be a valid ${type} (got ${typeName(v)})`, field);
    if (v === null) delete raw[field];
  }
  if (raw.system !== undefined && raw.system !== null) blocks(raw.system, 'system', SYSTEM_BLOCK_TYPES);
  if (raw.system === null) delete raw.system;
  if (raw.stop_sequences !== undefined && !(Array.isArray(raw.stop_sequences) && raw.stop_sequences.every((s) => typeof s === 'string'))) {
    bad('stop_sequences: Input should be a list of strings', 'stop_sequences');
  }
  if (raw.tools !== undefined) {
    if (!Array.isArray(raw.tools)) bad(`tools: Input should be a valid list (got ${typeName(raw.tools)})`, 'tools');
    raw.tools.forEach((t, i) => {
      if (!isRecord(t) || typeof t.name !== 'string') bad(`tools.${i}: Input should be a tool object with a string \`name\``, `tools.${i}`);
    });
  }
  if (raw.tool_choice !== undefined) {
    const c = raw.tool_choice;
    if (!isRecord(c) || typeof c.type !== 'string' || !TOOL_CHOICES.has(c.type)) bad("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", 'tool_choice');
    if (c.type === 'tool' && typeof c.name !== 'string') bad('tool_choice.name: Field required', 'tool_choice.name');
  }
  for (const field of ['metadata', 'thinking', 'output_config'] as const) {
    if (raw[field] !== undefined && !isRecord(raw[field])) bad(`${field}: Input should be an object (got ${typeName(raw[field])})`, field);
  }
  return raw as unknown as MessagesApiRequest;
}
