/**
 * OpenAI chat completions request -> Gemini `generateContent` request, following agentgateway's
 * `vertex_gemini::from_completions` (its golden cases are the conformance suite).
 *
 * Gemini wants strictly alternating `user` / `model` turns, function responses in a user turn of
 * their own and in the order of the calls, and no `id` on function calls or responses; a Gemini 3
 * `thoughtSignature` must come back on the function call it was issued with. OpenAI clients echo
 * `tool_call_id`s reliably and drop unknown fields, so the signature rides inside the tool call id
 * (`<id>__thought__<signature>`), as agentgateway does.
 */
import { boundedArguments } from '../shared/bounded-json.js';
import type { ChatCompletionRequest, ChatMessage, ContentPart, ToolCall } from '../openai/wire.js';
import { RequestNotExpressible } from '../types.js';
import { audioMediaType, inlineFile, refuseUncarriedChatFields, refusePart } from '../conversion/chat-params.js';
import { normalizeGeminiSchema } from './schema.js';
import { SchemaBudget, SchemaTooComplex } from './schema-budget.js';
import type { Content, GenerateContentRequest, GenerationConfig, Part } from './wire.js';

export const THOUGHT_SIGNATURE_SEPARATOR = '__thought__';

export function splitToolCallId(raw: string): { id: string; signature?: string } {
  const at = raw.indexOf(THOUGHT_SIGNATURE_SEPARATOR);
  if (at < 0) return { id: raw };
  const signature = raw.slice(at + THOUGHT_SIGNATURE_SEPARATOR.length);
  return signature === '' ? { id: raw } : { id: raw.slice(0, at), signature };
}

export function joinToolCallId(id: string, signature: string | undefined): string {
  return signature ? `${id}${THOUGHT_SIGNATURE_SEPARATOR}${signature}` : id;
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  txt: 'text/plain',
};

const canonicalMime = (mime: string) => (mime === 'image/jpg' ? 'image/jpeg' : mime);

function mimeHint(image: Record<string, unknown>, url: string): string | undefined {
  for (const key of ['format', 'mime_type', 'content_type']) {
    const hint = image[key];
    if (typeof hint === 'string' && hint !== '') return hint.includes('/') ? hint : MIME_BY_EXTENSION[hint.toLowerCase()];
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(url.split('/').pop() ?? '')?.[1];
  return ext ? MIME_BY_EXTENSION[ext.toLowerCase()] : undefined;
}

/** `data:` URLs go inline, `gs://` objects by reference; Gemini cannot fetch http(s) URLs itself. */
function imagePart(part: ContentPart): Part {
  const raw = (part as { image_url?: unknown }).image_url;
  const image = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const url = typeof image.url === 'string' ? image.url : '';
  const data = /^data:([^;,]+);base64,(.*)$/is.exec(url);
  if (data) return { inlineData: { mimeType: canonicalMime(data[1]!), data: data[2]! } };
  if (url.startsWith('gs://')) {
    const mime = mimeHint(image, url);
    if (!mime) throw new RequestNotExpressible(`gs:// image_url (${url}) has no recognised extension or MIME hint; pass image_url.format (or mime_type)`, 'messages');
    return { fileData: { mimeType: canonicalMime(mime), fileUri: url } };
  }
  throw new RequestNotExpressible('Gemini cannot fetch image URLs: send the image inline as a data: URL, or as a gs:// URI', 'messages');
}

const textPart = (text: string): Part => ({ text });

/** The text of a content value: the string, or its text parts joined. */
function contentText(content: ChatMessage['content']): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

const VENDOR = 'Gemini';

/** `input_audio` and inline `file` parts go inline with their media type; a file by id cannot. */
function inlinePart(part: ContentPart, messageIndex: number, partIndex: number): Part {
  if (part.type === 'input_audio') {
    const audio = part.input_audio as { data: string; format: string };
    return { inlineData: { mimeType: audioMediaType(audio.format), data: audio.data } };
  }
  const file = inlineFile(part);
  if (file === undefined) refusePart(VENDOR, 'a file by id or without inline data (send `file.file_data` as a data: URL)', messageIndex, partIndex);
  return { inlineData: { mimeType: file.mediaType, data: file.data } };
}

function userParts(content: ChatMessage['content'], messageIndex: number): Part[] {
  // An explicit empty string stays `{text: ""}`; a turn with no text at all gets a filler below.
  if (typeof content === 'string') return [textPart(content)];
  const parts: Part[] = [];
  (content ?? []).forEach((part, partIndex) => {
    if (part.type === 'text' && typeof part.text === 'string') parts.push(textPart(part.text));
    else if (part.type === 'image_url') parts.push(imagePart(part));
    else if (part.type === 'input_audio' || part.type === 'file') parts.push(inlinePart(part, messageIndex, partIndex));
    else refusePart(VENDOR, `a content part of type ${JSON.stringify(part.type)}`, messageIndex, partIndex);
  });
  return parts;
}

function parseArgs(args: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return {}; // broken JSON from a model: Gemini takes an object
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return boundedArguments(parsed as Record<string, unknown>);
}

function functionCallPart(call: ToolCall): Part {
  const { signature } = splitToolCallId(call.id ?? '');
  return { functionCall: { name: call.function?.name ?? '', args: parseArgs(call.function?.arguments ?? '') }, ...(signature && { thoughtSignature: signature }) };
}

const hasText = (parts: readonly Part[]) => parts.some((p) => typeof p.text === 'string');
const hasFunctionResponse = (parts: readonly Part[]) => parts.some((p) => p.functionResponse !== undefined);

/**
 * Appends a turn, merged into the previous one when the role is the same (Gemini requires
 * alternation). Function responses stay in a user turn of their own (Gemini 3 rejects siblings);
 * a user turn without text gets a `" "` filler (an image-only turn is rejected otherwise).
 */
function pushContent(contents: Content[], role: 'user' | 'model', parts: Part[]): void {
  if (parts.length === 0) return;
  const responses = hasFunctionResponse(parts);
  const last = contents.at(-1);
  if (last && last.role === role && hasFunctionResponse(last.parts) === responses) {
    if (role === 'user' && !responses && !hasText(last.parts) && !hasText(parts)) parts.push(textPart(' '));
    last.parts.push(...parts);
    return;
  }
  if (role === 'user' && !responses && !hasText(parts)) parts.push(textPart(' '));
  contents.push({ role, parts });
}

interface CallMeta {
  name: string;
  /** Position among the assistant turn's tool calls: responses are put back in this order. */
  position: number;
}

function translateMessages(messages: readonly ChatMessage[]): { system: string[]; contents: Content[] } {
  const calls = new Map<string, CallMeta>();
  const system: string[] = [];
  const contents: Content[] = [];
  /** The call id each functionResponse part answers, to order them; dropped before sending. */
  const answers = new Map<Part, string>();
  messages.forEach((m, index) => {
    for (const field of ['audio', 'function_call'] as const) {
      if (m.role === 'assistant' && m[field] !== undefined && m[field] !== null) {
        throw new RequestNotExpressible(`${VENDOR} cannot carry an assistant message's \`${field}\` (messages[${index}].${field}).`, `messages[${index}].${field}`);
      }
    }
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = contentText(m.content);
        if (text) system.push(text);
        break;
      }
      case 'user':
        pushContent(contents, 'user', userParts(m.content, index));
        break;
      case 'assistant': {
        (m.tool_calls ?? []).forEach((call, position) => {
          if (typeof call.id === 'string') calls.set(splitToolCallId(call.id).id, { name: call.function?.name ?? '', position });
        });
        const parts: Part[] =
          typeof m.content === 'string'
            ? m.content === ''
              ? []
              : [textPart(m.content)]
            : (m.content ?? []).flatMap((p) => {
                // A refusal part is what the assistant said: it stays, as text.
                const said = p.type === 'text' ? p.text : p.type === 'refusal' ? p.refusal : undefined;
                return typeof said === 'string' ? [textPart(said)] : [];
              });
        parts.push(...(m.tool_calls ?? []).map(functionCallPart));
        pushContent(contents, 'model', parts);
        break;
      }
      case 'tool':
      case 'function': {
        const id = typeof m.tool_call_id === 'string' ? splitToolCallId(m.tool_call_id).id : undefined;
        const name = (id !== undefined ? calls.get(id)?.name : undefined) ?? m.name ?? '';
        const text = contentText(m.content);
        const part: Part = { functionResponse: { name, response: text !== undefined ? { content: text } : {} } };
        if (id !== undefined) answers.set(part, id);
        pushContent(contents, 'user', [part]);
        break;
      }
    }
  });
  // Gemini matches responses to calls by position: put each turn's responses in call order.
  for (const content of contents) {
    const slots = content.parts.map((p, i) => (p.functionResponse ? i : -1)).filter((i) => i >= 0);
    if (slots.length < 2) continue;
    const order = (p: Part) => calls.get(answers.get(p) ?? '')?.position ?? Number.MAX_SAFE_INTEGER;
    const sorted = slots.map((i) => content.parts[i]!).sort((a, b) => order(a) - order(b));
    for (const [k, slot] of slots.entries()) content.parts[slot] = sorted[k]!;
  }
  return { system, contents };
}

function toolConfig(choice: ChatCompletionRequest['tool_choice']): GenerateContentRequest['toolConfig'] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (typeof choice === 'object') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  return { functionCallingConfig: { mode: 'AUTO' } };
}

/** `reasoning_effort` -> thinking: Gemini 3 takes a level, Gemini 2.5 a token budget (agentgateway's table). */
const BUDGET_BY_EFFORT: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192, max: 16384 };
const LEVEL_BY_EFFORT: Readonly<Record<string, string>> = { minimal: 'minimal', low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high' };

function thinkingConfig(req: ChatCompletionRequest, model: string): GenerationConfig['thinkingConfig'] {
  const explicit = req.thinking_config ?? req.thinkingConfig;
  if (typeof explicit === 'object' && explicit !== null) return explicit as GenerationConfig['thinkingConfig'];
  const effort = req.reasoning_effort;
  if (effort === undefined || effort === 'none') return undefined;
  if (model.includes('gemini-3')) {
    const level = LEVEL_BY_EFFORT[effort];
    return level ? { thinkingLevel: level, includeThoughts: true } : undefined;
  }
  const budget = BUDGET_BY_EFFORT[effort];
  return budget ? { thinkingBudget: budget, includeThoughts: true } : undefined;
}

/** A tool's name for an error message, quoted, and cut short: it is the client's, of any length. */
function toolLabel(name: unknown): string {
  const text = typeof name === 'string' ? name : String(name);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * A client schema for Gemini, under the request's budget; over it, a 400 that says which schema
 * (`param`, and `what` in words: the tool's name) before anything is sent upstream.
 */
function geminiSchema(schema: unknown, budget: SchemaBudget, param: string, what: string): Record<string, unknown> {
  try {
    return normalizeGeminiSchema(schema, budget);
  } catch (error) {
    if (error instanceof SchemaTooComplex) throw new RequestNotExpressible(`${what} (${param}) is too complex for Gemini: it ${error.message}.`, param);
    throw error;
  }
}

function generationConfig(req: ChatCompletionRequest, model: string, budget: SchemaBudget): GenerationConfig | undefined {
  const stop = typeof req.stop === 'string' ? [req.stop] : Array.isArray(req.stop) ? req.stop : [];
  const format = req.response_format;
  const config: GenerationConfig = {
    ...(typeof req.temperature === 'number' && { temperature: req.temperature }),
    ...(typeof req.top_p === 'number' && { topP: req.top_p }),
    ...(typeof req.top_k === 'number' && { topK: req.top_k }),
    ...(typeof req.frequency_penalty === 'number' && { frequencyPenalty: req.frequency_penalty }),
    ...(typeof req.presence_penalty === 'number' && { presencePenalty: req.presence_penalty }),
    ...(typeof (req.max_completion_tokens ?? req.max_tokens) === 'number' && { maxOutputTokens: (req.max_completion_tokens ?? req.max_tokens)! }),
    ...(stop.length > 0 && { stopSequences: stop }),
    ...(typeof req.n === 'number' && { candidateCount: req.n }),
    ...(typeof req.seed === 'number' && { seed: req.seed }),
    ...(format?.type === 'json_object' && { responseMimeType: 'application/json' }),
    ...(format?.type === 'json_schema' && {
      responseMimeType: 'application/json',
      ...(format.json_schema?.schema && {
        responseSchema: geminiSchema(format.json_schema.schema, budget, 'response_format.json_schema.schema', 'The response_format schema'),
      }),
    }),
  };
  const thinking = thinkingConfig(req, model);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length > 0 ? config : undefined;
}

/**
 * Chat fields Gemini carries beyond those every translation reads. `n` becomes `candidateCount`,
 * and only buffered: a buffered answer maps every candidate to a choice, a streamed one only the
 * first. `logprobs` is refused: no answer path maps Gemini's logprobs back.
 */
const CARRIED = new Set(['top_k', 'frequency_penalty', 'presence_penalty', 'seed', 'thinking_config', 'thinkingConfig']);
const CARRIED_BUFFERED = new Set([...CARRIED, 'n']);

export function toGenerateContentRequest(req: ChatCompletionRequest, model: string): GenerateContentRequest {
  refuseUncarriedChatFields(req, req.stream === true ? `Gemini (streaming)` : VENDOR, req.stream === true ? CARRIED : CARRIED_BUFFERED);
  const { system, contents } = translateMessages(req.messages);
  // One budget for every schema of the request: many tools must not multiply it.
  const budget = new SchemaBudget();
  // The index is the client's (before non-function tools are skipped), for the error's `param`.
  const declarations = (req.tools ?? []).flatMap((t, i) =>
    t.type === 'function' && t.function
      ? [
          {
            name: t.function.name,
            ...(t.function.description !== undefined && { description: t.function.description }),
            ...(t.function.parameters !== undefined && {
              parameters: geminiSchema(t.function.parameters, budget, `tools[${i}].function.parameters`, `The schema of tool ${toolLabel(t.function.name)}`),
            }),
          },
        ]
      : [],
  );
  const tools = declarations.length > 0 ? [{ functionDeclarations: declarations }] : undefined;
  const config = generationConfig(req, model, budget);
  const tc = toolConfig(req.tool_choice);
  return {
    // Gemini rejects a request without contents ("contents is required").
    contents: contents.length > 0 ? contents : [{ role: 'user', parts: [textPart(' ')] }],
    ...(system.length > 0 && { systemInstruction: { parts: [textPart(system.join('\n'))] } }),
    ...(tools && { tools }),
    ...(tc && { toolConfig: tc }),
    ...(config && { generationConfig: config }),
  };
}
