/**
 * A provider that misbehaves on purpose, on loopback: each test gives it one behaviour (echo the
 * key it was sent, ping forever, send a gigabyte, answer `[DONE]` and nothing else…). It counts
 * what it wrote, so a test can tell how much of an answer the gateway actually read.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface HostileCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The credential the gateway sent, wherever this vendor carries it. */
  key: string | undefined;
  /** Whether the call asked for a stream (body `stream: true`, or a streaming path). */
  stream: boolean;
}

export type Behaviour = (call: HostileCall, res: ServerResponse) => void;

export interface Hostile {
  port: number;
  calls: HostileCall[];
  /** Bytes of response bodies written so far (what the gateway was sent, at most). */
  bytesWritten(): number;
  close(): Promise<void>;
}

export function keyOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const h = req.headers;
  const bearer = typeof h.authorization === 'string' ? h.authorization.replace(/^Bearer\s+/i, '') : undefined;
  return bearer ?? (h['api-key'] as string | undefined) ?? (h['x-api-key'] as string | undefined) ?? (h['x-goog-api-key'] as string | undefined) ?? query.get('key') ?? undefined;
}

export async function startHostile(behaviour: Behaviour): Promise<Hostile> {
  const calls: HostileCall[] = [];
  const sockets = new Set<Socket>();
  let written = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      let stream = /stream/i.test(url.pathname) || url.searchParams.get('alt') === 'sse';
      try {
        stream ||= (JSON.parse(body) as { stream?: unknown }).stream === true;
      } catch {
        // not JSON: not a stream request
      }
      const call: HostileCall = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, key: keyOf(req, url.searchParams), stream };
      calls.push(call);
      const write = res.write.bind(res);
      res.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof res.write;
      behaviour(call, res);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    bytesWritten: () => written,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Every form a careless upstream might quote a key in. */
export function quoting(key: string | undefined): string {
  return `Incorrect API key provided: ${key}. You sent "Bearer ${key}" (${encodeURIComponent(key ?? '')}).`;
}

/** A chat completion whose content is `text`, in OpenAI's format, buffered or streamed. */
export function openAIAnswer(call: HostileCall, res: ServerResponse, text: string): void {
  if (!call.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }));
  res.write(chunk({ content: text }));
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
}

/** A Gemini `generateContent` answer (or one SSE event of `streamGenerateContent`) with `text`. */
export function geminiAnswer(call: HostileCall, res: ServerResponse, text: string): void {
  const body = {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    modelVersion: 'gemini-x',
  };
  if (!call.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(`data: ${JSON.stringify(body)}\n\n`);
}
