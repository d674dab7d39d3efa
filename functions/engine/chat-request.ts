/**
 * Parses and checks an OpenAI chat completions body at the edge, so a malformed request is a 400
 * in the OpenAI shape and never reaches a provider. Hand-written rather than schema-driven: this
 * runs on every request, and a loop over the messages costs microseconds.
 */
import type { ChatCompletionRequest } from '../providers/openai/wire.js';
import { BadRequest } from './errors.js';
import { isRecord } from '../core/json.js';
import { optional } from './request-fields.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * Deepest nesting of arrays and objects a request body may have. Real requests nest a dozen levels
 * (a tool's JSON schema being the deepest part); every translation walks the body recursively,
 * so a body nested 100,000 deep would otherwise end in a stack overflow (a 500) on some path.
 */
export const MAX_JSON_DEPTH = 128;

/** Longest `model` accepted. Real names are short; the longest (Bedrock ARNs) stay under 256. */
export const MAX_MODEL_CHARS = 256;

export function parseJsonBody(body: Uint8Array): unknown {
  if (body.length === 0) throw new BadRequest('The request body is empty; send a JSON object.', undefined, 400, 'invalid_json');
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (jsonDepth(bytes) > MAX_JSON_DEPTH) {
    throw new BadRequest(`The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`, undefined, 400, 'invalid_json');
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new BadRequest(`The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`, undefined, 400, 'invalid_json');
  }
}

/**
 * Deepest `[`/`{` nesting outside strings, in one pass over the bytes (stops early past the limit).
 * Most of a real body's bytes are inside strings (the prompt's text): a string is skipped to its
 * closing quote with `indexOf` (native), not byte by byte — over a 117 KB conversation the byte loop
 * cost more than JSON.parse itself.
 */
function jsonDepth(bytes: Buffer): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x22) {
      let end = bytes.indexOf(0x22, i + 1);
      while (end !== -1 && isEscaped(bytes, end)) end = bytes.indexOf(0x22, end + 1);
      if (end === -1) return max; // an unterminated string: nothing after it is structure (JSON.parse refuses it)
      i = end;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > MAX_JSON_DEPTH) return max;
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return max;
}

/** A quote inside a string is escaped when an odd run of backslashes stands right before it. */
function isEscaped(bytes: Buffer, quote: number): boolean {
  let run = 0;
  for (let j = quote - 1; bytes[j] === 0x5c; j--) run++;
  return run % 2 === 1;
}

/**
 * `model` is echoed in a header and logged: a bounded, printable name or a 400. (A control
 * character in it could forge a text log line; a megabyte of it would be reflected whole.)
 */
export function checkModelName(model: unknown, param = 'model'): void {
  if (typeof model !== 'string') return;
  if (model.length > MAX_MODEL_CHARS) throw new BadRequest(`Invalid '${param}': longer than ${MAX_MODEL_CHARS} characters.`, param, 400, 'invalid_value');
  if (/[\u0000-\u001f\u007f]/.test(model)) throw new BadRequest(`Invalid '${param}': control characters are not allowed in a model name.`, param, 400, 'invalid_value');
}

export function parseChatRequest(body: Uint8Array): ChatCompletionRequest {
  const raw = parseJsonBody(body);
  if (!isRecord(raw)) throw new BadRequest('The request body must be a JSON object.', undefined, 400, 'invalid_json');
  const { messages } = raw;
  if (messages === undefined) throw new BadRequest("Missing required parameter: 'messages'.", 'messages', 400, 'missing_required_parameter');
  if (!Array.isArray(messages)) throw new BadRequest("Invalid type for 'messages': expected an array.", 'messages', 400, 'invalid_type');
  if (messages.length === 0) throw new BadRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages', 400, 'empty_array');
  messages.forEach(checkMessage);

  // `model: null` would reach an upstream as null: absent or a string, nothing else.
  if (raw.model === null) delete raw.model;
  optional(raw, 'model', 'string');
  checkModelName(raw.model);
  optional(raw, 'stream', 'boolean');
  optional(raw, 'temperature', 'number');
  optional(raw, 'top_p', 'number');
  optional(raw, 'user', 'string');
  for (const field of ['max_tokens', 'max_completion_tokens', 'n'] as const) {
    const v = raw[field];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) > 0)) {
      throw new BadRequest(`Invalid '${field}': expected a positive integer.`, field, 400, 'invalid_value');
    }
  }
  if (raw.stop !== undefined && raw.stop !== null && typeof raw.stop !== 'string' && !(Array.isArray(raw.stop) && raw.stop.every((s) => typeof s === 'string'))) {
    throw new BadRequest("Invalid 'stop': expected a string or an array of strings.", 'stop', 400, 'invalid_type');
  }
  if (raw.tools !== undefined) {
    if (!Array.isArray(raw.tools)) throw new BadRequest("Invalid type for 'tools': expected an array.", 'tools', 400, 'invalid_type');
    raw.tools.forEach((tool, i) => {
      if (!isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
        throw new BadRequest(`Invalid 'tools[${i}]': expected {"type":"function","function":{"name":...}}.`, `tools[${i}]`, 400, 'invalid_value');
      }
    });
  }
  if (raw.stream_options !== undefined && raw.stream_options !== null && !isRecord(raw.stream_options)) {
    throw new BadRequest("Invalid type for 'stream_options': expected an object.", 'stream_options', 400, 'invalid_type');
  }
  return raw as unknown as ChatCompletionRequest;
}

function checkMessage(m: unknown, i: number) {
  const at = `messages[${i}]`;
  if (!isRecord(m)) throw new BadRequest(`Invalid type for '${at}': expected an object.`, at, 400, 'invalid_type');
  if (typeof m.role !== 'string' || !ROLES.has(m.role)) {
    throw new BadRequest(`Invalid value for '${at}.role': expected one of ${[...ROLES].join(', ')}.`, `${at}.role`, 400, 'invalid_value');
  }
  const c = m.content;
  const ok =
    typeof c === 'string' ||
    (Array.isArray(c) && c.every((part) => isRecord(part) && typeof part.type === 'string')) ||
    ((c === null || c === undefined) && m.role === 'assistant');
  if (ok && Array.isArray(c)) {
    for (const [j, part] of c.entries()) checkPart(part as Record<string, unknown>, m.role as string, `${at}.content[${j}]`);
  }
  if (!ok) {
    throw new BadRequest(
      `Invalid '${at}.content': expected a string or an array of content parts${m.role === 'assistant' ? ' (or null with tool_calls)' : ''}.`,
      `${at}.content`,
      400,
      'invalid_type',
    );
  }
  if (m.role === 'tool' && typeof m.tool_call_id !== 'string') {
    throw new BadRequest(`Missing required parameter: '${at}.tool_call_id'.`, `${at}.tool_call_id`, 400, 'missing_required_parameter');
  }
}

/**
 * The content part types OpenAI accepts in each role. Anything else is a 400 here, whatever the
 * provider: a translation that met a part it does not know would otherwise have to drop it.
 */
const PART_TYPES_BY_ROLE: Readonly<Record<string, ReadonlySet<string>>> = {
  user: new Set(['text', 'image_url', 'input_audio', 'file']),
  system: new Set(['text']),
  developer: new Set(['text']),
  assistant: new Set(['text', 'refusal']),
  tool: new Set(['text']),
  function: new Set(['text']),
};

/** One content part: a type this role may hold, with the fields that type needs. */
function checkPart(part: Record<string, unknown>, role: string, at: string): void {
  const allowed = PART_TYPES_BY_ROLE[role]!;
  const type = part.type as string;
  if (!allowed.has(type)) {
    const shown = JSON.stringify(type.length > 40 ? `${type.slice(0, 40)}…` : type);
    throw new BadRequest(
      `Invalid value for '${at}.type': ${shown} is not a content part type a ${role} message can hold; expected one of ${[...allowed].join(', ')}.`,
      `${at}.type`,
      400,
      'invalid_value',
    );
  }
  const need = (ok: boolean, field: string, what: string) => {
    if (!ok) throw new BadRequest(`Invalid '${at}.${field}': expected ${what}.`, `${at}.${field}`, 400, 'invalid_value');
  };
  switch (type) {
    case 'text':
      need(typeof part.text === 'string', 'text', 'a string');
      break;
    case 'refusal':
      need(typeof part.refusal === 'string', 'refusal', 'a string');
      break;
    case 'image_url':
      need(isRecord(part.image_url) && typeof part.image_url.url === 'string', 'image_url', 'an object with a string `url`');
      break;
    case 'input_audio':
      need(
        isRecord(part.input_audio) && typeof part.input_audio.data === 'string' && typeof part.input_audio.format === 'string',
        'input_audio',
        'an object with string `data` (base64) and `format`',
      );
      break;
    case 'file': {
      const file = part.file;
      need(isRecord(file) && (typeof file.file_data === 'string' || typeof file.file_id === 'string'), 'file', 'an object with a string `file_data` or `file_id`');
      break;
    }
  }
}
