/**
 * Client API keys (`traffic.apiKeyAuthentication`, agentgateway's shape): a request without a
 * valid key gets a 401 in its API's error shape and never reaches an upstream; keys are kept only
 * as SHA-256 digests; nothing logs them. Through the Node server with the official SDKs, and
 * through the Lambda handler with the keys in Secrets Manager.
 */
import Anthropic from '@anthropic-ai/sdk';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { Engine } from '../../functions/engine/engine.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { compileConfig } from '../../functions/model/compile.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem, SECRET_ARN_ANNOTATION } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { functionUrlEvent, installAwsLambdaGlobal, invoke, type StreamingHandler } from '../support/lambda-runtime.js';

const TEAM_KEY = 'mg-team-key-0123456789abcdefghij';
const HASHED_KEY = 'mg-hashed-key-zyxwvutsrqponmlkji';
const PROVIDER_KEY = 'sk-ant-api03-provider-key-for-client-auth-test';

function manifests(simPort: number, mode = 'Strict', secretAnnotation?: string): string {
  const digest = createHash('sha256').update(HASHED_KEY).digest('hex');
  return `apiVersion: v1
kind: Secret
metadata: { name: client-keys, namespace: auth${secretAnnotation ? `, annotations: { "${SECRET_ARN_ANNOTATION}": "${secretAnnotation}" }` : ''} }
${
  secretAnnotation
    ? ''
    : `stringData:
  team: ${TEAM_KEY}
  ci: '{"keyHash": "sha256:${digest}", "metadata": {"group": "ci"}}'`
}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: llm, namespace: auth }
spec:
  ai:
    provider: { anthropic: { model: claude-sonnet-4-6 }, host: 127.0.0.1, port: ${simPort} }
  policies: { auth: { key: ${PROVIDER_KEY} } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: v1, namespace: auth }
spec:
  rules: [{ matches: [{ path: { type: PathPrefix, value: /v1 } }], backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }] }]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: client-keys, namespace: auth }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: v1 }]
  traffic:
    apiKeyAuthentication:
      mode: ${mode}
      secretRef: { name: client-keys }`;
}

const CHAT = { model: 'x', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('client API keys through the Node server', () => {
  let sim: Simulator;
  let server: Server;
  let url: string;
  const logger = new MemoryLogger();

  beforeAll(async () => {
    sim = await startSimulator();
    const config = compileConfig(parseManifests([{ name: 'auth.yaml', text: manifests(sim.port) }]).objects);
    const engine = new Engine({ config, logger });
    server = createGatewayServer((req) => engine.handle(req));
    url = `http://127.0.0.1:${(await listen(server, 0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sim?.close();
  });

  it('keeps only digests of the keys in the compiled config', () => {
    const config = compileConfig(parseManifests([{ name: 'auth.yaml', text: manifests(sim.port) }]).objects);
    const auth = config.rules[0]!.clientAuth!;
    expect(auth.keyDigests).toHaveLength(2);
    expect(JSON.stringify(config.rules)).not.toContain(TEAM_KEY);
  });

  it('answers an OpenAI client with a valid key (Authorization: Bearer), raw or hashed entry', async () => {
    for (const apiKey of [TEAM_KEY, HASHED_KEY]) {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
      const completion = await client.chat.completions.create(CHAT);
      expect(completion.choices[0]!.message.content).toContain('claude-sonnet-4-6');
    }
    // The client's key goes nowhere: the provider got the provider key, and no client header.
    const call = sim.calls.at(-1)!;
    expect(call.headers['x-api-key']).toBe(PROVIDER_KEY);
    expect(call.headers.authorization).toBeUndefined();
  });

  it('answers an Anthropic client with a valid key (x-api-key)', async () => {
    const client = new Anthropic({ baseURL: url, apiKey: TEAM_KEY, maxRetries: 0 });
    const message = await client.messages.create({ model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.type).toBe('message');
  });

  it("refuses a missing or wrong key with a 401 in each API's shape, and calls no upstream", async () => {
    const before = sim.calls.length;
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'not-a-key', maxRetries: 0 });
    await expect(openai.chat.completions.create(CHAT)).rejects.toMatchObject({ status: 401, error: { type: 'authentication_error', code: 'invalid_api_key' } });
    const anthropic = new Anthropic({ baseURL: url, apiKey: 'not-a-key', maxRetries: 0 });
    await expect(anthropic.messages.create({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
      error: { type: 'error', error: { type: 'authentication_error' } },
    });
    const none = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CHAT) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await none.json()) as unknown).toMatchObject({ error: { type: 'authentication_error', message: expect.stringContaining('needs an API key') } });
    // Streaming and /v1/models are behind the same door.
    const stream = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: JSON.stringify({ ...CHAT, stream: true }),
    });
    expect(stream.status).toBe(401);
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    expect(sim.calls.length).toBe(before);
    expect(JSON.stringify(logger.entries)).not.toContain(TEAM_KEY);
    expect(JSON.stringify(logger.entries)).not.toContain('not-a-key');
  });

  it('Optional lets a request without a key through but not a wrong key; Permissive lets both through', async () => {
    for (const mode of ['Optional', 'Permissive'] as const) {
      const config = compileConfig(parseManifests([{ name: 'auth.yaml', text: manifests(sim.port, mode) }]).objects);
      expect(config.rules[0]!.clientAuth!.mode).toBe(mode);
      const engine = new Engine({ config });
      const ask = (headers: Record<string, string>) =>
        engine.handle({
          method: 'POST',
          path: '/v1/chat/completions',
          query: '',
          headers: { 'content-type': 'application/json', ...headers },
          body: Buffer.from(JSON.stringify(CHAT)),
          signal: new AbortController().signal,
          id: mode,
        });
      expect((await ask({})).status).toBe(200);
      expect((await ask({ authorization: 'Bearer wrong' })).status).toBe(mode === 'Optional' ? 401 : 200);
    }
  });

  it('refuses a config whose key Secret is missing, naming the policy and field', () => {
    const text = manifests(sim.port).replace('secretRef: { name: client-keys }', 'secretRef: { name: nowhere }');
    expect(() => compileConfig(parseManifests([{ name: 'auth.yaml', text }]).objects)).toThrow(
      /AgentgatewayPolicy auth\/client-keys: spec\.traffic\.apiKeyAuthentication\.secretRef: Secret auth\/nowhere not found/,
    );
  });
});

describe('client API keys through the Lambda handler, keys in Secrets Manager', () => {
  const TABLE = 'modelgate-auth';
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:client-keys-AbCdEf';
  let db: Dynalite;
  let sm: FakeSecretsManager;
  let sim: Simulator;
  let handler: StreamingHandler;

  beforeAll(async () => {
    sim = await startSimulator();
    db = await startDynalite([TABLE]);
    sm = await startFakeSecretsManager({ [ARN]: JSON.stringify({ team: TEAM_KEY }) });
    Object.assign(process.env, {
      MODELGATE_TABLE: TABLE,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    });
    const client = db.client();
    for (const o of parseManifests([{ name: 'auth.yaml', text: manifests(sim.port, 'Strict', ARN) }]).objects) {
      await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o) }));
    }
    installAwsLambdaGlobal();
    const href = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
    handler = ((await import(`${href}?auth`)) as { handler: StreamingHandler }).handler;
  });
  afterAll(async () => {
    await sim?.close();
    await sm?.close();
    await db?.close();
  });

  it('401 without the key, 200 with it, and the upstream only sees authenticated requests', async () => {
    const before = sim.calls.length;
    const refused = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT));
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body).error.type).toBe('authentication_error');
    const messages = await invoke(
      handler,
      functionUrlEvent('POST', '/v1/messages', { model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-api-key': 'wrong' } }),
    );
    expect(messages.statusCode).toBe(401);
    expect(JSON.parse(messages.body)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(sim.calls.length).toBe(before);
    const ok = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', CHAT, { headers: { authorization: `Bearer ${TEAM_KEY}` } }));
    expect(ok.statusCode).toBe(200);
    expect(sim.calls.length).toBe(before + 1);
  });
});
