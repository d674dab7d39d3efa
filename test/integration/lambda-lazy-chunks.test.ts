/**
 * The Lambda bundle loads what only some gateways use on first use (scripts/build.mjs): a cold start
 * parses dist/handler.mjs and the chunks it imports statically, within DESIGN.md's 1 MB; RE2, CEL, jose,
 * bcrypt and the Google / Azure / STS credential libraries sit in dist/handler-chunks/ and load when a
 * config needs them. Checked on the built files, and by running the bundle with a config that needs
 * RE2 (a RegularExpression route), jose (a JWT policy) and CEL (an authorization rule).
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HANDLER_FILE } from '../../functions/bundle.js';
import { coldStartFiles } from '../../scripts/cold-start-files.mjs';
import { parseManifests } from '../../functions/config/manifests.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { captureHandlerOutput, functionUrlEvent, installAwsLambdaGlobal, invoke, type StreamingHandler, useLambdaEnv } from '../support/lambda-runtime.js';

const DIST = new URL('../../dist/', import.meta.url);
const TABLE = 'modelgate-lazy-chunks';

describe('the Lambda bundle at cold start', () => {
  it('is within 1 MB, and holds none of the libraries only some gateways use', () => {
    const files = coldStartFiles(fileURLToPath(DIST));
    const bytes = [...files.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    expect(bytes).toBeLessThanOrEqual(1_000_000);
    const all = [...files.values()].join('\n');
    // One marker each: an error name or a constant only that library has.
    for (const [library, marker] of [
      ['re2js', 'RE2JSSyntaxException'],
      ['jose', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['google-auth-library', 'metadata.google.internal'],
      ['@azure/identity', 'x-client-SKU'],
      // cel-js loads when a config has a CEL expression.
      ['@marcbachmann/cel-js', 'Ternary condition must be bool'],
      // zod (the config validator) loads only for an item without a copy validated for this build.
      ['zod', '__zod_globalConfig'],
    ]) {
      expect(all, library).not.toContain(marker);
    }
  });
});

describe('the Lambda bundle loads its chunks when a config needs them; traffic policies through the function URL', () => {
  let db: Dynalite;
  let sim: Simulator;
  let jwks: http.Server;
  let jwksFetches = 0;
  let handler: StreamingHandler;
  let token: string;
  let expired: string;
  let wrongAudience: string;
  let bob: string;
  const output = captureHandlerOutput();

  beforeAll(async () => {
    db = await startDynalite([TABLE]);
    sim = await startSimulator({ faults: () => undefined });
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const sign = (audience: string, expires: string | number) =>
      new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.test').setAudience(audience).setExpirationTime(expires).sign(privateKey);
    token = await sign('modelgate', '1h');
    expired = await sign('modelgate', Math.floor(Date.now() / 1000) - 3600);
    wrongAudience = await sign('someone-else', '1h');
    bob = await new SignJWT({ sub: 'bob' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://idp.test')
      .setAudience('modelgate')
      .setExpirationTime('1h')
      .sign(privateKey);
    // The JWKS on a loopback endpoint, fetched by the handler (and cached).
    jwks = http.createServer((_req, res) => {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    const objects = [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'lazy' },
        spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
      },
      {
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayBackend',
        metadata: { name: 'llm', namespace: 'lazy' },
        spec: { ai: { provider: { host: '127.0.0.1', port: sim.port, openai: { model: 'gpt-x' } } }, policies: { auth: { key: 'sk-test-lazy-0123456789' } } },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'route', namespace: 'lazy' },
        spec: {
          parentRefs: [{ name: 'gw' }],
          rules: [
            {
              matches: [{ path: { type: 'RegularExpression', value: '/v[0-9]+/chat/.*' } }],
              backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'llm' }],
            },
          ],
        },
      },
      {
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayPolicy',
        metadata: { name: 'jwt', namespace: 'lazy' },
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
          traffic: {
            jwtAuthentication: { providers: [{ issuer: 'https://idp.test', audiences: ['modelgate'], jwks: { remote: { url: jwksUrl } } }] },
            authorization: { action: 'Require', policy: { matchExpressions: ['jwt.sub == "alice"'] } },
            cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['POST'], allowHeaders: ['authorization', 'content-type'] },
          },
        },
      },
    ];
    useLambdaEnv(TABLE, { dynamodb: db.endpoint, secretsManager: 'http://127.0.0.1:9' }, { MODELGATE_CONFIG_REFRESH_MS: '60000' });
    const client = db.client();
    for (const o of parseManifests([{ name: 'lazy.yaml', text: objects.map((o) => stringify(o)).join('---\n') }], {}).objects) {
      await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o as ManifestObject) }));
    }
    installAwsLambdaGlobal();
    handler = ((await import(`${pathToFileURL(fileURLToPath(new URL(HANDLER_FILE, DIST))).href}?instance=lazy`)) as { handler: StreamingHandler }).handler;
  });

  afterAll(async () => {
    output.restore();
    await sim?.close();
    await db?.close();
    await new Promise((r) => jwks?.close(r));
  });

  it('a RegularExpression route (RE2) and a JWT (jose): served; a bad token refused', async () => {
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    const ok = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', body, { headers: { authorization: `Bearer ${token}` } }));
    expect(ok.statusCode, `${ok.body}\n${output.logs.join('')}`).toBe(200);
    expect(JSON.parse(ok.body).model).toBe('gpt-x');
    const refused = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', body, { headers: { authorization: `Bearer ${token}x` } }));
    expect(refused.statusCode).toBe(401);
    const unrouted = await invoke(handler, functionUrlEvent('POST', '/chat/completions', body, { headers: { authorization: `Bearer ${token}` } }));
    expect(unrouted.statusCode).toBe(404);
  });

  it('JWT from a loopback JWKS: expired and wrong-audience tokens get a 401, a subject the rule refuses a 403, before any upstream call; the keys are fetched once', async () => {
    const before = sim.calls.length;
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    for (const bad of [expired, wrongAudience]) {
      const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', body, { headers: { authorization: `Bearer ${bad}` } }));
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('invalid_token');
    }
    // A valid token the authorization rule (Require jwt.sub == "alice") refuses: 403.
    const denied = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', body, { headers: { authorization: `Bearer ${bob}` } }));
    expect(denied.statusCode).toBe(403);
    expect(JSON.parse(denied.body).error.code).toBe('permission_denied');
    expect(sim.calls.length).toBe(before);
    expect(jwksFetches).toBe(1);
  });

  it('CORS: a preflight is answered by the gateway, and an answer carries the allowed origin', async () => {
    const before = sim.calls.length;
    const preflight = await invoke(
      handler,
      functionUrlEvent('OPTIONS', '/v1/chat/completions', undefined, { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } }),
    );
    expect(preflight.statusCode).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(preflight.headers['access-control-allow-methods']).toBe('POST');
    expect(sim.calls.length).toBe(before);
    const answer = await invoke(
      handler,
      functionUrlEvent(
        'POST',
        '/v1/chat/completions',
        { messages: [{ role: 'user', content: 'hi' }] },
        { headers: { origin: 'https://app.example.com', authorization: `Bearer ${token}` } },
      ),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});
