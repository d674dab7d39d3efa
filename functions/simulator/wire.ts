/**
 * The simulated answers in each vendor's real wire format: Anthropic Messages (JSON and the
 * event stream with message_start ... message_stop) and OpenAI chat completions (JSON and
 * `data:` chunks ending in [DONE]).
 */
import { answerText, deltas, lastUserText, tokens } from './answer.js';

export interface Reply {
  /** Events (already framed) for a stream, or one JSON body. */
  json?: unknown;
  events?: Array<string | Uint8Array>;
}

const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

export function anthropicReply(body: Record<string, unknown>, id: string): Reply {
  const model = String(body.model);
  const text = answerText(model, lastUserText(body.messages));
  const input = tokens(JSON.stringify(body.messages ?? ''));
  const output = tokens(text);
  if (body.stream !== true) {
    return {
      json: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: input, output_tokens: output },
      },
    };
  }
  return {
    events: [
      sse('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } } }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse('ping', { type: 'ping' }),
      ...deltas(text).map((d) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: d } })),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: output } }),
      sse('message_stop', { type: 'message_stop' }),
    ],
  };
}

export function anthropicError(status: number, type: string, message: string): unknown {
  return { type: 'error', error: { type, message } };
}

export function anthropicStreamError(type: string, message: string): string {
  return sse('error', { type: 'error', error: { type, message } });
}

export function openaiReply(body: Record<string, unknown>, id: string): Reply {
  const model = String(body.model ?? 'gpt-4o-mini');
  const text = answerText(model, lastUserText(body.messages));
  const usage = { prompt_tokens: tokens(JSON.stringify(body.messages ?? '')), completion_tokens: tokens(text), total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const created = Math.floor(Date.now() / 1000);
  if (body.stream !== true) {
    return {
      json: {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
        usage,
      },
    };
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null, withUsage = false) =>
    sse(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(withUsage && { usage }) });
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  return {
    events: [
      chunk({ role: 'assistant', content: '' }, null),
      ...deltas(text).map((d) => chunk({ content: d }, null)),
      chunk({}, 'stop'),
      ...(includeUsage ? [sse(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [], usage })] : []),
      'data: [DONE]\n\n',
    ],
  };
}

/** OpenAI's error shape, with the type/code pairs its API uses per status. */
export function openaiError(status: number, message: string): unknown {
  const [type, code] =
    status === 404 ? ['invalid_request_error', 'model_not_found'] :
    status === 429 ? ['rate_limit_error', 'rate_limit_exceeded'] :
    status === 401 ? ['invalid_request_error', 'invalid_api_key'] :
    status >= 500 ? ['server_error', null] : ['invalid_request_error', null];
  return { error: { message, type, param: null, code } };
}
