/**
 * AgentgatewayModel end to end: manifests through the real load path, the engine behind the Node
 * server, the simulator on loopback as both providers. A client names a model; a virtual model
 * fails over by priority (the served-by headers name the target models), evicts, splits by weight,
 * or picks by CEL; GET /v1/models lists what `visibility` allows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { configDump } from '../../functions/engine/config-dump.js';
import type { Fault } from '../../functions/simulator/faults.js';
import { faultsByModel, servedBy, startGateway, type Gateway } from '../support/harness.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const AGW = 'agentgateway.dev/v1alpha1';
const parentRefs = [{ name: 'ai-gateway', sectionName: 'llm' }];
const model = (name: string, spec: Record<string, unknown>) => ({ apiVersion: AGW, kind: 'AgentgatewayModel', metadata: { name, namespace: 'gw' }, spec: { parentRefs, ...spec } });

/**
 * agentgateway's model fixtures (agentgateway_model_valid.yaml: openai-models, anthropic-models,
 * fast, resilient, smart), with a baseURL at the simulator. The CRD refuses loopback and
 * localhost baseURLs; `0.0.0.0` passes its rules and reaches the simulator on 127.0.0.1.
 */
/** Policies of the concrete models: `health` of openai-models, `authorization` and `promptGuard` of anthropic-models. */
interface ModelPolicies {
  health?: Record<string, unknown>;
  authorization?: Record<string, unknown>;
  promptGuard?: Record<string, unknown>;
}

function modelsYaml(simPort: number, options: ModelPolicies = {}, extra: readonly Record<string, unknown>[] = []): string {
  const { health, authorization, promptGuard } = options;
  const baseURL = `http://0.0.0.0:${simPort}`;
  const docs = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'ai-gateway', namespace: 'gw' },
      spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'llm', port: 8080, protocol: 'HTTP' }] },
    },
    model('openai-models', {
      match: { model: 'openai/*' },
      visibility: 'Internal',
      provider: 'OpenAI',
      baseURL,
      policies: {
        auth: { key: 'sk-test-openai-0123456789' },
        transformations: [{ field: 'model', expression: 'llmRequest.model.stripPrefix("openai/")' }],
        ...(health && { health }),
      },
    }),
    model('anthropic-models', {
      match: { model: 'anthropic/*' },
      visibility: 'Internal',
      provider: 'Anthropic',
      baseURL,
      policies: {
        auth: { key: 'sk-test-anthropic-0123456789' },
        transformations: [{ field: 'model', expression: 'llmRequest.model.stripPrefix("anthropic/")' }],
        ...(authorization && { authorization }),
        ...(promptGuard && { promptGuard }),
      },
    }),
    model('direct', { match: { model: 'gpt-direct' }, provider: 'OpenAI', baseURL, policies: { auth: { key: 'sk-test-direct-0123456789' } } }),
    model('fast', {
      virtualModel: {
        weighted: {
          targets: [
            { modelRef: { name: 'anthropic-models' }, model: 'anthropic/claude-haiku-4-5', weight: 60 },
            { modelRef: { name: 'openai-models' }, model: 'openai/gpt-5-mini', weight: 40 },
          ],
        },
      },
    }),
    model('resilient', {
      virtualModel: {
        failover: {
          targets: [
            { modelRef: { name: 'openai-models' }, model: 'openai/gpt-5-mini', priority: 0 },
            { modelRef: { name: 'anthropic-models' }, model: 'anthropic/claude-haiku-4-5', priority: 1 },
          ],
        },
      },
    }),
    model('smart', {
      virtualModel: {
        conditional: {
          targets: [
            // agentgateway's spelling of the body, `json(request.body)`, over a field both providers' APIs carry.
            { when: 'json(request.body).max_tokens >= 1000', modelRef: { name: 'anthropic-models' }, model: 'anthropic/claude-sonnet-4-5' },
            { when: 'request.headers["x-route"] == "fast"', modelRef: { name: 'openai-models' }, model: 'openai/gpt-5-mini' },
            { modelRef: { name: 'anthropic-models' }, model: 'anthropic/claude-haiku-4-5' },
          ],
        },
      },
    }),
    ...extra,
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

const status = (code: number): Fault => ({ kind: 'status', status: code });
const always = (fault: Fault) => Array.from({ length: 20 }, () => fault);

interface StartOptions extends ModelPolicies {
  random?: () => number;
  /** More objects: policies, routes, backends (the string `"PORT"` becomes the simulator's port, a number; `__PORT__` inside a string, its digits). */
  extra?: Record<string, unknown>[];
}

async function start(faults: Record<string, Fault | Fault[]> = {}, options: StartOptions = {}): Promise<Gateway> {
  const config = (port: number) =>
    modelsYaml(
      port,
      options,
      JSON.parse(
        JSON.stringify(options.extra ?? [])
          .replaceAll('"PORT"', String(port))
          .replaceAll('__PORT__', String(port)),
      ) as Record<string, unknown>[],
    );
  gw = await startGateway({ config, faults: faultsByModel(faults), ...(options.random && { random: options.random }) });
  return gw;
}

const chat = (g: Gateway, body: Record<string, unknown>) => g.chat({ messages: [{ role: 'user', content: 'hi' }], ...body });

describe('AgentgatewayModel: a virtual failover model', () => {
  it('a 429 from the priority-0 target fails over to the next priority, and the attempts name the target models', async () => {
    const g = await start({ 'gpt-5-mini': status(429) });
    const res = await chat(g, { model: 'resilient' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string };
    // The Anthropic target answered, with the model its transformation left (the prefix stripped).
    expect(body.model).toBe('claude-haiku-4-5');
    expect(servedBy(res.headers)).toEqual({ provider: 'anthropic/claude-haiku-4-5', model: 'claude-haiku-4-5', attempts: 'openai/gpt-5-mini:429,anthropic/claude-haiku-4-5:200' });
    // The simulator saw the models after each concrete model's transformations.
    expect(g.sim.calls.map((c) => c.model)).toEqual(['gpt-5-mini', 'claude-haiku-4-5']);
    expect(g.logger.entries.some((e) => e.event === 'request' && e.message.includes('attempts=openai/gpt-5-mini:429,anthropic/claude-haiku-4-5:200'))).toBe(true);
  });

  it('a streamed request fails over the same way, before the first byte', async () => {
    const g = await start({ 'gpt-5-mini': status(429) });
    const { data: stream, response } = await g.openai.chat.completions.create({ model: 'resilient', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(servedBy(response.headers).attempts).toBe('openai/gpt-5-mini:429,anthropic/claude-haiku-4-5:200');
  });

  it('a healthy priority-0 target serves alone', async () => {
    const g = await start();
    const res = await chat(g, { model: 'resilient' });
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('openai/gpt-5-mini:200');
  });

  it("a 503 evicts the target for its model's eviction duration: the next request goes to the next priority first, and back after", async () => {
    const g = await start({ 'gpt-5-mini': [status(503)] }, { health: { eviction: { duration: '30s' } } });
    const first = await chat(g, { model: 'resilient' });
    expect(servedBy(first.headers).attempts).toBe('openai/gpt-5-mini:503,anthropic/claude-haiku-4-5:200');
    const second = await chat(g, { model: 'resilient' });
    expect(servedBy(second.headers).attempts).toBe('anthropic/claude-haiku-4-5:200');
    g.clock.advance(31_000);
    const third = await chat(g, { model: 'resilient' });
    expect(servedBy(third.headers).attempts).toBe('openai/gpt-5-mini:200');
  });

  it('every target failing answers with the last error, naming all of them', async () => {
    const g = await start({ 'gpt-5-mini': always(status(503)), 'claude-haiku-4-5': always(status(503)) });
    const res = await chat(g, { model: 'resilient' });
    expect(res.status).toBe(503);
    expect(servedBy(res.headers).attempts).toBe('openai/gpt-5-mini:503,anthropic/claude-haiku-4-5:503');
  });
});

describe('AgentgatewayModel: weighted and conditional models', () => {
  it('a weighted model splits by weight (60 / 40)', async () => {
    let r = 0;
    const g = await start({}, { random: () => r });
    r = 0.59; // inside the first 60 of 100
    expect(servedBy((await chat(g, { model: 'fast' })).headers).attempts).toBe('anthropic/claude-haiku-4-5:200');
    r = 0.61;
    expect(servedBy((await chat(g, { model: 'fast' })).headers).attempts).toBe('openai/gpt-5-mini:200');
  });

  it('a conditional model serves through the first target whose CEL `when` holds, else the last', async () => {
    const g = await start();
    expect(servedBy((await chat(g, { model: 'smart', max_tokens: 4000 })).headers).attempts).toBe('anthropic/claude-sonnet-4-5:200');
    const fast = await g.chat({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'content-type': 'application/json', 'x-route': 'fast' } });
    expect(servedBy(fast.headers).attempts).toBe('openai/gpt-5-mini:200');
    expect(servedBy((await chat(g, { model: 'smart', max_tokens: 10 })).headers).attempts).toBe('anthropic/claude-haiku-4-5:200');
    expect(g.sim.calls.map((c) => c.model)).toEqual(['claude-sonnet-4-5', 'gpt-5-mini', 'claude-haiku-4-5']);
  });
});

describe('AgentgatewayModel: matching and visibility', () => {
  it('a Public concrete model is matched by its exact name', async () => {
    const g = await start();
    const res = await chat(g, { model: 'gpt-direct' });
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('direct:200');
    expect(g.sim.calls.map((c) => c.model)).toEqual(['gpt-direct']);
  });

  it('an Internal model is not matched by a client, and a name no model matches finds no route: 404 before any upstream call', async () => {
    const g = await start();
    for (const name of ['openai/gpt-5-mini', 'unknown']) {
      const res = await chat(g, { model: name });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
    }
    expect(g.sim.calls).toEqual([]);
  });

  it('a body the client API refuses is a 400 in its shape, before any upstream call', async () => {
    const g = await start();
    const res = await g.chat('{"model": "resilient", "messages": ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const noMessages = await g.messages({ model: 'resilient', max_tokens: 10 });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { type: string }).type).toBe('error');
    expect(g.sim.calls).toEqual([]);
  });

  it('GET /v1/models lists the Public models by name, never the Internal ones', async () => {
    const g = await start();
    const list = await g.openai.models.list();
    expect(list.data.map((m) => m.id).sort()).toEqual(['fast', 'gpt-direct', 'resilient', 'smart']);
    expect(list.data.find((m) => m.id === 'gpt-direct')?.owned_by).toBe('openai');
  });

  it('the config dump shows the models, their routes and backends, and no provider key', async () => {
    const g = await start();
    const dump = configDump(g.engine.config);
    expect(dump.models?.map((m) => (m as { id: string; kind: string }).kind)).toEqual(['concrete', 'concrete', 'concrete', 'weighted', 'failover', 'conditional']);
    expect(JSON.stringify(dump.models)).toContain('"when":"request.headers[\\"x-route\\"] == \\"fast\\""');
    expect(dump.backends.map((b) => (b as { id: string }).id)).toContain('gw/resilient');
    expect(JSON.stringify(dump)).not.toContain('sk-test-openai-0123456789');
  });
});

const gatewayPolicy = (traffic: Record<string, unknown>) => ({
  apiVersion: AGW,
  kind: 'AgentgatewayPolicy',
  metadata: { name: 'gateway-traffic', namespace: 'gw' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ai-gateway' }], traffic },
});

describe("AgentgatewayModel: with the Gateway's traffic policies and HTTPRoutes", () => {
  it("a Gateway's retry codes apply to models: a 404 from the first target fails over", async () => {
    const g = await start({ 'gpt-5-mini': status(404) }, { extra: [gatewayPolicy({ retry: { codes: [404, 429, 503] } })] });
    const res = await chat(g, { model: 'resilient' });
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('openai/gpt-5-mini:404,anthropic/claude-haiku-4-5:200');
  });

  it("a Gateway's client keys guard the models and their list: 401 before any upstream call", async () => {
    const keys = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client-keys', namespace: 'gw' }, stringData: { team: 'mg-team-key-0123456789' } };
    const g = await start({}, { extra: [keys, gatewayPolicy({ apiKeyAuthentication: { mode: 'Strict', secretRef: { name: 'client-keys' } } })] });
    expect((await chat(g, { model: 'resilient' })).status).toBe(401);
    expect((await fetch(`${g.url}/v1/models`)).status).toBe(401);
    expect(g.sim.calls).toEqual([]);
    const ok = await g.chat(
      { model: 'resilient', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'content-type': 'application/json', authorization: 'Bearer mg-team-key-0123456789' } },
    );
    expect(ok.status).toBe(200);
  });

  it('on a listener with an HTTPRoute too, a model the body names is served by the model; any other model by the route', async () => {
    const backend = {
      apiVersion: AGW,
      kind: 'AgentgatewayBackend',
      metadata: { name: 'route-backend', namespace: 'gw' },
      spec: { ai: { provider: { openai: {}, host: '127.0.0.1', port: 'PORT' } }, policies: { auth: { key: 'sk-test-route-0123456789' } } },
    };
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'v1', namespace: 'gw' },
      spec: {
        parentRefs: [{ name: 'ai-gateway' }],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'route-backend' }] }],
      },
    };
    const g = await start({}, { extra: [backend, route] });
    expect(servedBy((await chat(g, { model: 'resilient' })).headers).attempts).toBe('openai/gpt-5-mini:200');
    expect(servedBy((await chat(g, { model: 'some-other-model' })).headers).attempts).toBe('route-backend:200');
    // The Anthropic client API: the model is read from the Messages body the same way.
    const msg = await g.anthropic.messages.create({ model: 'resilient', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(servedBy(msg.response.headers).attempts).toBe('openai/gpt-5-mini:200');
  });
});

describe('AgentgatewayModel: policies.authorization of a concrete model', () => {
  const teamA = { policy: { matchExpressions: ['request.headers["x-team"] == "a"'] } };
  const withTeam = (g: Gateway, team: string | undefined, body: Record<string, unknown>) =>
    g.chat({ messages: [{ role: 'user', content: 'hi' }], ...body }, { headers: { 'content-type': 'application/json', ...(team && { 'x-team': team }) } });

  it('a virtual model fails over only to the targets the request may use', async () => {
    const g = await start({ 'gpt-5-mini': always(status(429)) }, { authorization: teamA });
    const other = await withTeam(g, 'b', { model: 'resilient' });
    expect(other.status).toBe(429);
    expect(servedBy(other.headers).attempts).toBe('openai/gpt-5-mini:429');
    const a = await withTeam(g, 'a', { model: 'resilient' });
    expect(a.status).toBe(200);
    expect(servedBy(a.headers).attempts).toBe('openai/gpt-5-mini:429,anthropic/claude-haiku-4-5:200');
  });

  it("no target the request may use: 403 in the client API's shape, before any upstream call", async () => {
    const g = await start({}, { authorization: teamA });
    const res = await withTeam(g, undefined, { model: 'smart', max_tokens: 10 });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    expect(g.sim.calls).toEqual([]);
  });

  it("Allow admits a request any of its expressions matches, Require one all of them match (agentgateway's reading)", async () => {
    const either = ['request.headers["x-team"] == "a"', 'request.headers["x-team"] == "b"'];
    const allow = await start({}, { authorization: { action: 'Allow', policy: { matchExpressions: either } } });
    expect((await withTeam(allow, 'b', { model: 'smart', max_tokens: 10 })).status).toBe(200);
    expect((await withTeam(allow, 'c', { model: 'smart', max_tokens: 10 })).status).toBe(403);
    await allow.close();
    gw = undefined;
    const both = ['request.headers["x-team"] == "a"', 'request.headers["x-tier"] == "gold"'];
    const requireAll = await start({}, { authorization: { action: 'Require', policy: { matchExpressions: both } } });
    const as = (headers: Record<string, string>) =>
      requireAll.chat({ model: 'smart', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'content-type': 'application/json', ...headers } });
    expect((await as({ 'x-team': 'a' })).status).toBe(403);
    expect((await as({ 'x-team': 'a', 'x-tier': 'gold' })).status).toBe(200);
  });

  it('Deny refuses the requests its expressions match', async () => {
    const g = await start({}, { authorization: { action: 'Deny', policy: { matchExpressions: ['request.headers["x-team"] == "blocked"'] } } });
    expect((await withTeam(g, 'blocked', { model: 'smart', max_tokens: 10 })).status).toBe(403);
    expect((await withTeam(g, 'a', { model: 'smart', max_tokens: 10 })).status).toBe(200);
  });
});

describe('AgentgatewayModel: policies.promptGuard of a concrete model', () => {
  it("guards the target model's requests, also through a virtual model: a rejection is not a failure (no failover)", async () => {
    const promptGuard = { request: [{ regex: { action: 'Reject', matches: ['blocked'] }, response: { message: 'blocked words may not be sent', statusCode: 422 } }] };
    const g = await start({}, { promptGuard });
    const res = await g.chat({ model: 'smart', max_tokens: 10, messages: [{ role: 'user', content: 'this is blocked' }] });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('blocked words may not be sent');
    expect(servedBy(res.headers).attempts).toBe('anthropic/claude-haiku-4-5:guard');
    expect(g.sim.calls).toEqual([]);
    expect((await g.chat({ model: 'smart', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] })).status).toBe(200);
  });
});

describe('AgentgatewayModel: policies.headers', () => {
  const headed = (port: string) =>
    model('headed', {
      match: { model: 'gpt-headed' },
      provider: 'OpenAI',
      baseURL: `http://0.0.0.0:${port}`,
      policies: {
        auth: { key: 'sk-test-headed-0123456789' },
        headers: {
          // The fixture's (openai-default) request header; a try at the credential, which the provider's key wins.
          request: { add: [{ name: 'x-model-request-policy', value: 'enabled' }], set: [{ name: 'authorization', value: 'Bearer stolen' }] },
          response: { add: [{ name: 'x-model-response-policy', value: 'enabled' }], remove: ['x-modelgate-model'] },
        },
      },
    });
  const failover = model('headed-failover', {
    virtualModel: {
      failover: {
        targets: [
          { modelRef: { name: 'openai-models' }, model: 'openai/gpt-5-mini', priority: 0 },
          { modelRef: { name: 'headed' }, model: 'gpt-headed', priority: 1 },
        ],
      },
    },
  });

  it('the provider receives the request headers (its key intact) and the client the response headers', async () => {
    const g = await start({}, { extra: [headed('__PORT__')] });
    const res = await chat(g, { model: 'gpt-headed' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-response-policy')).toBe('enabled');
    expect(res.headers.get('x-modelgate-model')).toBeNull();
    const call = g.sim.calls.at(-1)!;
    expect(call.headers['x-model-request-policy']).toBe('enabled');
    expect(call.headers.authorization).toBe('Bearer sk-test-headed-0123456789');
  });

  it('through a virtual model, only the target that carries them changes its call and answer', async () => {
    const g = await start({ 'gpt-5-mini': status(429) }, { extra: [headed('__PORT__'), failover] });
    const res = await chat(g, { model: 'headed-failover' });
    expect(servedBy(res.headers).attempts).toBe('openai/gpt-5-mini:429,gpt-headed:200');
    expect(res.headers.get('x-model-response-policy')).toBe('enabled');
    expect(g.sim.calls.map((c) => c.headers['x-model-request-policy'] ?? null)).toEqual([null, 'enabled']);
    // Served by the first target, the answer is not changed.
    await g.close();
    gw = undefined;
    const healthy = await start({}, { extra: [headed('__PORT__'), failover] });
    const plain = await chat(healthy, { model: 'headed-failover' });
    expect(servedBy(plain.headers).attempts).toBe('openai/gpt-5-mini:200');
    expect(plain.headers.get('x-model-response-policy')).toBeNull();
  });
});
