/**
 * A fake upstream on loopback for the embeddings and token-counting tests: it answers every
 * vendor's embeddings API (OpenAI/Azure/custom `/embeddings`, Gemini `:embedContent` and
 * `:batchEmbedContents`, Vertex `:predict`, Bedrock InvokeModel for Titan, Cohere and Nova) and
 * every token-counting API (Anthropic `/messages/count_tokens`, Vertex `count-tokens:rawPredict`,
 * Bedrock `/count-tokens`) in the vendor's own shape, records each call (in the simulator's
 * `SimulatedCall` shape, so the SigV4 verifier reads it), and fails on demand by model.
 *
 * Vectors are made from the model name, so a test can tell which model answered: vector i of a
 * call is `[len(model), i, 0.5, ...]`, `dimensions` long (3 by default).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatedCall } from '../../functions/simulator/faults.js';

export interface FakeFailure {
  status: number;
  /** The body as the vendor would send it; a generic one by default. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeUpstream {
  url: string;
  port: number;
  calls: SimulatedCall[];
  /** Scripted failures of calls naming `model`, in order; past the list, answers are normal. */
  fail(model: string, ...failures: FakeFailure[]): void;
  close(): Promise<void>;
}

/** The vector the fake answers for text `i` of a call to `model`. */
export function fakeVector(model: string, i: number, dimensions = 3): number[] {
  return Array.from({ length: dimensions }, (_, d) => (d === 0 ? model.length : d === 1 ? i : 0.5));
}

/** Tokens the fake counts for a body: one per 4 characters of its JSON, at least 1. */
export function fakeTokenCount(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body).length / 4));
}

const decode = (s: string) => decodeURIComponent(s);
const base64Floats = (v: number[]) => Buffer.from(Float32Array.from(v).buffer).toString('base64');

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function modelOf(path: string, body: Record<string, unknown>): string {
  const m = /\/models\/([^/:]+):/.exec(path) ?? /\/model\/([^/]+)\//.exec(path) ?? /\/deployments\/([^/]+)\//.exec(path);
  if (m && m[1] !== 'count-tokens') return decode(m[1]!);
  return typeof body.model === 'string' ? body.model : '';
}

function answer(path: string, model: string, body: Record<string, unknown>): Answer {
  if (path.endsWith('/embeddings')) {
    const input = body.input;
    const n = Array.isArray(input) && (typeof input[0] === 'string' || Array.isArray(input[0])) ? input.length : 1;
    const dims = typeof body.dimensions === 'number' ? body.dimensions : 3;
    const data = Array.from({ length: n }, (_, i) => {
      const v = fakeVector(model, i, dims);
      return { object: 'embedding', index: i, embedding: body.encoding_format === 'base64' ? base64Floats(v) : v };
    });
    return { status: 200, body: { object: 'list', data, model, usage: { prompt_tokens: 5 * n, total_tokens: 5 * n } } };
  }
  if (path.endsWith(':embedContent')) {
    const dims = typeof body.outputDimensionality === 'number' ? body.outputDimensionality : 3;
    return { status: 200, body: { embedding: { values: fakeVector(model, 0, dims) } } };
  }
  if (path.endsWith(':batchEmbedContents')) {
    const requests = body.requests as Array<{ outputDimensionality?: number }>;
    return { status: 200, body: { embeddings: requests.map((r, i) => ({ values: fakeVector(model, i, r.outputDimensionality ?? 3) })) } };
  }
  if (path.endsWith(':predict')) {
    const instances = body.instances as unknown[];
    const dims = (body.parameters as { outputDimensionality?: number } | undefined)?.outputDimensionality ?? 3;
    return {
      status: 200,
      body: { predictions: instances.map((_, i) => ({ embeddings: { values: fakeVector(model, i, dims), statistics: { token_count: 4, truncated: false } } })) },
    };
  }
  if (path.endsWith('/invoke')) {
    if (model.includes('cohere')) {
      const texts = body.texts as string[];
      return {
        status: 200,
        body: { id: 'c1', texts, embeddings: texts.map((_, i) => fakeVector(model, i)) },
        headers: { 'x-amzn-bedrock-input-token-count': String(3 * texts.length) },
      };
    }
    if (model.includes('nova')) {
      const dims = (body.singleEmbeddingParams as { embeddingDimension?: number }).embeddingDimension ?? 3;
      return { status: 200, body: { embeddings: [{ embeddingType: 'TEXT', embedding: fakeVector(model, 0, dims) }] }, headers: { 'x-amzn-bedrock-input-token-count': '6' } };
    }
    return { status: 200, body: { embedding: fakeVector(model, 0, typeof body.dimensions === 'number' ? body.dimensions : 3), inputTextTokenCount: 7 } };
  }
  if (path.endsWith('/messages/count_tokens') || path.endsWith('/count-tokens:rawPredict')) return { status: 200, body: { input_tokens: fakeTokenCount(body.messages) } };
  if (path.endsWith('/count-tokens')) {
    const inner = JSON.parse(Buffer.from((body.input as { invokeModel: { body: string } }).invokeModel.body, 'base64').toString('utf8')) as { messages: unknown };
    return { status: 200, body: { inputTokens: fakeTokenCount(inner.messages) } };
  }
  return { status: 404, body: { error: { message: `fake upstream: no route for ${path}`, type: 'not_found_error' } } };
}

/** A vendor-shaped error body for a scripted failure. */
function errorBody(path: string, status: number): unknown {
  if (path.includes('count_tokens') || path.includes('count-tokens:rawPredict'))
    return { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `fake ${status}` } };
  if (path.includes('/model/')) return { message: `fake ${status}` };
  if (/:(embedContent|batchEmbedContents|predict)$/.test(path))
    return { error: { code: status, message: `fake ${status}`, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } };
  return { error: { message: `fake ${status}`, type: status === 429 ? 'rate_limit_error' : 'server_error', code: null } };
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const calls: SimulatedCall[] = [];
  const failures = new Map<string, FakeFailure[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        // recorded as {}
      }
      const model = modelOf(url.pathname, body);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      calls.push({ api: 'openai', model, stream: false, headers, body, method: req.method ?? '', path: url.pathname, query: url.search.slice(1), rawBody });
      const failure = failures.get(model)?.shift();
      const out: Answer = failure
        ? { status: failure.status, body: failure.body ?? errorBody(url.pathname, failure.status), ...(failure.headers && { headers: failure.headers }) }
        : answer(url.pathname, model, body);
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    fail(model, ...list) {
      failures.set(model, [...(failures.get(model) ?? []), ...list]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
