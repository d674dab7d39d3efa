/**
 * The Anthropic provider seen from an Anthropic Messages client: the request passes straight
 * through (only the model may change, and the client's `anthropic-beta` features go along), and
 * so do the answer, the stream and the errors. modelgate reads them only to tell the engine when
 * the stream's content starts, which model answered, the usage, and whether an `error` event
 * arrived inside the 200 stream.
 */
import type { MessagesAdapter, RequestContext, SseEvent, StreamStep, StreamTranslator, UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import { anthropicError, anthropicErrorTypeForStatus } from '../shared/error-body.js';
import { requireModel, upstreamUrl } from '../shared/target.js';
import { parseAnthropicError, streamFailure } from './errors.js';
import { ANTHROPIC_VERSION } from './request.js';
import { mergeUsage, tokenUsage, toOpenAIUsage } from './usage.js';
import type { AnthropicErrorBody, MessagesApiRequest, MessagesResponse, StreamEvent, Usage } from './wire.js';

/** Client headers that select Anthropic API features, passed on as they came. */
const PASSED_CLIENT_HEADERS = ['anthropic-beta'];

function buildMessagesPassthrough(req: MessagesApiRequest, target: ProviderTarget, context?: RequestContext): UpstreamRequest {
  const model = requireModel(target, req.model);
  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' };
  if (target.apiKey) headers['x-api-key'] = target.apiKey;
  if (req.stream === true) headers.accept = 'text/event-stream';
  for (const name of PASSED_CLIENT_HEADERS) {
    const value = context?.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  // A spread copy, so the validated request the engine may reuse for a later attempt is untouched.
  const body = model === req.model ? req : { ...req, model };
  return { url: upstreamUrl(target, '/messages'), headers, body: JSON.stringify(body) };
}

function isMessagesResponse(body: unknown): body is MessagesResponse {
  if (typeof body !== 'object' || body === null) return false;
  const { type, content } = body as Record<string, unknown>;
  return type === 'message' && Array.isArray(content);
}

const usageOf = (usage: Usage | undefined) => tokenUsage(toOpenAIUsage(usage ?? {}));

/** Anthropic's error body, passed on (scrubbed); anything else becomes one in the same shape. */
export function passthroughAnthropicError(status: number, body: string): AnthropicErrorBody {
  const error = parseAnthropicError(body);
  if (error) return anthropicError(error.message, error.type);
  return anthropicError(`The upstream provider returned HTTP ${status} with an unreadable error body.`, anthropicErrorTypeForStatus(status));
}

/** Frames Anthropic's events again as they came (`event:` line and data), and reads what the engine needs. */
class AnthropicPassthroughStream implements StreamTranslator {
  private usage: Usage = {};

  push(event: SseEvent): StreamStep {
    let parsed: StreamEvent;
    try {
      parsed = JSON.parse(event.data) as StreamEvent;
    } catch {
      return { frames: [], content: false, done: false };
    }
    if (typeof parsed !== 'object' || parsed === null) return { frames: [], content: false, done: false };
    const type = (parsed as { type?: unknown }).type ?? event.event;
    const frame = `event: ${typeof type === 'string' ? type : 'message'}\ndata: ${event.data}\n\n`;
    const step: StreamStep = { frames: [frame], content: false, done: false };
    switch (type) {
      case 'message_start': {
        const { message } = parsed as Extract<StreamEvent, { type: 'message_start' }>;
        this.usage = message?.usage ?? {};
        if (typeof message?.model === 'string' && message.model !== '') step.model = message.model;
        return step;
      }
      case 'content_block_start': {
        // A tool call starts with its name: content. An empty text or thinking block is not yet.
        const block = (parsed as Extract<StreamEvent, { type: 'content_block_start' }>).content_block as { type?: unknown; text?: unknown } | undefined;
        step.content = block?.type !== 'text' && block?.type !== 'thinking' ? true : typeof block.text === 'string' && block.text !== '';
        return step;
      }
      case 'content_block_delta':
        step.content = true;
        return step;
      case 'message_delta': {
        const delta = parsed as Extract<StreamEvent, { type: 'message_delta' }>;
        this.usage = mergeUsage(this.usage, delta.usage);
        step.usage = usageOf(this.usage);
        step.content = delta.delta?.stop_reason !== undefined && delta.delta.stop_reason !== null;
        return step;
      }
      case 'message_stop':
        step.done = true;
        return step;
      case 'error':
        return { frames: [], content: false, done: false, failure: streamFailure((parsed as Partial<Extract<StreamEvent, { type: 'error' }>>).error) };
      default:
        // `ping`, `content_block_stop`, and event types added after this was written: passed on.
        return step;
    }
  }
}

export const anthropicMessages: MessagesAdapter = {
  streamFormat: 'sse',
  buildRequest: buildMessagesPassthrough,
  translateResponse(body, sentModel) {
    if (!isMessagesResponse(body)) {
      throw new Error('Anthropic upstream returned a body that is not a Messages response (no `type: message` with `content`)');
    }
    const model = typeof body.model === 'string' && body.model !== '' ? body.model : sentModel;
    return { body, model, usage: usageOf(body.usage), unchanged: true };
  },
  streamTranslator: () => new AnthropicPassthroughStream(),
  translateError: passthroughAnthropicError,
};
