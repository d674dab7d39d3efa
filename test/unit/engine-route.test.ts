/**
 * Route matching and the engine's edge, without a socket: `findRule` over a compiled config, and
 * `Engine.handle` for the answers that never reach a provider.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../functions/engine/engine.js';
import { findRule } from '../../functions/engine/route.js';
import type { GatewayRequest } from '../../functions/engine/types.js';
import { compileYaml } from '../support/harness.js';

const backend = (name: string, model: string) => `
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: ${name}, namespace: ns }
spec:
  ai:
    provider:
      anthropic: { model: ${model} }
      host: 127.0.0.1
      port: 1
`;

const route = (name: string, rule: string, extra = '') => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: ns }
spec:
  ${extra}
  rules:
  - ${rule}
`;

const CONFIG = compileYaml(
  [
    backend('prefix', 'm-prefix'),
    backend('exact', 'm-exact'),
    backend('header', 'm-header'),
    backend('method', 'm-method'),
    backend('host', 'm-host'),
    route(
      'prefix',
      `matches: [{ path: { type: PathPrefix, value: /v1 } }]
    backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: prefix }]`,
    ),
    route(
      'exact',
      `matches: [{ path: { type: Exact, value: /v1/chat/completions } }]
    backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: exact }]`,
    ),
    route(
      'header',
      `matches: [{ path: { type: PathPrefix, value: /v1 }, headers: [{ name: X-Tenant, value: blue }] }]
    backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: header }]`,
    ),
    route(
      'method',
      `matches: [{ path: { type: PathPrefix, value: /v1 }, method: GET }]
    backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: method }]`,
    ),
    route(
      'host',
      `matches: [{ path: { type: PathPrefix, value: /v2 } }]
    backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: host }]`,
      'hostnames: ["*.example.com"]',
    ),
  ].join('---\n'),
);

const request = (method: string, path: string, headers: Record<string, string> = {}, body = ''): GatewayRequest => ({
  method,
  path,
  query: '',
  headers,
  body: Buffer.from(body),
  signal: new AbortController().signal,
  id: 't',
});
const routeOf = (req: GatewayRequest) => findRule(CONFIG, req)?.routeId;

describe('findRule', () => {
  it.each<[string, GatewayRequest, string | undefined]>([
    ['an exact path beats a prefix', request('POST', '/v1/chat/completions'), 'ns/exact'],
    ['a prefix matches whole path elements', request('POST', '/v1/models'), 'ns/prefix'],
    ['the prefix itself', request('POST', '/v1'), 'ns/prefix'],
    ['not a longer element', request('POST', '/v10/models'), undefined],
    ['a header match ranks above a plain prefix', request('POST', '/v1/models', { 'x-tenant': 'blue' }), 'ns/header'],
    ['a header value that differs does not match', request('POST', '/v1/models', { 'x-tenant': 'green' }), 'ns/prefix'],
    ['a method match ranks above a plain prefix', request('GET', '/v1/models'), 'ns/method'],
    ['a wildcard hostname matches a subdomain', request('POST', '/v2/models', { host: 'api.example.com:8080' }), 'ns/host'],
    ['a wildcard hostname does not match the bare domain', request('POST', '/v2/models', { host: 'example.com' }), undefined],
    ['no host header, no hostname match', request('POST', '/v2/models'), undefined],
  ])('%s', (_label, req, expected) => {
    expect(routeOf(req)).toBe(expected);
  });
});

describe('Engine.handle without an upstream', () => {
  const engine = new Engine({ config: CONFIG });
  const json = (body: unknown) => JSON.parse(body as string) as { error?: { code: string }; data?: Array<{ id: string }> };

  it('GET /v1/models lists the route’s pinned models', async () => {
    const res = await engine.handle(request('GET', '/v1/models'));
    expect(res.status).toBe(200);
    expect(json(res.body).data!.map((m) => m.id)).toEqual(['m-method']);
  });

  it('no route: 404', async () => {
    const res = await engine.handle(request('POST', '/nowhere'));
    expect(res.status).toBe(404);
    expect(json(res.body).error!.code).toBe('route_not_found');
  });

  it('a body over 6 MB: 413 (for adapters that do not check it themselves)', async () => {
    const res = await engine.handle(request('POST', '/v1/chat/completions', {}, 'x'.repeat(6 * 1024 * 1024 + 1)));
    expect(res.status).toBe(413);
    expect(json(res.body).error!.code).toBe('request_too_large');
  });
});
