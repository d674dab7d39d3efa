/**
 * modelgate's simulated provider: an HTTP server on loopback that answers the Anthropic Messages
 * API and the OpenAI chat completions API in their real wire formats, and misbehaves on demand.
 * `modelgate demo` runs it so a newcomer sees failover without a key; the tests script its faults.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { unknownFakeModels, type Fault, type FaultPlan, type SimulatedCall } from './faults.js';
import { anthropicError, anthropicReply, anthropicStreamError, openaiError, openaiReply, type Reply } from './wire.js';

export interface Simulator {
  url: string;
  port: number;
  /** Every call received, in order. */
  calls: SimulatedCall[];
  /** Replaces the fault plan. */
  setFaults(plan: FaultPlan): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  faults?: FaultPlan;
}

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

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  let plan: FaultPlan = options.faults ?? unknownFakeModels;
  const calls: SimulatedCall[] = [];
  const sockets = new Set<Socket>();
  let nextId = 1;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const api = req.url?.split('?')[0]?.endsWith('/messages') ? 'anthropic' : req.url?.split('?')[0]?.endsWith('/chat/completions') ? 'openai' : undefined;
    const raw = await readAll(req);
    if (req.method !== 'POST' || !api) return json(res, 404, { error: { message: `simulator: no endpoint ${req.method} ${req.url}`, type: 'not_found' } });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return json(res, 400, api === 'anthropic' ? anthropicError(400, 'invalid_request_error', 'body is not JSON') : openaiError(400, 'body is not JSON'));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const call: SimulatedCall = { api, model: String(body.model ?? ''), stream: body.stream === true, headers, body };
    const index = calls.push(call) - 1;
    const fault = plan(call, index);
    const id = `${api === 'anthropic' ? 'msg' : 'chatcmpl'}_sim${String(nextId++).padStart(6, '0')}`;
    const reply = () => (api === 'anthropic' ? anthropicReply(body, id) : openaiReply(body, id));
    await answer(res, api, fault, reply);
  }

  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
  return {
    url: `http://${address.address}:${address.port}`,
    port: address.port,
    calls,
    setFaults(next) {
      plan = next;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function answer(res: ServerResponse, api: 'anthropic' | 'openai', fault: Fault | undefined, reply: () => Reply): Promise<void> {
  switch (fault?.kind) {
    case undefined:
      return send(res, reply());
    case 'delay':
      await new Promise((r) => setTimeout(r, fault.ms));
      return send(res, reply());
    case 'status': {
      const type = fault.errorType ?? ANTHROPIC_STATUS_TYPES[fault.status] ?? (fault.status >= 500 ? 'api_error' : 'invalid_request_error');
      const message = fault.message ?? `simulated ${fault.status}`;
      return json(res, fault.status, api === 'anthropic' ? anthropicError(fault.status, type, message) : openaiError(fault.status, message), fault.headers);
    }
    case 'reset':
      res.socket?.destroy();
      return;
    case 'hang':
      return; // the socket stays open until the client gives up or the simulator closes
    case 'malformed-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "broken", "choices": [');
      return;
    case 'malformed-sse':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {this is not json}\n\n');
      return;
    case 'stream-error-before-content':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        api === 'anthropic'
          ? anthropicStreamError(fault.errorType ?? 'overloaded_error', fault.message ?? 'Overloaded')
          : `data: ${JSON.stringify(openaiError(500, fault.message ?? 'The server had an error while processing your request.'))}\n\n`,
      );
      return;
    case 'stream-error-after-content':
    case 'stream-break':
    case 'stream-stall': {
      const events = reply().events ?? [];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Enough events to carry content: the message start and the first deltas.
      for (const e of events.slice(0, fault.afterEvents)) res.write(e);
      if (fault.kind === 'stream-error-after-content') {
        res.end(api === 'anthropic' ? anthropicStreamError(fault.errorType ?? 'overloaded_error', 'Overloaded') : `data: ${JSON.stringify(openaiError(500, 'stream failed'))}\n\n`);
      } else if (fault.kind === 'stream-break') {
        setTimeout(() => res.socket?.destroy(), 10);
      }
      return;
    }
  }
}

function send(res: ServerResponse, reply: Reply) {
  if (reply.events) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const e of reply.events) res.write(e);
    res.end();
  } else {
    json(res, 200, reply.json);
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
