/**
 * The simulated provider's vendors, each in its real wire format (from its public API
 * reference): how it answers (buffered and streamed), how it reports an error as a plain
 * response and inside a stream, and what a broken stream looks like on its framing.
 *
 * - Anthropic Messages (and Claude on Vertex AI, same wire): JSON, SSE `event:`/`data:` events, `{"type":"error","error":{...}}`.
 * - OpenAI chat completions (and Azure OpenAI, same wire): JSON, `data:` chunks and `[DONE]`, `{"error":{...}}`.
 * - Gemini (Google AI Studio and Vertex AI): `generateContent` JSON, `streamGenerateContent?alt=sse`
 *   chunks (no end marker), Google's `{"error":{"code","message","status"}}`.
 * - Bedrock Converse: JSON, ConverseStream as a binary AWS event stream, errors named by the
 *   `x-amzn-errortype` header with `{"message"}`, exceptions inside the stream as exception messages.
 */
import { bedrockEvent, bedrockStreamException, encodeEventStreamMessage } from '../providers/bedrock/event-stream.js';
import { deltas, tokens } from './answer.js';
import { anthropicError, anthropicReply, anthropicStreamError, openaiError, openaiReply, replyText, toolCallId, type Reply } from './wire.js';
import { bedrockToolTurn, geminiToolTurn } from './tools.js';

export type VendorApi = 'anthropic' | 'openai' | 'gemini' | 'bedrock';

export interface VendorError {
  body: unknown;
  headers?: Record<string, string>;
}

export interface Vendor {
  reply(body: Record<string, unknown>, id: string, model: string, stream: boolean): Reply;
  /** An error answer; `type` is the vendor's own name for it (Anthropic `error.type`, Google `status`, Bedrock exception). */
  error(status: number, message: string, type?: string): VendorError;
  /** An error inside a 200 stream. */
  streamError(message: string, type?: string): string | Uint8Array;
  /** Something on the stream's framing that is not an event. */
  malformedStream(): string | Uint8Array;
  streamContentType: string;
}

// ---------------------------------------------------------------- Anthropic, OpenAI

const ANTHROPIC_STATUS_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const anthropic: Vendor = {
  // The model from the path when Vertex AI carries it there (its body names none).
  reply: (body, id, model, stream) => anthropicReply({ ...body, model, stream }, id),
  error: (status, message, type) => ({ body: anthropicError(type ?? ANTHROPIC_STATUS_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message) }),
  streamError: (message, type) => anthropicStreamError(type ?? 'overloaded_error', message),
  malformedStream: () => 'data: {this is not json}\n\n',
  streamContentType: 'text/event-stream',
};

const openai: Vendor = {
  reply: (body, id) => openaiReply(body, id),
  error: (status, message) => ({ body: openaiError(status, message) }),
  streamError: (message) => `data: ${JSON.stringify(openaiError(500, message))}\n\n`,
  malformedStream: () => 'data: {this is not json}\n\n',
  streamContentType: 'text/event-stream',
};

// ---------------------------------------------------------------- Gemini

/** The Google status names its APIs use for each HTTP status (https://cloud.google.com/apis/design/errors). */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const googleStatusCode = (name: string) => Number(Object.entries(GOOGLE_STATUS).find(([, n]) => n === name)?.[0] ?? 500);

function googleError(code: number, message: string, status?: string): unknown {
  return { error: { code, message, status: status ?? GOOGLE_STATUS[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION') } };
}

/** The last user turn's text, from Gemini `contents`. */
function geminiPrompt(body: Record<string, unknown>): string {
  const contents = Array.isArray(body.contents) ? (body.contents as Array<{ role?: string; parts?: Array<{ text?: unknown }> }>) : [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i]!;
    if (c.role !== 'user') continue;
    const text = (c.parts ?? [])
      .map((p) => (typeof p.text === 'string' ? p.text : ''))
      .join('')
      .trim();
    if (text !== '') return text;
  }
  return '';
}

/** `generationConfig.candidateCount`, bounded (Gemini allows up to 8). */
function candidateCount(body: Record<string, unknown>): number {
  const config = body.generationConfig as { candidateCount?: unknown } | undefined;
  const n = config?.candidateCount;
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? Math.min(n, 8) : 1;
}

const gemini: Vendor = {
  reply(body, id, model, stream) {
    const asked = geminiPrompt(body);
    const turn = geminiToolTurn(body, asked);
    const prompt = tokens(JSON.stringify(body.contents ?? ''));
    const usage = (output: number) => ({ promptTokenCount: prompt, candidatesTokenCount: output, totalTokenCount: prompt + output });
    if (turn?.kind === 'call') {
      // Gemini answers a function call whole, in one chunk when streamed, with finishReason STOP.
      const candidate = { content: { role: 'model', parts: [{ functionCall: { name: turn.name, args: turn.args } }] }, finishReason: 'STOP', index: 0 };
      const answer = { candidates: [candidate], usageMetadata: usage(tokens(JSON.stringify(turn.args)) + 10), modelVersion: model, responseId: id };
      return stream ? { events: [`data: ${JSON.stringify(answer)}\r\n\r\n`] } : { json: answer };
    }
    const text = replyText(model, asked, turn);
    if (!stream) {
      return {
        json: {
          // `candidateCount` answers, as Gemini gives them (each its own text).
          candidates: Array.from({ length: candidateCount(body) }, (_, index) => ({
            content: { role: 'model', parts: [{ text: index === 0 ? text : `${text} (candidate ${index + 1})` }] },
            finishReason: 'STOP',
            index,
          })),
          usageMetadata: usage(tokens(text)),
          modelVersion: model,
          responseId: id,
        },
      };
    }
    const parts = deltas(text);
    let sent = '';
    return {
      events: parts.map((d, i) => {
        sent += d;
        const last = i === parts.length - 1;
        const chunk = {
          candidates: [{ content: { role: 'model', parts: [{ text: d }] }, ...(last && { finishReason: 'STOP' }), index: 0 }],
          usageMetadata: usage(tokens(sent)),
          modelVersion: model,
          responseId: id,
        };
        return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
      }),
    };
  },
  error: (status, message, type) => ({ body: googleError(type ? googleStatusCode(type) : status, message, type) }),
  streamError: (message, type) => {
    const name = type ?? 'UNAVAILABLE';
    return `data: ${JSON.stringify(googleError(googleStatusCode(name), message, name))}\r\n\r\n`;
  },
  malformedStream: () => 'data: {this is not json}\r\n\r\n',
  streamContentType: 'text/event-stream',
};

// ---------------------------------------------------------------- Bedrock

/** The exception Bedrock names for each status (`x-amzn-errortype`). */
const BEDROCK_EXCEPTIONS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Bedrock's `messages[].content[].text` of the last user turn. */
function bedrockPrompt(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: Array<{ text?: unknown }> }>) : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const text = (m.content ?? [])
      .map((b) => (typeof b.text === 'string' ? b.text : ''))
      .join(' ')
      .trim();
    if (text !== '') return text;
  }
  return '';
}

const bedrock: Vendor = {
  reply(body, id, model, stream) {
    const asked = bedrockPrompt(body);
    const turn = bedrockToolTurn(body, asked);
    const input = tokens(JSON.stringify(body.messages ?? ''));
    if (turn?.kind === 'call') {
      const toolUseId = toolCallId('tooluse', id);
      const args = JSON.stringify(turn.args);
      const usage = { inputTokens: input, outputTokens: tokens(args) + 10, totalTokens: input + tokens(args) + 10 };
      if (!stream) {
        return {
          json: {
            output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId, name: turn.name, input: turn.args } }] } },
            stopReason: 'tool_use',
            usage,
            metrics: { latencyMs: 1 },
          },
        };
      }
      return {
        events: [
          bedrockEvent('messageStart', { role: 'assistant' }),
          bedrockEvent('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId, name: turn.name } } }),
          bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: args } } }),
          bedrockEvent('contentBlockStop', { contentBlockIndex: 0 }),
          bedrockEvent('messageStop', { stopReason: 'tool_use' }),
          bedrockEvent('metadata', { usage, metrics: { latencyMs: 1 } }),
        ],
      };
    }
    const text = replyText(model, asked, turn);
    const output = tokens(text);
    const usage = { inputTokens: input, outputTokens: output, totalTokens: input + output };
    if (!stream) {
      return { json: { output: { message: { role: 'assistant', content: [{ text }] } }, stopReason: 'end_turn', usage, metrics: { latencyMs: 1 } } };
    }
    return {
      events: [
        bedrockEvent('messageStart', { role: 'assistant' }),
        ...deltas(text).map((d) => bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: d } })),
        bedrockEvent('contentBlockStop', { contentBlockIndex: 0 }),
        bedrockEvent('messageStop', { stopReason: 'end_turn' }),
        bedrockEvent('metadata', { usage, metrics: { latencyMs: 1 } }),
      ],
    };
  },
  error(status, message, type) {
    const name = type ?? BEDROCK_EXCEPTIONS[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
    return { body: { message }, headers: { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` } };
  },
  streamError: (message, type) => bedrockStreamException(type ?? 'serviceUnavailableException', message),
  malformedStream() {
    // A whole frame whose payload no longer matches its CRC.
    const frame = encodeEventStreamMessage({ ':event-type': 'contentBlockDelta', ':message-type': 'event' }, '{"contentBlockIndex":0,"delta":{"text":"x"}}');
    frame[frame.length - 6] = frame[frame.length - 6]! ^ 0xff;
    return frame;
  },
  streamContentType: 'application/vnd.amazon.eventstream',
};

export const VENDORS: Readonly<Record<VendorApi, Vendor>> = { anthropic, openai, gemini, bedrock };
