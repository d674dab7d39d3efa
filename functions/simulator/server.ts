/**
 * modelgate's simulated provider: an HTTP server on loopback that answers in the real wire
 * formats of Anthropic Messages, OpenAI chat completions (and Azure OpenAI's paths), Gemini
 * (Google AI Studio's and Vertex AI's paths) and Bedrock Converse, and misbehaves on demand in
 * each vendor's own way. `modelgate demo` runs it so a newcomer sees failover without a key; the
 * tests script its faults.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { unknownFakeModels, type Fault, type FaultPlan, type SimulatedCall } from './faults.js';
import { VENDORS, type Vendor, type VendorApi } from './vendors.js';
import type { Reply } from './wire.js';

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

/** Where a call goes, read from its path: the vendor, and for path-addressed vendors the model and whether it streams. */
interface Route {
  api: VendorApi;
  /** Gemini and Bedrock name the model in the path; Azure's dated API names the deployment there. */
  model?: string;
  /** Gemini and Bedrock choose streaming by path. */
  stream?: boolean;
  /** Gemini's stream without `alt=sse` is a JSON array, not SSE. */
  jsonArray?: boolean;
}

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

export function routeOf(path: string, query: URLSearchParams): Route | undefined {
  if (path.endsWith('/messages')) return { api: 'anthropic' };
  // Claude on Vertex AI: `.../publishers/anthropic/models/{id}:rawPredict` (`:streamRawPredict`), the Messages wire format.
  const claudeOnVertex = /\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/.exec(path);
  if (claudeOnVertex) return { api: 'anthropic', model: decode(claudeOnVertex[1]!), stream: claudeOnVertex[2] === 'streamRawPredict' };
  const deployment = /\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
  if (deployment) return { api: 'openai', model: decode(deployment[1]!) };
  if (path.endsWith('/chat/completions')) return { api: 'openai' };
  // Gemini API `/v1beta/models/{id}:method`, Vertex `/v1/projects/{p}/locations/{l}/publishers/google/models/{id}:method`.
  const gemini = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
  if (gemini) {
    const stream = gemini[2] === 'streamGenerateContent';
    return { api: 'gemini', model: decode(gemini[1]!), stream, jsonArray: stream && query.get('alt') !== 'sse' };
  }
  const bedrock = /^(?:.*)\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
  if (bedrock) return { api: 'bedrock', model: decode(bedrock[1]!), stream: bedrock[2] === 'converse-stream' };
  return undefined;
}

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
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route = routeOf(url.pathname, url.searchParams);
    const raw = await readAll(req);
    if (req.method !== 'POST' || !route) return json(res, 404, { error: { message: `simulator: no endpoint ${req.method} ${req.url}`, type: 'not_found' } });
    const vendor = VENDORS[route.api];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      const error = vendor.error(400, 'body is not JSON');
      return json(res, 400, error.body, error.headers);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const model = route.api === 'openai' ? String(body.model ?? route.model ?? '') : String(route.model ?? body.model ?? '');
    const stream = route.stream ?? body.stream === true;
    const call: SimulatedCall = { api: route.api, model, stream, headers, body, method: req.method, path: url.pathname, query: url.search.slice(1), rawBody: raw };
    const index = calls.push(call) - 1;
    res.on('close', () => {
      if (!res.writableFinished) call.abandoned = true;
    });
    const fault = plan(call, index);
    const prefix = route.api === 'anthropic' ? 'msg' : route.api === 'openai' ? 'chatcmpl' : 'resp';
    const id = `${prefix}_sim${String(nextId++).padStart(6, '0')}`;
    await answer(res, vendor, fault, () => vendor.reply(body, id, model, stream), route);
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

async function answer(res: ServerResponse, vendor: Vendor, fault: Fault | undefined, reply: () => Reply, route: Route): Promise<void> {
  const openStream = () => res.writeHead(200, { 'content-type': vendor.streamContentType, 'cache-control': 'no-cache' });
  switch (fault?.kind) {
    case undefined:
      return send(res, vendor, reply(), route);
    case 'delay':
      await new Promise((r) => setTimeout(r, fault.ms));
      // A caller that gave up meanwhile gets nothing (a real provider stops generating too).
      if (res.destroyed) return;
      return send(res, vendor, reply(), route);
    case 'status': {
      const error = vendor.error(fault.status, fault.message ?? `simulated ${fault.status}`, fault.errorType);
      return json(res, fault.status, error.body, { ...error.headers, ...fault.headers });
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
      openStream();
      res.end(vendor.malformedStream());
      return;
    case 'stream-error-before-content':
      openStream();
      res.end(vendor.streamError(fault.message ?? 'Overloaded', fault.errorType));
      return;
    case 'stream-error-after-content':
    case 'stream-break':
    case 'stream-stall': {
      const events = reply().events ?? [];
      openStream();
      // Enough events to carry content: the message start and the first deltas.
      for (const e of events.slice(0, fault.afterEvents)) res.write(e);
      if (fault.kind === 'stream-error-after-content') {
        res.end(vendor.streamError('Overloaded', fault.errorType));
      } else if (fault.kind === 'stream-break') {
        setTimeout(() => res.socket?.destroy(), 10);
      }
      return;
    }
  }
}

function send(res: ServerResponse, vendor: Vendor, reply: Reply, route: Route) {
  if (reply.events && route.jsonArray) {
    // Gemini's streamGenerateContent without `alt=sse`: the chunks as one JSON array.
    const chunks = reply.events.map((e) => JSON.parse(String(e).replace(/^data: /, '')) as unknown);
    return json(res, 200, chunks);
  }
  if (reply.events) {
    res.writeHead(200, { 'content-type': vendor.streamContentType, 'cache-control': 'no-cache' });
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
