/**
 * `traffic.cors`, `traffic.headerModifiers` and `traffic.directResponse` end to end: manifests
 * through the real load path, served twice, by the engine behind the Node server in this process and
 * by a spawned `modelgate serve`, with the simulator on loopback as the provider (it records every
 * header it receives). Raw HTTP for preflights and direct responses, the official `openai` client
 * for real (streamed) answers. Then AgentgatewayModel-routed requests, which are served with the
 * Gateway's policies.
 */
import http from 'node:http';
import type { Server } from 'node:http';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { Engine } from '../../functions/engine/engine.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { compileConfig } from '../../functions/model/compile.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { manifestFile } from '../support/adversarial.js';
import { serve, stop, type Served } from '../support/cli.js';

const PROVIDER_KEY = 'sk-provider-key-for-traffic-http-0123456789';
const CLIENT_KEY = 'mg-client-key-traffic-http-0123456789';
const APP = 'https://app.example';
const PREVIEW = 'https://pr-12.preview.example';
const EVIL = 'https://evil.example';
const AGW = 'agentgateway.dev/v1alpha1';
const GW_API = 'gateway.networking.k8s.io';
const gatewayRef = [{ group: GW_API, kind: 'Gateway', name: 'g' }];
const routeRef = (name: string) => [{ group: GW_API, kind: 'HTTPRoute', name }];
const backendRef = [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'llm' }];
const meta = (name: string) => ({ name, namespace: 'web' });

/** The Gateway's CORS and header changes; client keys on the /v1 route; direct responses on /v1 (conditional) and /status (plain). */
function manifests(simPort: number, withModel = false): string {
  const docs: Record<string, unknown>[] = [
    { apiVersion: `${GW_API}/v1`, kind: 'Gateway', metadata: meta('g'), spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta('client-keys'), stringData: { web: CLIENT_KEY } },
    {
      apiVersion: AGW,
      kind: 'AgentgatewayBackend',
      metadata: meta('llm'),
      spec: { ai: { provider: { openai: { model: 'gpt-4o-mini' }, host: '127.0.0.1', port: simPort } }, policies: { auth: { key: PROVIDER_KEY } } },
    },
    {
      apiVersion: `${GW_API}/v1`,
      kind: 'HTTPRoute',
      metadata: meta('v1'),
      spec: { parentRefs: [{ name: 'g' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: backendRef }] },
    },
    {
      apiVersion: `${GW_API}/v1`,
      kind: 'HTTPRoute',
      metadata: meta('status'),
      spec: { parentRefs: [{ name: 'g' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/status' } }], backendRefs: backendRef }] },
    },
    {
      apiVersion: AGW,
      kind: 'AgentgatewayPolicy',
      metadata: meta('gateway-http'),
      spec: {
        targetRefs: gatewayRef,
        traffic: {
          cors: {
            allowOrigins: [APP, 'https://*.preview.example'],
            allowMethods: ['GET', 'POST'],
            allowHeaders: ['Content-Type', 'Authorization'],
            exposeHeaders: ['x-served-by', 'x-modelgate-attempts'],
            allowCredentials: true,
            maxAge: 600,
          },
          headerModifiers: {
            request: {
              set: [
                { name: 'x-team', value: 'web' },
                // The provider's credential wins: this never reaches the provider.
                { name: 'Authorization', value: 'Bearer stolen-by-config' },
              ],
              add: [{ name: 'x-trace', value: 'gateway' }],
            },
            response: { set: [{ name: 'x-served-by', value: 'modelgate' }], add: [{ name: 'cache-control', value: 'no-store' }], remove: ['X-Modelgate-Provider'] },
          },
        },
      },
    },
    {
      apiVersion: AGW,
      kind: 'AgentgatewayPolicy',
      metadata: meta('v1-keys-and-blocks'),
      spec: {
        targetRefs: routeRef('v1'),
        traffic: {
          apiKeyAuthentication: { secretRef: { name: 'client-keys' } },
          directResponse: {
            conditional: [
              { condition: 'request.headers["x-block"] == "yes"', policy: { status: 403, body: 'denied', headers: [{ name: 'x-direct', value: "'blocked'" }] } },
              { condition: "request.path == '/v1/old'", policy: { status: 410, bodyExpression: "{'error': 'gone', 'path': request.path}" } },
            ],
          },
        },
      },
    },
    {
      apiVersion: AGW,
      kind: 'AgentgatewayPolicy',
      metadata: meta('status-direct'),
      spec: {
        targetRefs: routeRef('status'),
        traffic: { directResponse: { status: 200, body: '{"status":"ok"}', headers: [{ name: 'content-type', value: "'application/json'" }] } },
      },
    },
  ];
  if (withModel) {
    docs.push({
      apiVersion: AGW,
      kind: 'AgentgatewayModel',
      metadata: meta('routed'),
      spec: { parentRefs: [{ name: 'g' }], match: { model: 'routed-model' }, provider: 'OpenAI', baseURL: `http://0.0.0.0:${simPort}`, policies: { auth: { key: PROVIDER_KEY } } },
    });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with node:http: every header as sent, every header as received. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const corsHeaders = (h: http.IncomingHttpHeaders) => Object.keys(h).filter((k) => k.startsWith('access-control-'));
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

let sim: Simulator;
let server: Server;
let served: Served | undefined;
const targets: Record<'engine' | 'serve', string> = { engine: '', serve: '' };

beforeAll(async () => {
  sim = await startSimulator();
  const text = manifests(sim.port);
  const engine = new Engine({ config: compileConfig(parseManifests([{ name: 'web.yaml', text }]).objects) });
  server = createGatewayServer((req) => engine.handle(req));
  targets.engine = `http://127.0.0.1:${(await listen(server, 0, '127.0.0.1')).port}`;
  served = await serve(['-f', manifestFile(text), '--port', '0']);
  targets.serve = served.url;
});

afterAll(async () => {
  await stop(served);
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await sim?.close();
});

describe.each(['engine', 'serve'] as const)('HTTP traffic policies through %s', (target) => {
  const base = () => targets[target];

  it('answers an allowed preflight itself: no client key needed, no upstream call', async () => {
    const before = sim.calls.length;
    for (const origin of [APP, PREVIEW]) {
      const res = await raw(base(), 'OPTIONS', '/v1/chat/completions', {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET,POST',
        'access-control-allow-headers': 'content-type,authorization',
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-served-by,x-modelgate-attempts',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
      // A preflight is answered before the request policies: no response header changes on it.
      expect(res.headers['x-served-by']).toBeUndefined();
    }
    expect(sim.calls.length).toBe(before);
  });

  it('answers a preflight from an origin not allowed with a 200 and no CORS header, so the browser refuses it', async () => {
    const before = sim.calls.length;
    for (const origin of [EVIL, 'https://preview.example', 'http://app.example', 'https://app.example:8443']) {
      const res = await raw(base(), 'OPTIONS', '/v1/chat/completions', { origin, 'access-control-request-method': 'POST' });
      expect(res.status, origin).toBe(200);
      expect(corsHeaders(res.headers), origin).toEqual([]);
    }
    expect(sim.calls.length).toBe(before);
  });

  it('streams an answer to the OpenAI client with the CORS and changed response headers; the provider sees the request changes, its key intact', async () => {
    const client = new OpenAI({ baseURL: `${base()}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: { origin: APP, 'x-trace': 'client' } });
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('gpt-4o-mini');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-expose-headers')).toBe('x-served-by,x-modelgate-attempts');
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('x-served-by')).toBe('modelgate');
    // `add` appends to the value the stream already had.
    expect(response.headers.get('cache-control')).toBe('no-cache,no-store');
    expect(response.headers.get('x-modelgate-provider')).toBeNull();
    expect(response.headers.get('x-modelgate-model')).toBe('gpt-4o-mini');
    const call = sim.calls.at(-1)!;
    expect(call.stream).toBe(true);
    expect(call.headers['x-team']).toBe('web');
    // The client's own x-trace is not forwarded (modelgate builds the call); the gateway's is added.
    expect(call.headers['x-trace']).toBe('gateway');
    expect(call.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(JSON.stringify(call.headers)).not.toContain('stolen-by-config');
    expect(JSON.stringify(call.headers)).not.toContain(CLIENT_KEY);
  });

  it('a buffered answer to an origin not allowed has no CORS header, and is not an error', async () => {
    const client = new OpenAI({ baseURL: `${base()}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: { origin: EVIL } });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toContain('gpt-4o-mini');
    expect([...response.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('x-served-by')).toBe('modelgate');
  });

  it('a 401 carries the CORS headers (so the page can read it) but not the response changes, as in agentgateway', async () => {
    const res = await raw(base(), 'POST', '/v1/chat/completions', { origin: APP, 'content-type': 'application/json' }, CHAT);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ error: { type: 'authentication_error' } });
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['x-served-by']).toBeUndefined();
  });

  it("a gateway error past the request policies gets the response changes too (400 in the client API's shape)", async () => {
    const before = sim.calls.length;
    const res = await raw(base(), 'POST', '/v1/chat/completions', { origin: APP, authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, '{"model": 1}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(res.headers['x-served-by']).toBe('modelgate');
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(sim.calls.length).toBe(before);
  });

  it('answers a direct response, plain and conditional, without calling the provider', async () => {
    const before = sim.calls.length;
    const auth = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', origin: APP };
    const plain = await raw(base(), 'GET', '/status', {});
    expect(plain).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    expect(plain.headers['content-type']).toBe('application/json');
    expect(plain.headers['x-served-by']).toBe('modelgate');

    const blocked = await raw(base(), 'POST', '/v1/chat/completions', { ...auth, 'x-block': 'yes' }, CHAT);
    expect(blocked).toMatchObject({ status: 403, text: 'denied' });
    expect(blocked.headers['x-direct']).toBe('blocked');
    expect(blocked.headers['access-control-allow-origin']).toBe(APP);

    const gone = await raw(base(), 'GET', '/v1/old', auth);
    expect(gone.status).toBe(410);
    expect(JSON.parse(gone.text)).toEqual({ error: 'gone', path: '/v1/old' });

    // The direct response comes after authentication, as in agentgateway.
    const unauthenticated = await raw(base(), 'POST', '/v1/chat/completions', { 'x-block': 'yes', 'content-type': 'application/json' }, CHAT);
    expect(unauthenticated.status).toBe(401);
    expect(sim.calls.length).toBe(before);

    // No condition holds: the request goes to the provider as usual.
    const served = await raw(base(), 'POST', '/v1/chat/completions', { ...auth, 'x-block': 'no' }, CHAT);
    expect(served.status).toBe(200);
    expect(sim.calls.length).toBe(before + 1);
  });
});

describe('HTTP traffic policies on AgentgatewayModel-routed requests (the Gateway policies)', () => {
  let modelServer: Server;
  let url: string;
  beforeAll(async () => {
    // Only the model serves chat completions: the /v1 and /status routes are left out.
    const text = manifests(sim.port, true)
      .split('---\n')
      .filter((d) => !/name: (v1|status)(-|\n)/.test(d) && !d.includes('kind: HTTPRoute'))
      .join('---\n');
    const config = compileConfig(parseManifests([{ name: 'model.yaml', text }]).objects);
    expect(config.rules).toEqual([]);
    const engine = new Engine({ config });
    modelServer = createGatewayServer((req) => engine.handle(req));
    url = `http://127.0.0.1:${(await listen(modelServer, 0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    modelServer?.closeAllConnections();
    await new Promise<void>((resolve) => (modelServer ? modelServer.close(() => resolve()) : resolve()));
  });

  it("answers a preflight (which names no model) with the models' Gateway CORS", async () => {
    const res = await raw(url, 'OPTIONS', '/v1/chat/completions', { origin: PREVIEW, 'access-control-request-method': 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(PREVIEW);
    const denied = await raw(url, 'OPTIONS', '/v1/chat/completions', { origin: EVIL, 'access-control-request-method': 'POST' });
    expect(denied.status).toBe(200);
    expect(corsHeaders(denied.headers)).toEqual([]);
  });

  it('serves a model-routed stream with CORS and the header changes both ways', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, defaultHeaders: { origin: APP } });
    const { data: stream, response } = await client.chat.completions.create({ model: 'routed-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('routed-model');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('x-served-by')).toBe('modelgate');
    const call = sim.calls.at(-1)!;
    expect(call.model).toBe('routed-model');
    expect(call.headers['x-team']).toBe('web');
    expect(call.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });
});
