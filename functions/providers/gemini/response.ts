/**
 * Gemini `generateContent` answers -> OpenAI chat completions: buffered (`translateGeminiResponse`)
 * and streamed (`GeminiStreamTranslator`), following agentgateway's `vertex_gemini::to_completions`.
 */
import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionChunk, ChunkToolCallDelta, FinishReason, ToolCall, Usage } from '../openai/wire.js';
import type { SseEvent, StreamStep, StreamTranslator, TokenUsage, TranslatedResponse } from '../types.js';
import { streamFailureFromGoogleError } from './errors.js';
import { joinToolCallId } from './request.js';
import type { Candidate, GenerateContentResponse, UsageMetadata } from './wire.js';

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** STOP, MALFORMED_FUNCTION_CALL, OTHER, unknown future values: the turn just ended. A function call upgrades `stop`. */
function finishReason(reason: string | undefined, sawToolCall: boolean): FinishReason {
  const mapped: FinishReason = reason === 'MAX_TOKENS' ? 'length' : reason !== undefined && CONTENT_FILTER.has(reason) ? 'content_filter' : 'stop';
  return mapped === 'stop' && sawToolCall ? 'tool_calls' : mapped;
}

/** Gemini counts thoughts apart from the answer; OpenAI's completion tokens include reasoning. */
function openAIUsage(u: UsageMetadata): Usage {
  const prompt = u.promptTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u.totalTokenCount ?? prompt + completion,
    ...(u.cachedContentTokenCount !== undefined && { prompt_tokens_details: { cached_tokens: u.cachedContentTokenCount } }),
    ...(u.thoughtsTokenCount !== undefined && { completion_tokens_details: { reasoning_tokens: u.thoughtsTokenCount } }),
  };
}

const tokenUsage = (u: Usage): TokenUsage => ({ input: u.prompt_tokens, output: u.completion_tokens });

interface Decoded {
  text: string;
  reasoning: string;
  calls: Array<{ id: string | undefined; name: string; args: unknown; signature: string | undefined }>;
}

function decode(candidate: Candidate | undefined): Decoded {
  const out: Decoded = { text: '', reasoning: '', calls: [] };
  for (const part of candidate?.content?.parts ?? []) {
    if (typeof part.text === 'string') {
      if (part.thought === true) out.reasoning += part.text;
      else out.text += part.text;
    } else if (part.functionCall) {
      out.calls.push({ id: part.functionCall.id, name: part.functionCall.name, args: part.functionCall.args ?? {}, signature: part.thoughtSignature });
    }
  }
  return out;
}

const callId = (native: string | undefined, seed: string, index: number) => native ?? `call_${seed}_${index}`;

function isGenerateContentResponse(body: unknown): body is GenerateContentResponse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { candidates, promptFeedback, usageMetadata } = body as Record<string, unknown>;
  return Array.isArray(candidates) || typeof promptFeedback === 'object' || typeof usageMetadata === 'object';
}

export function translateGeminiResponse(body: unknown, sentModel: string): TranslatedResponse<ChatCompletion> {
  if (!isGenerateContentResponse(body)) throw new Error('Gemini upstream returned a body that is not a GenerateContentResponse (no `candidates`)');
  const model = body.modelVersion || sentModel;
  const id = body.responseId ?? `gemini-${randomUUID()}`;
  const candidates = body.candidates ?? [];
  const choices: ChatCompletion['choices'] =
    candidates.length === 0
      ? [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: body.promptFeedback?.blockReason ? 'content_filter' : 'stop', logprobs: null }]
      : candidates.map((candidate, i) => {
          const seed = i === 0 ? id : `${id}_${i}`;
          const decoded = decode(candidate);
          const toolCalls: ToolCall[] = decoded.calls.map((c, k) => ({
            id: joinToolCallId(callId(c.id, seed, k), c.signature),
            type: 'function',
            function: { name: c.name, arguments: JSON.stringify(c.args) },
          }));
          const empty = decoded.text === '' && (toolCalls.length > 0 || decoded.reasoning !== '');
          return {
            index: i,
            message: {
              role: 'assistant',
              content: empty ? null : decoded.text,
              ...(decoded.reasoning !== '' && { reasoning_content: decoded.reasoning }),
              ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
            },
            finish_reason: finishReason(candidate.finishReason, toolCalls.length > 0),
            logprobs: null,
          };
        });
  const usage = body.usageMetadata ? openAIUsage(body.usageMetadata) : undefined;
  const completion: ChatCompletion = {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices,
    ...(usage && { usage }),
  };
  return { body: completion, model, ...(usage && { usage: tokenUsage(usage) }) };
}

/**
 * Gemini streams whole `GenerateContentResponse` chunks (`data: {...}`) and ends the HTTP stream
 * after the one with `finishReason`, without an end marker: `finish()` turns that close into
 * `data: [DONE]`. Usage is cumulative on every chunk; the client sees it once, on the last.
 */
export class GeminiStreamTranslator implements StreamTranslator {
  private id: string | undefined;
  private model: string;
  private modelSeen = false;
  private rolePending = true;
  private sawToolCall = false;
  private finished = false;
  private toolIndex = 0;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    sentModel: string,
    private readonly includeUsage: boolean,
  ) {
    this.model = sentModel;
  }

  push(event: SseEvent): StreamStep {
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      return { frames: [], content: false, done: false };
    }
    if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return { frames: [], content: false, done: false };
    const failure = streamFailureFromGoogleError(chunk as Record<string, unknown>);
    if (failure) return { frames: [], content: false, done: false, failure };
    return this.translate(chunk as GenerateContentResponse);
  }

  finish(): StreamStep | undefined {
    return this.finished ? { frames: ['data: [DONE]\n\n'], content: false, done: true } : undefined;
  }

  private translate(chunk: GenerateContentResponse): StreamStep {
    this.id ??= chunk.responseId ?? `gemini-${randomUUID()}`;
    const step: StreamStep = { frames: [], content: false, done: false };
    if (chunk.modelVersion && !this.modelSeen) {
      this.modelSeen = true;
      this.model = chunk.modelVersion;
      step.model = chunk.modelVersion;
    }
    // Only the first candidate streams (asking for several is rare, and some models refuse it).
    const candidate = chunk.candidates?.[0];
    const decoded = decode(candidate);
    // The role goes on the first delta the client sees.
    const delta: ChatCompletionChunk['choices'][number]['delta'] = this.rolePending ? { role: 'assistant' } : {};
    if (decoded.text !== '') delta.content = decoded.text;
    if (decoded.reasoning !== '') delta.reasoning_content = decoded.reasoning;
    if (decoded.calls.length > 0) {
      this.sawToolCall = true;
      delta.tool_calls = decoded.calls.map((c): ChunkToolCallDelta => {
        const index = this.toolIndex++;
        return { index, id: joinToolCallId(callId(c.id, this.id!, index), c.signature), type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } };
      });
    }
    let finish: FinishReason | null = null;
    if (candidate?.finishReason) finish = finishReason(candidate.finishReason, this.sawToolCall);
    else if ((chunk.candidates ?? []).length === 0 && chunk.promptFeedback?.blockReason) finish = 'content_filter';
    if (finish !== null) this.finished = true;

    const hasDelta = Object.keys(delta).some((k) => k !== 'role');
    const usage = chunk.usageMetadata ? openAIUsage(chunk.usageMetadata) : undefined;
    if (usage) step.usage = tokenUsage(usage);
    // Cumulative usage rides on interim chunks too; the client gets it on the terminal one only.
    const finalUsage = usage && (finish !== null || !hasDelta) ? usage : undefined;
    if (!hasDelta && finish === null && !(finalUsage && this.includeUsage)) return step;

    if (hasDelta || finish !== null) this.rolePending = false;
    const out: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: hasDelta || finish !== null ? [{ index: 0, delta, finish_reason: finish }] : [],
      ...(this.includeUsage && { usage: finalUsage ?? null }),
    };
    step.frames.push(`data: ${JSON.stringify(out)}\n\n`);
    step.content = hasDelta || finish !== null;
    return step;
  }
}
