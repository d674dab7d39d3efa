/**
 * `ai.transformations`, `ai.finalTransformations` and `ai.routes` end to end: official clients and
 * raw HTTP through the Node server and the engine to the simulator on 127.0.0.1, asserting what the
 * upstream received (fields computed from request headers and the body; the order transformations
 * -> defaults/overrides -> finalTransformations) and which API a custom path speaks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTokenCount, startFakeUpstream, type FakeUpstream } from '../support/fake-embeddings-upstream.js';
import { HELLO, HELLO_MESSAGES, startGateway, type Gateway, type GatewaySpec } from '../support/harness.js';

let gw: Gateway | undefined;
let up: FakeUpstream | undefined;
afterEach(async () => {
  await gw?.close();
  await up?.close();
  gw = undefined;
  up = undefined;
});
async function start(ai: Record<string, unknown>, kind: 'openai' | 'anthropic' = 'openai'): Promise<Gateway> {
  const config: GatewaySpec = { groups: [[{ name: 'a', kind }]], backendPolicy: { ai } };
  gw = await startGateway({ config });
  return gw;
}
const post = (g: Gateway, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${g.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });

describe('ai.transformations', () => {
  it('fields computed from request headers and the body reach the upstream (OpenAI SDK, chat)', async () => {
    const g = await start({
      transformations: [
        { field: 'max_tokens', expression: 'int(request.headers["x-max-tokens"])' },
        { field: 'user', expression: 'request.headers["x-user"] + "@" + llmRequest.model' },
        // Sees the body as the transformations before it left it.
        { field: 'metadata', expression: '{"tenant": request.headers["x-tenant"], "budget": llmRequest.max_tokens * 2}' },
      ],
    });
    const completion = await g.openai.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there' }] },
      { headers: { 'x-max-tokens': '77', 'x-user': 'alice', 'x-tenant': 't-1' } },
    );
    expect(completion.choices[0]!.message.content).toBeTruthy();
    const body = g.sim.calls[0]!.body;
    expect(body.max_tokens).toBe(77);
    expect(body.user).toBe('alice@gpt-4o');
    expect(body.metadata).toEqual({ tenant: 't-1', budget: 154 });
  });

  it('an expression that fails (its header missing) leaves the field as the client sent it', async () => {
    const g = await start({ transformations: [{ field: 'max_tokens', expression: 'int(request.headers["x-max-tokens"])' }] });
    await g.openai.chat.completions.create({ ...HELLO, model: 'gpt-4o', max_tokens: 12 } as never);
    expect(g.sim.calls[0]!.body.max_tokens).toBe(12);
  });

  it('an Anthropic Messages request: metadata.user_id from a header, through the Anthropic SDK', async () => {
    const g = await start({ transformations: [{ field: 'metadata', expression: '{"user_id": request.headers["x-user"]}' }] }, 'anthropic');
    await g.anthropic.messages.create(HELLO_MESSAGES, { headers: { 'x-user': 'bob' } });
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/v1/messages');
    expect(call.body.metadata).toEqual({ user_id: 'bob' });
  });
});

describe('the order: transformations, then defaults and overrides, then finalTransformations', () => {
  it('an override wins over a transformation; a final transformation wins over an override and sees it', async () => {
    const g = await start({
      transformations: [
        { field: 'temperature', expression: '0.9' },
        { field: 'top_p', expression: '0.5' },
      ],
      overrides: [
        { field: 'temperature', value: 0.2 },
        { field: 'max_tokens', value: 100 },
      ],
      defaults: [{ field: 'top_p', value: 0.1 }],
      finalTransformations: [{ field: 'max_tokens', expression: 'llmRequest.max_tokens + 1' }],
    });
    await g.openai.chat.completions.create({ ...HELLO, model: 'gpt-4o', max_tokens: 5 } as never);
    const body = g.sim.calls[0]!.body;
    expect(body.temperature).toBe(0.2); // override over transformation
    expect(body.top_p).toBe(0.5); // a default does not replace what a transformation set
    expect(body.max_tokens).toBe(101); // final transformation over override, computed from it
  });
});

describe('ai.routes', () => {
  const ROUTES = { routes: { '/custom/anthropic': 'Messages', '/custom/models': 'Models', '/custom/count': 'AnthropicTokenCount' } };

  it('a custom path speaks Messages: Anthropic body in, Anthropic answer out', async () => {
    const g = await start(ROUTES, 'anthropic');
    const res = await post(g, '/v1/custom/anthropic', HELLO_MESSAGES, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { type: string; content: unknown[] };
    expect(json.type).toBe('message');
    expect(g.sim.calls[0]!.path).toBe('/v1/messages');
    expect(g.sim.calls[0]!.body.messages).toEqual(HELLO_MESSAGES.messages);
  });

  it("bad input on that path is refused in Anthropic's error shape, before any upstream call", async () => {
    const g = await start(ROUTES, 'anthropic');
    const res = await post(g, '/v1/custom/anthropic', { model: 'm', messages: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(g.sim.calls).toHaveLength(0);
  });

  it('a path no route matches speaks Completions (even /v1/messages), as in agentgateway', async () => {
    const g = await start(ROUTES, 'anthropic');
    const chat = await g.openai.chat.completions.create({ ...HELLO, model: 'claude' } as never);
    expect((chat as { object: string }).object).toBe('chat.completion');
    const res = await post(g, '/v1/messages', HELLO); // a chat body: read as Completions
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('Models and AnthropicTokenCount routes: a model list, and a count from the count endpoint', async () => {
    up = await startFakeUpstream();
    gw = await startGateway({ config: { groups: [[{ name: 'a', kind: 'anthropic', port: up.port }]], backendPolicy: { ai: ROUTES } } });
    const models = await fetch(`${gw.url}/v1/custom/models`, { signal: AbortSignal.timeout(10_000) });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    const messages = HELLO_MESSAGES.messages;
    const count = await post(gw, '/v1/custom/count', { model: 'm', messages }, { 'anthropic-version': '2023-06-01' });
    expect(await count.json()).toEqual({ input_tokens: fakeTokenCount(messages) });
    expect(up.calls[0]!.path).toBe('/v1/messages/count_tokens');
  });

  it('`*` maps every path not matched otherwise', async () => {
    const g = await start({ routes: { '*': 'Messages' } }, 'anthropic');
    const res = await post(g, '/v1/anything', HELLO_MESSAGES, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { type: string }).type).toBe('message');
  });
});
