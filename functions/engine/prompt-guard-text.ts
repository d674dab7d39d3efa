/**
 * Where the prompt and the answer's text sit in each client API's JSON, as one walk per API that
 * passes every text to a function and writes back what it returns. Prompt guards (prompt-guard.ts)
 * read and mask through it; nothing else of a body is touched.
 */
import type { ClientApiName } from './client-api.js';
import { isRecord } from '../core/json.js';

/** Which part of a request a text belongs to (a guard's `scope`). */
export type PromptPart = 'system' | 'messages';

type Json = Record<string, unknown>;
/** Called with each text, the part it belongs to, and its message's role (`system` for a system prompt). */
type MapText = (text: string, part: PromptPart, role: string) => string;

const SYSTEM_ROLES = new Set(['system', 'developer']);
/** Text parts in the three APIs' content arrays; images, tool calls and tool results are left alone. */
const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

/** `content` as a string or an array of parts: each text part mapped in place. */
function mapContent(holder: Json, key: string, part: PromptPart, role: string, fn: MapText): void {
  const content = holder[key];
  if (typeof content === 'string') holder[key] = fn(content, part, role);
  else if (Array.isArray(content)) {
    for (const p of content) if (isRecord(p) && TEXT_PARTS.has(p.type as string) && typeof p.text === 'string') p.text = fn(p.text, part, role);
  }
}

/** A message of chat or Responses input: its role decides system prompt or messages; tool results are not prompts. */
function mapRoleMessage(m: unknown, fn: MapText): void {
  if (!isRecord(m) || typeof m.role !== 'string' || m.role === 'tool') return;
  mapContent(m, 'content', SYSTEM_ROLES.has(m.role) ? 'system' : 'messages', m.role, fn);
}

/**
 * Maps every prompt text of `req` (a parsed request of `api`) in place. Chat: `messages[].content`;
 * Messages: `system` and `messages[].content`; Responses: `instructions` and `input`. Embeddings
 * and token counts carry no prompt to guard here.
 */
export function mapRequestText(api: ClientApiName, req: Json, fn: MapText): void {
  if (api === 'chat') {
    if (Array.isArray(req.messages)) for (const m of req.messages) mapRoleMessage(m, fn);
  } else if (api === 'messages') {
    mapContent(req, 'system', 'system', 'system', fn);
    if (Array.isArray(req.messages)) for (const m of req.messages) if (isRecord(m)) mapContent(m, 'content', m.role === 'system' ? 'system' : 'messages', String(m.role), fn);
  } else if (api === 'responses') {
    if (typeof req.instructions === 'string') req.instructions = fn(req.instructions, 'system', 'system');
    if (typeof req.input === 'string') req.input = fn(req.input, 'messages', 'user');
    else if (Array.isArray(req.input)) for (const item of req.input) mapRoleMessage(item, fn);
  }
}

/**
 * Maps every text of an answer of `api` in place: chat `choices[].message.content`, Messages
 * `content[]` text blocks, Responses `output[].content[]` text parts (and `output_text`). Also used
 * on the whole-text events of a Responses stream (`response.completed` carries the answer).
 */
export function mapAnswerText(api: ClientApiName, body: Json, fn: (text: string) => string): void {
  const asMessages = (text: string) => fn(text);
  if (api === 'chat') {
    if (Array.isArray(body.choices)) for (const c of body.choices) if (isRecord(c) && isRecord(c.message)) mapContent(c.message, 'content', 'messages', 'assistant', asMessages);
  } else if (api === 'messages') {
    mapContent(body, 'content', 'messages', 'assistant', asMessages);
  } else if (api === 'responses') {
    if (typeof body.output_text === 'string') body.output_text = fn(body.output_text);
    if (Array.isArray(body.output)) for (const item of body.output) if (isRecord(item)) mapContent(item, 'content', 'messages', 'assistant', asMessages);
  }
}
