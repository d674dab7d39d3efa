/**
 * JWT authentication and authorization through the real entry point: `modelgate serve` spawned as
 * a process, a Gateway-level AgentgatewayPolicy whose JWKS is fetched from a loopback URL, covering
 * both an HTTPRoute and an AgentgatewayModel (a request naming the model is routed before any
 * HTTPRoute, and must meet the same door). Clients: the official `openai` and `@anthropic-ai/sdk`
 * packages, and raw HTTP. The provider is the simulator on loopback.
 */
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/temp.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { serve, stop, type Served } from '../support/cli.js';

const ISSUER = 'https://idp.test';

describe('traffic auth through `modelgate serve`', () => {
  let sim: Simulator;
  let served: Served;
  let jwksServer: http.Server;
  let jwksFetches = 0;
  let sign: (claims: Record<string, unknown>, exp?: number) => Promise<string>;
  const tokens: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator();
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'serve-1' };
    jwksServer = http.createServer((_req, res) => {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    sign = async (claims, exp = Math.floor(Date.now() / 1000) + 600) => {
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'serve-1' }).setIssuer(ISSUER).setAudience('llm').setExpirationTime(exp).sign(privateKey);
      tokens.push(token);
      return token;
    };
    const ns = 'gw';
    const docs = [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'ai', namespace: ns },
        spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'llm', port: 8080, protocol: 'HTTP' }] },
      },
      {
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayBackend',
        metadata: { name: 'claude', namespace: ns },
        spec: { ai: { provider: { anthropic: { model: 'claude-route' }, host: '127.0.0.1', port: sim.port } }, policies: { auth: { key: 'sk-ant-provider-key-0123' } } },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'v1', namespace: ns },
        spec: {
          parentRefs: [{ name: 'ai' }],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'claude' }] }],
        },
      },
      {
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayModel',
        metadata: { name: 'premium', namespace: ns },
        spec: {
          parentRefs: [{ name: 'ai' }],
          provider: 'Anthropic',
          baseURL: `http://0.0.0.0:${sim.port}`,
          match: { model: 'premium' },
          policies: { auth: { key: 'sk-ant-model-key-0123' } },
        },
      },
      {
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayPolicy',
        metadata: { name: 'who-may-call', namespace: ns },
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ai' }],
          traffic: {
            jwtAuthentication: { mode: 'Strict', providers: [{ issuer: ISSUER, audiences: ['llm'], jwks: { remote: { url: jwksUrl } } }] },
            // Everyone signed in may use the route's model; only the gold tier may ask for `premium`.
            authorization: { action: 'Require', policy: { matchExpressions: ['llmRequest.model != "premium" || jwt.tier == "gold"'] } },
          },
        },
      },
    ];
    const dir = tempDir('modelgate-e2e-auth-');
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    served = await serve(['-f', file, '--port', '0']);
  });
  afterAll(async () => {
    await stop(served);
    await new Promise<void>((resolve) => jwksServer?.close(() => resolve()));
    await sim?.close();
  });

  it('a valid token is served through the HTTPRoute and through the model, by both SDKs; the token never reaches the provider', async () => {
    const gold = await sign({ sub: 'ann', tier: 'gold' });
    const openai = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: gold, maxRetries: 0 });
    const viaRoute = await openai.chat.completions.create({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] });
    expect(viaRoute.choices[0]!.message.content).toContain('claude-route');
    const anthropic = new Anthropic({ baseURL: served.url, authToken: gold, apiKey: null, maxRetries: 0 });
    const viaModel = await anthropic.messages.create({ model: 'premium', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(viaModel.type).toBe('message');
    expect(sim.calls.map((c) => c.headers['x-api-key'])).toEqual(['sk-ant-provider-key-0123', 'sk-ant-model-key-0123']);
    for (const call of sim.calls) expect(JSON.stringify(call.headers)).not.toContain(gold);
    expect(jwksFetches).toBe(1);
  });

  it('expired and wrong-audience tokens, and none, get a 401 on the route and on the model; a claim short of the rule gets a 403; no upstream call', async () => {
    const before = sim.calls.length;
    const expired = await sign({ sub: 'ann', tier: 'gold' }, Math.floor(Date.now() / 1000) - 300);
    const openai = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: expired, maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'premium', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
      error: { code: 'invalid_token', message: expect.stringContaining('expired') },
    });
    const otherAudience = await new SignJWT({ sub: 'ann' })
      .setProtectedHeader({ alg: 'RS256', kid: 'serve-1' })
      .setIssuer(ISSUER)
      .setAudience('other')
      .setExpirationTime('5m')
      .sign((await generateKeyPair('RS256')).privateKey);
    tokens.push(otherAudience);
    const raw = await fetch(`${served.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${otherAudience}` },
      body: JSON.stringify({ model: 'premium', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const anonymous = await fetch(`${served.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"premium","messages":[]}',
    });
    expect(anonymous.status).toBe(401);
    const silver = await sign({ sub: 'bob', tier: 'silver' });
    const anthropic = new Anthropic({ baseURL: served.url, authToken: silver, apiKey: null, maxRetries: 0 });
    await expect(anthropic.messages.create({ model: 'premium', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      Anthropic.PermissionDeniedError,
    );
    expect(sim.calls.length).toBe(before);
    // bob may use the route's model.
    expect(
      (await new OpenAI({ baseURL: `${served.url}/v1`, apiKey: silver, maxRetries: 0 }).chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] })).id,
    ).toBeTruthy();
  });

  it('logs each refusal by its reason, and no token', async () => {
    for (let i = 0; i < 100 && !served.logs.some((l) => l.includes('authorization denied')); i++) await new Promise((r) => setTimeout(r, 50));
    const text = served.logs.join('\n');
    expect(text).toMatch(/jwt expired/);
    expect(text).toMatch(/authorization denied \(jwt bob\)/);
    for (const token of tokens) expect(text).not.toContain(token);
  });
});
