/**
 * Responses clients of an upstream that speaks the Responses API itself (OpenAI, Azure OpenAI's
 * v1 API, custom hosts that declare the `Responses` format): the body passes through and only the
 * model may change. Answers pass through too; we only look inside to tell the engine when content
 * starts (ending its hold), which model answered, the usage, and whether the stream failed.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import { asRecord, isRecord } from '../../core/json.js';
import { DEFAULT_AZURE_API_VERSION } from '../../core/endpoints.js';
import { scrubSecrets } from '../shared/scrub.js';
import { errorTypeForStatus } from '../shared/error-body.js';
import { requireModel, resolveModel, upstreamUrl, vendorUrl } from '../shared/target.js';
import type { ProviderAdapter, SseEvent, StreamFailure, StreamStep, StreamTranslator, TokenUsage, TranslatedResponse, UpstreamRequest } from '../types.js';
import { statusForOpenAIError, translateOpenAIError } from './errors.js';
import type { OpenAIErrorBody } from './wire.js';
import type { ResponsesRequest, ResponsesResponse } from './responses-wire.js';

export type ResponsesAdapter = ProviderAdapter<ResponsesRequest, unknown, OpenAIErrorBody>;

function tokenUsage(usage: unknown): TokenUsage | undefined {
  const u = asRecord(usage);
  if (!u || (typeof u.input_tokens !== 'number' && typeof u.output_tokens !== 'number')) return undefined;
  return { input: typeof u.input_tokens === 'number' ? u.input_tokens : 0, output: typeof u.output_tokens === 'number' ? u.output_tokens : 0 };
}

function withModel(req: ResponsesRequest, model: string | undefined): string {
  // A spread copy, so the validated request the engine may reuse for a later attempt is untouched.
  return JSON.stringify(model === req.model || model === undefined ? req : { ...req, model });
}

function headersFor(req: ResponsesRequest, auth: Record<string, string>): Record<string, string> {
  return { 'content-type': 'application/json', ...auth, ...(req.stream === true && { accept: 'text/event-stream' }) };
}

/** `error` event or `response.failed` -> the failure the engine reports; undefined for anything else. */
function failureOf(type: string | undefined, data: Record<string, unknown>): StreamFailure | undefined {
  let error: Record<string, unknown> | undefined;
  if (type === 'error') error = asRecord(data.error) ?? data;
  else if (type === 'response.failed') error = asRecord(asRecord(data.response)?.error) ?? {};
  else if (isRecord(data.error) && type === undefined) error = data.error;
  if (!error) return undefined;
  const status = statusForOpenAIError(error);
  const message = typeof error.message === 'string' ? error.message : 'The upstream provider reported an error.';
  return { status, type: typeof error.type === 'string' ? error.type : typeof error.code === 'string' ? error.code : errorTypeForStatus(status), message: scrubSecrets(message) };
}

const CONTENT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
]);

/** Whether an event is content the client must see: the opening events (created, an empty message item) can be held while the engine may still fail over. */
function carriesContent(type: string, data: Record<string, unknown>): boolean {
  if (CONTENT_DELTAS.has(type)) return typeof data.delta === 'string' && data.delta !== '';
  if (type === 'response.output_item.added') {
    const itemType = asRecord(data.item)?.type;
    return itemType !== 'message' && itemType !== 'reasoning';
  }
  if (type === 'response.completed' || type === 'response.incomplete') {
    const output = asRecord(data.response)?.output;
    return Array.isArray(output) && output.length > 0;
  }
  return false;
}

export class ResponsesPassthroughStream implements StreamTranslator {
  private modelSeen = false;

  push(event: SseEvent): StreamStep {
    // One `data:` line per line of the payload: JSON may span lines, and a bare second line would be no field at all.
    const frame = `${event.event !== undefined ? `event: ${event.event}\n` : ''}${event.data
      .split('\n')
      .map((line) => `data: ${line}`)
      .join('\n')}\n\n`;
    if (event.data.trim() === '[DONE]') return { frames: [frame], content: false, done: true };
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return { frames: [frame], content: false, done: false };
    }
    if (!isRecord(data)) return { frames: [frame], content: false, done: false };
    const type = typeof data.type === 'string' ? data.type : event.event;
    const failure = failureOf(type, data);
    if (failure) return { frames: [], content: false, failure, done: false };
    const done = type === 'response.completed' || type === 'response.incomplete';
    const step: StreamStep = { frames: [frame], content: type !== undefined && carriesContent(type, data), done };
    const response = asRecord(data.response);
    if (!this.modelSeen && typeof response?.model === 'string' && response.model !== '') {
      this.modelSeen = true;
      step.model = response.model;
    }
    const usage = tokenUsage(response?.usage);
    if (usage) step.usage = usage;
    return step;
  }
}

function translateResponse(body: unknown, sentModel: string): TranslatedResponse<unknown> {
  if (!isRecord(body) || !Array.isArray(body.output)) throw new Error('the upstream returned a body that is not a response (no `output` array)');
  const response = body as ResponsesResponse;
  const usage = tokenUsage(response.usage);
  return { body, model: typeof response.model === 'string' && response.model !== '' ? response.model : sentModel, ...(usage && { usage }), unchanged: true };
}

function adapter(build: (req: ResponsesRequest, target: ProviderTarget) => UpstreamRequest): ResponsesAdapter {
  return {
    streamFormat: 'sse',
    buildRequest: build,
    translateResponse,
    streamTranslator: () => new ResponsesPassthroughStream(),
    translateError: translateOpenAIError,
  };
}

/** OpenAI, and OpenAI-compatible hosts: `{pathPrefix or /v1}/responses`, `Authorization: Bearer`. */
export const openaiResponses: ResponsesAdapter = adapter((req, target) => {
  // Local OpenAI-compatible servers often run without a key; sending `Bearer undefined` would be worse.
  const auth: Record<string, string> = target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
  return { url: upstreamUrl(target, '/responses'), headers: headersFor(req, auth), body: withModel(req, resolveModel(target, req.model)) };
});

/** Whether an Azure OpenAI target uses the v1 API (`v1` or `preview`), the one that serves Responses. */
export function azureSpeaksResponses(target: ProviderTarget): boolean {
  const version = target.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION;
  return version === 'v1' || version === 'preview';
}

/** Azure OpenAI's v1 API: `/openai/v1/responses`, the deployment named as `model`, the key in `api-key`. */
export const azureResponses: ResponsesAdapter = adapter((req, target) => {
  const model = requireModel(target, req.model);
  const auth: Record<string, string> = target.apiKey ? { 'api-key': target.apiKey } : {};
  const path = target.azure?.apiVersion === 'preview' ? '/openai/v1/responses?api-version=preview' : '/openai/v1/responses';
  return { url: vendorUrl(target, path), headers: headersFor(req, auth), body: withModel(req, model) };
});
