/**
 * A loopback stand-in for an upstream that speaks OpenAI's Responses API (`POST /v1/responses`,
 * buffered and streamed) and chat completions with function calls (`POST /v1/chat/completions`),
 * for the Responses endpoint's tests. The model a call names picks its behaviour: `*-429` and
 * `*-500` answer that status, `*-broken` streams the start of an answer and then drops the
 * connection, `*-streamfail` streams `response.failed` (rate limited) before any content; on chat
 * completions, `*-reasoning` thinks before answering, `*-refusal` refuses and `*-chatty` says
 * something before a function call; anything else answers. Every call is recorded.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, any>;
}

export interface FakeUpstream {
  port: number;
  calls: FakeCall[];
  close(): Promise<void>;
}

export const FAKE_TEXT = 'Hello from the fake Responses upstream.';

function event(type: string, fields: Record<string, unknown>, seq: number): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq, ...fields })}\n\n`;
}

function response(model: string, status: string, output: unknown[], usage?: unknown): Record<string, unknown> {
  return { id: 'resp_fake1', object: 'response', created_at: 1772657185, status, model, output, ...(usage !== undefined && { usage }), store: false };
}

const USAGE = { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18 };
const MESSAGE = { type: 'message', id: 'msg_fake1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: FAKE_TEXT, annotations: [] }] };

function responsesStream(model: string): string[] {
  let seq = 0;
  const item = { type: 'message', id: 'msg_fake1', status: 'in_progress', role: 'assistant', content: [] };
  const part = { type: 'output_text', text: '', annotations: [] };
  const [a, b] = [FAKE_TEXT.slice(0, 10), FAKE_TEXT.slice(10)];
  return [
    event('response.created', { response: response(model, 'in_progress', []) }, seq++),
    event('response.in_progress', { response: response(model, 'in_progress', []) }, seq++),
    event('response.output_item.added', { output_index: 0, item }, seq++),
    event('response.content_part.added', { item_id: 'msg_fake1', output_index: 0, content_index: 0, part }, seq++),
    event('response.output_text.delta', { item_id: 'msg_fake1', output_index: 0, content_index: 0, delta: a, logprobs: [] }, seq++),
    event('response.output_text.delta', { item_id: 'msg_fake1', output_index: 0, content_index: 0, delta: b, logprobs: [] }, seq++),
    event('response.output_text.done', { item_id: 'msg_fake1', output_index: 0, content_index: 0, text: FAKE_TEXT, logprobs: [] }, seq++),
    event('response.content_part.done', { item_id: 'msg_fake1', output_index: 0, content_index: 0, part: { ...part, text: FAKE_TEXT } }, seq++),
    event('response.output_item.done', { output_index: 0, item: MESSAGE }, seq++),
    event('response.completed', { response: response(model, 'completed', [MESSAGE], USAGE) }, seq++),
  ];
}

/** A chat completion (or its chunks) that calls `tools[0]` when the request offers tools and has no tool result yet; text otherwise. */
function chatAnswer(body: Record<string, any>): { buffered: unknown; chunks: unknown[] } {
  const model = String(body.model);
  const tool = body.tools?.[0]?.function?.name as string | undefined;
  const answered = Array.isArray(body.messages) && body.messages.some((m: any) => m.role === 'tool');
  const base = { id: 'chatcmpl-fake', created: 1772657185, model };
  const usage = { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 };
  if (tool && !answered) {
    const args = '{"city":"Paris"}';
    return {
      buffered: {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake1', type: 'function', function: { name: tool, arguments: args } }] },
            finish_reason: 'tool_calls',
          },
        ],
        usage,
      },
      chunks: [
        // `*-chatty` models say something before they call.
        ...(model.endsWith('-chatty')
          ? [{ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Checking.' }, finish_reason: null }] }]
          : []),
        {
          ...base,
          object: 'chat.completion.chunk',
          choices: [
            {
              index: 0,
              delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_fake1', type: 'function', function: { name: tool, arguments: '' } }] },
              finish_reason: null,
            },
          ],
        },
        {
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(0, 8) } }] }, finish_reason: null }],
        },
        { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(8) } }] }, finish_reason: null }] },
        { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { ...base, object: 'chat.completion.chunk', choices: [], usage },
      ],
    };
  }
  if (model.endsWith('-refusal')) {
    return {
      buffered: {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help.' }, finish_reason: 'stop' }],
        usage,
      },
      chunks: [
        { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', refusal: 'I can' }, finish_reason: null }] },
        { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { refusal: 'not help.' }, finish_reason: 'stop' }] },
        { ...base, object: 'chat.completion.chunk', choices: [], usage },
      ],
    };
  }
  const text = answered ? 'It is sunny in Paris.' : FAKE_TEXT;
  // `*-reasoning` models think first, as DeepSeek-style hosts stream it (`reasoning_content`).
  const reasoning = model.endsWith('-reasoning') ? 'Thinking about it.' : undefined;
  return {
    buffered: {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: text, ...(reasoning && { reasoning_content: reasoning }) }, finish_reason: 'stop' }],
      usage,
    },
    chunks: [
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      ...(reasoning
        ? [reasoning.slice(0, 9), reasoning.slice(9)].map((r) => ({
            ...base,
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta: { reasoning_content: r }, finish_reason: null }],
          }))
        : []),
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text.slice(0, 6) }, finish_reason: null }] },
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text.slice(6) }, finish_reason: 'stop' }] },
      { ...base, object: 'chat.completion.chunk', choices: [], usage },
    ],
  };
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const calls: FakeCall[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const pieces: Buffer[] = [];
    req.on('data', (c: Buffer) => pieces.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(Buffer.concat(pieces).toString('utf8')) as Record<string, any>;
      } catch {
        // recorded as {}
      }
      calls.push({ path, headers: req.headers, body });
      const model = String(body.model ?? '');
      const status = /-(429|500)$/.exec(model)?.[1];
      if (status) {
        res.writeHead(Number(status), { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake: ${status} for ${model}`, type: status === '429' ? 'rate_limit_error' : 'server_error', code: null } }));
        return;
      }
      if (path.endsWith('/responses')) {
        if (body.stream !== true) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(response(model, 'completed', [MESSAGE], USAGE)));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const events = responsesStream(model);
        if (model.endsWith('-streamfail')) {
          // Rate limited inside the 200 stream, before any content.
          res.end(events[0]! + event('response.failed', { response: { ...response(model, 'failed', []), error: { code: 'rate_limit_exceeded', message: 'fake: slow down' } } }, 1));
          return;
        }
        if (model.endsWith('-broken')) {
          res.write(events.slice(0, 5).join(''));
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        res.end(events.join(''));
        return;
      }
      if (path.endsWith('/chat/completions')) {
        const answer = chatAnswer(body);
        if (body.stream !== true) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.buffered));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${answer.chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake: no endpoint ${path}`, type: 'not_found' } }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
