/**
 * The simulated answers in each vendor's real wire format: Anthropic Messages (JSON and the
 * event stream with message_start ... message_stop) and OpenAI chat completions (JSON and
 * `data:` chunks ending in [DONE]).
 */
import { answerText, deltas, lastUserText, tokens } from './answer.js';
import { anthropicToolTurn, openaiToolTurn, resultAnswer, type ToolTurn } from './tools.js';

export interface Reply {
  /** Events (already framed) for a stream, or one JSON body. */
  json?: unknown;
  events?: Array<string | Uint8Array>;
}

const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** The text of the answer: the tool's result put to use, or the usual echo of the prompt. */
export function replyText(model: string, prompt: string, turn: ToolTurn | undefined): string {
  return turn?.kind === 'use-result' ? resultAnswer(model, turn) : answerText(model, prompt);
}

/** A tool call's id in a vendor's style (`toolu_…`, `call_…`, `tooluse_…`), from the response id. */
export const toolCallId = (prefix: string, id: string) => `${prefix}_${id.replace(/^[a-z]+_/, '')}`;

/** Splits a tool call's arguments JSON into a few stream deltas, as vendors stream them. */
function argumentDeltas(json: string): string[] {
  const size = Math.max(8, Math.ceil(json.length / 3));
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

function anthropicToolCall(id: string, model: string, input: number, turn: Extract<ToolTurn, { kind: 'call' }>, stream: boolean): Reply {
  const block = { type: 'tool_use', id: toolCallId('toolu', id), name: turn.name, input: turn.args };
  const args = JSON.stringify(turn.args);
  const output = tokens(args) + 10;
  if (!stream) {
    return {
      json: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [block],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: input, output_tokens: output },
      },
    };
  }
  return {
    events: [
      sse('message_start', {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } },
      }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } }),
      ...argumentDeltas(args).map((d) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: d } })),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: output } }),
      sse('message_stop', { type: 'message_stop' }),
    ],
  };
}

export function anthropicReply(body: Record<string, unknown>, id: string): Reply {
  const model = String(body.model);
  const prompt = lastUserText(body.messages);
  const turn = anthropicToolTurn(body, prompt);
  const input = tokens(JSON.stringify(body.messages ?? ''));
  if (turn?.kind === 'call') return anthropicToolCall(id, model, input, turn, body.stream === true);
  const text = replyText(model, prompt, turn);
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
      sse('message_start', {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } },
      }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse('ping', { type: 'ping' }),
      ...deltas(text).map((d) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: d } })),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: output } }),
      sse('message_stop', { type: 'message_stop' }),
    ],
  };
}

export function anthropicError(type: string, message: string): unknown {
  return { type: 'error', error: { type, message } };
}

export function anthropicStreamError(type: string, message: string): string {
  return sse('error', { type: 'error', error: { type, message } });
}

export function openaiReply(body: Record<string, unknown>, id: string): Reply {
  const model = String(body.model ?? 'gpt-4o-mini');
  const prompt = lastUserText(body.messages);
  const turn = openaiToolTurn(body, prompt);
  const call = turn?.kind === 'call' ? { id: toolCallId('call', id), type: 'function' as const, function: { name: turn.name, arguments: JSON.stringify(turn.args) } } : undefined;
  const text = call ? '' : replyText(model, prompt, turn);
  const usage = { prompt_tokens: tokens(JSON.stringify(body.messages ?? '')), completion_tokens: call ? tokens(call.function.arguments) + 10 : tokens(text), total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const created = Math.floor(Date.now() / 1000);
  const finish = call ? 'tool_calls' : 'stop';
  if (body.stream !== true) {
    const message = call ? { role: 'assistant', content: null, tool_calls: [call], refusal: null } : { role: 'assistant', content: text };
    return {
      json: {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
        usage,
      },
    };
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null, withUsage = false) =>
    sse(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(withUsage && { usage }) });
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  // A tool call streams as OpenAI streams it: the id and name first, then the arguments in pieces.
  const content = call
    ? [
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null),
        ...argumentDeltas(call.function.arguments).map((d) => chunk({ tool_calls: [{ index: 0, function: { arguments: d } }] }, null)),
      ]
    : [chunk({ role: 'assistant', content: '' }, null), ...deltas(text).map((d) => chunk({ content: d }, null))];
  return {
    events: [
      ...content,
      chunk({}, finish),
      ...(includeUsage ? [sse(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [], usage })] : []),
      'data: [DONE]\n\n',
    ],
  };
}

/** OpenAI's error shape, with the type/code pairs its API uses per status. */
export function openaiError(status: number, message: string): unknown {
  const [type, code] =
    status === 404
      ? ['invalid_request_error', 'model_not_found']
      : status === 429
        ? ['rate_limit_error', 'rate_limit_exceeded']
        : status === 401
          ? ['invalid_request_error', 'invalid_api_key']
          : status >= 500
            ? ['server_error', null]
            : ['invalid_request_error', null];
  return { error: { message, type, param: null, code } };
}
