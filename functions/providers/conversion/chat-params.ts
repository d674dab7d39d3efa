/**
 * Which OpenAI chat completions fields a translation to another vendor carries, and a 400 for any
 * it cannot: a request field is either sent in the target's own form or refused, naming the field,
 * before anything goes upstream — never dropped quietly. (The OpenAI passthrough carries all.)
 *
 * Three kinds of field:
 * - translated by every translation (messages, sampling, tools, response_format, ...);
 * - hints that do not change the answer (`user`, `service_tier`, `prompt_cache_key`, ...): sent
 *   where the target has a place for them, else gone without a word, as a cache hint is;
 * - the rest, carried only by the targets that name them in `carried`, and otherwise refused
 *   unless the value is the one that changes nothing (`n: 1`, `presence_penalty: 0`, `logprobs: false`).
 */
import type { ChatCompletionRequest } from '../openai/wire.js';
import { RequestNotExpressible } from '../types.js';
import { isRecord } from '../../core/json.js';

/** Read by every translation, in the target's form. */
const TRANSLATED = new Set([
  'messages',
  'model',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'response_format',
  'reasoning_effort',
]);

/** Hints for the provider, not instructions to the model: the answer is the same without them. */
const HINTS = new Set(['user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention', 'service_tier', 'metadata']);

/** The value of a field that asks for nothing beyond the default. */
function neutral(field: string, value: unknown): boolean {
  switch (field) {
    case 'n':
      return value === 1;
    case 'presence_penalty':
    case 'frequency_penalty':
    case 'top_logprobs':
      return value === 0;
    case 'logprobs':
    case 'store':
      return value === false;
    case 'parallel_tool_calls':
      return value === true;
    case 'logit_bias':
      return isRecord(value) && Object.keys(value).length === 0;
    case 'functions':
      return Array.isArray(value) && value.length === 0;
    case 'modalities':
      return Array.isArray(value) && value.every((m) => m === 'text');
    default:
      return false;
  }
}

/** Why a field is refused, in words a client can act on. */
const WHAT: Readonly<Record<string, string>> = {
  n: 'several choices (`n`)',
  seed: 'a sampling seed (`seed`)',
  logprobs: 'log probabilities (`logprobs`)',
  top_logprobs: 'log probabilities (`top_logprobs`)',
  logit_bias: 'token biases (`logit_bias`)',
  presence_penalty: 'a presence penalty',
  frequency_penalty: 'a frequency penalty',
  functions: 'the legacy `functions` (send them as `tools`)',
  function_call: 'the legacy `function_call` (send it as `tool_choice`)',
  store: 'stored completions (`store: true`)',
  modalities: 'output modalities other than text',
  audio: 'audio output',
  prediction: 'predicted outputs',
  web_search_options: 'web search',
  verbosity: '`verbosity`',
  parallel_tool_calls: 'one tool call at a time (`parallel_tool_calls: false`)',
};

/**
 * Throws `RequestNotExpressible` for the first field of `req` that `vendor` cannot carry: one that
 * is not translated everywhere, not a hint, not in `carried`, and not set to its neutral value.
 */
export function refuseUncarriedChatFields(req: ChatCompletionRequest, vendor: string, carried: ReadonlySet<string> = new Set()): void {
  for (const [field, value] of Object.entries(req)) {
    if (value === undefined || value === null || TRANSLATED.has(field) || HINTS.has(field) || carried.has(field)) continue;
    if (neutral(field, value)) continue;
    if (field === 'function_call' && value === 'none' && req.functions === undefined) continue;
    const what = WHAT[field] ?? `the parameter '${field.length > 60 ? `${field.slice(0, 60)}…` : field}'`;
    throw new RequestNotExpressible(`${vendor} cannot carry ${what}; remove '${field}' or route this request to a provider that supports it.`, field);
  }
}

/** A chat `file` part's data as a media type and base64, when it is inline (a `data:` URL or bare base64 with a PDF filename). */
export function inlineFile(part: { type: string }): { mediaType: string; data: string; filename?: string } | undefined {
  const raw0 = (part as { file?: unknown }).file;
  const file = isRecord(raw0) ? raw0 : {};
  const filename = typeof file.filename === 'string' && file.filename !== '' ? file.filename : undefined;
  const raw = typeof file.file_data === 'string' ? file.file_data : undefined;
  if (raw === undefined) return undefined;
  const match = /^data:([^;,]+);base64,(.*)$/is.exec(raw);
  if (match) return { mediaType: match[1]!.toLowerCase(), data: match[2]!, ...(filename && { filename }) };
  // OpenAI documents `file_data` as a data URL; bare base64 is taken as a PDF only when the filename says so.
  if (filename?.toLowerCase().endsWith('.pdf')) return { mediaType: 'application/pdf', data: raw, filename };
  return undefined;
}

/** The audio format of an `input_audio` part as a media type (`wav` -> `audio/wav`, `mp3` -> `audio/mp3`). */
export function audioMediaType(format: string): string {
  const f = format.toLowerCase();
  return f.includes('/') ? f : `audio/${f}`;
}

/** Refuses one content part, naming it (`messages[2].content[1]`). */
export function refusePart(vendor: string, what: string, messageIndex: number, partIndex: number): never {
  const param = `messages[${messageIndex}].content[${partIndex}]`;
  throw new RequestNotExpressible(`${vendor} cannot carry ${what} (${param}); remove it or route this request to a provider that supports it.`, param);
}
