/**
 * The parts of who-may-call that a request cannot show from outside: agentgateway's authorization
 * algorithm over merged rule sets, credential `location.expression`, the bcrypt verdict cache, the
 * client identity recorded for per-client limits, a JWKS that cannot be fetched, and load-time
 * refusals (schema rules, bad expressions, htpasswd lines).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryLogger } from '../../functions/core/log.js';
import { chatApi as openAIApi } from '../../functions/engine/client-api.js';
import { clientIdentityOf } from '../../functions/engine/client-identity.js';
import { checkTrafficAuth } from '../../functions/engine/traffic-auth.js';
import { authorizes } from '../../functions/engine/traffic-authorization.js';
import { compileAuthorizationExpression, type AuthorizationInput } from '../../functions/model/compile-traffic-auth.js';
import { compileCredentialExpression } from '../../functions/model/credential-location.js';
import { parseHtpasswd } from '../../functions/model/htpasswd.js';
import type { AuthorizationRuleSet, TrafficAuth } from '../../functions/model/traffic-auth-config.js';
import { validateObject } from '../../functions/model/validate.js';
import type { GatewayRequest } from '../../functions/engine/types.js';

const bcryptCalls = vi.hoisted(() => ({ n: 0 }));
vi.mock('bcryptjs', async (original) => {
  const real = await original<typeof import('bcryptjs')>();
  return {
    ...real,
    compare: (password: string, hash: string) => {
      bcryptCalls.n++;
      return real.compare(password, hash);
    },
  };
});

const { hashSync } = await import('bcryptjs');

function request(headers: Record<string, string> = {}, body: unknown = { model: 'claude-x' }): GatewayRequest {
  return { method: 'POST', path: '/v1/chat/completions', query: '', headers, body: Buffer.from(JSON.stringify(body)), signal: new AbortController().signal, id: 'r1' };
}

const input = (jwt: Record<string, unknown>, model = 'claude-x'): AuthorizationInput => ({
  request: { method: 'POST', path: '/v1/chat/completions', host: '', headers: {} },
  jwt,
  basicAuth: {},
  llmRequest: { model },
});
const set = (action: AuthorizationRuleSet['action'], ...sources: string[]): AuthorizationRuleSet => ({ action, expressions: sources.map(compileAuthorizationExpression) });

describe('authorization as agentgateway evaluates merged rule sets', () => {
  it('Allow expressions are alternatives; with any Allow, a request matching none is denied', () => {
    const sets = [set('Allow', 'jwt.sub == "alice"', 'jwt.team == "ml"')];
    expect(authorizes(sets, input({ sub: 'alice' }))).toBe(true);
    expect(authorizes(sets, input({ sub: 'bob', team: 'ml' }))).toBe(true);
    expect(authorizes(sets, input({ sub: 'bob' }))).toBe(false);
    expect(authorizes(sets, input({}))).toBe(false);
  });

  it('Require expressions must all hold; Deny wins over Allow; only Deny rules allow the rest; no rules allow all', () => {
    expect(authorizes([set('Require', 'has(jwt.sub)', 'llmRequest.model.startsWith("claude-")')], input({ sub: 'x' }))).toBe(true);
    expect(authorizes([set('Require', 'has(jwt.sub)', 'llmRequest.model.startsWith("claude-")')], input({ sub: 'x' }, 'gpt'))).toBe(false);
    expect(authorizes([set('Allow', 'true'), set('Deny', 'llmRequest.model == "gpt"')], input({}, 'gpt'))).toBe(false);
    expect(authorizes([set('Deny', 'llmRequest.model == "gpt"')], input({}, 'claude'))).toBe(true);
    // A Deny expression that fails to evaluate fails to deny (agentgateway's warning).
    expect(authorizes([set('Deny', 'jwt.missing == "x"')], input({}))).toBe(true);
    expect(authorizes([], input({}))).toBe(true);
  });

  it('refuses at load what could never work: unknown names, non-bool results, unbounded cost', () => {
    expect(() => compileAuthorizationExpression('source.address == "1.2.3.4"')).toThrow(/source/);
    expect(() => compileAuthorizationExpression('"yes"')).toThrow(/bool/);
    expect(() => compileAuthorizationExpression('llmRequest.messages.all(m, llmRequest.messages.all(n, m == n))')).toThrow(/too costly/);
  });
});

describe('credential location.expression', () => {
  it('reads the credential a CEL expression over request yields; a non-string or failing one is no credential', () => {
    const e = compileCredentialExpression('request.headers["x-token"].split(" ")[1]');
    const long = `x.${'a'.repeat(3000)}.y`;
    expect(e.extract({ method: 'GET', path: '/', host: '', headers: { 'x-token': `Token ${long}` } })).toBe(long);
    expect(e.extract({ method: 'GET', path: '/', host: '', headers: {} })).toBeUndefined();
    expect(() => compileCredentialExpression('jwt.sub')).toThrow(/jwt/);
    expect(() => compileCredentialExpression('request.headers.size() > 1')).toThrow(/string/);
  });
});

describe('htpasswd lines', () => {
  it('refuses crypt and plain-text hashes, bcrypt above the cost cap and duplicate users, by line and never printing the hash', () => {
    const problems: string[] = [];
    const users = parseHtpasswd(['a:plain', 'b:xyDES0123abc', `c:${hashSync('p', 4)}`, `c:${hashSync('p', 4)}`, `d:$2y$15$${'a'.repeat(53)}`, 'nouser'], 'here', problems);
    expect(users.size).toBe(1);
    expect(problems).toEqual([
      expect.stringContaining('line 1 (user a): the password hash must be'),
      expect.stringContaining('line 2 (user b)'),
      'here: line 4: user c is listed twice',
      expect.stringContaining('line 5 (user d): bcrypt cost 15 is above 14'),
      'here: line 6 is not user:hash',
    ]);
    expect(problems.join('\n')).not.toContain('$2');
  });
});

describe('checkTrafficAuth', () => {
  const logger = new MemoryLogger();
  const ctx = { now: Date.now, logger };

  it('caches a bcrypt verdict: the same right password is checked with bcrypt once', async () => {
    const users = parseHtpasswd([`u:${hashSync('pw', 6)}`], 'x', []);
    const auth: TrafficAuth = { basic: { mode: 'Strict', realm: 'r', users } };
    const header = { authorization: `Basic ${Buffer.from('u:pw').toString('base64')}` };
    const before = bcryptCalls.n;
    for (let i = 0; i < 5; i++) expect('req' in (await checkTrafficAuth(auth, request(header), openAIApi, ctx))).toBe(true);
    expect(bcryptCalls.n - before).toBe(1);
  });

  it('runs one bcrypt check at a time with at most 16 waiting: 40 guesses at once are 17 checks and 23 answers of 503', async () => {
    const users = parseHtpasswd([`v:${hashSync('pw', 4)}`], 'x', []);
    const auth: TrafficAuth = { basic: { mode: 'Strict', realm: 'r', users } };
    const before = bcryptCalls.n;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => checkTrafficAuth(auth, request({ authorization: `Basic ${Buffer.from(`v:guess-${i}`).toString('base64')}` }), openAIApi, ctx)),
    );
    const statuses = results.map((r) => ('response' in r ? r.response.status : 200));
    expect(statuses.filter((s) => s === 401)).toHaveLength(17);
    expect(statuses.filter((s) => s === 503)).toHaveLength(23);
    expect(bcryptCalls.n - before).toBe(17);
    const busy = results.find((r) => 'response' in r && r.response.status === 503) as { response: { headers: Record<string, string>; body: string } };
    expect(busy.response.headers['retry-after']).toBe('1');
    expect(JSON.parse(busy.response.body)).toMatchObject({ error: { code: 'auth_busy' } });
  });

  it('records the client identity (the JWT sub, with its claims) on the request that goes on, without the token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'e1' };
    const token = await new SignJWT({ sub: 'alice', tier: 'gold' }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('iss').setExpirationTime('5m').sign(privateKey);
    const auth: TrafficAuth = { jwt: { mode: 'Strict', providers: [{ issuer: 'iss', jwks: { keys: [jwk] } }] } };
    const passed = await checkTrafficAuth(auth, request({ authorization: `Bearer ${token}`, 'x-other': '1' }), openAIApi, ctx);
    if (!('req' in passed)) throw new Error('refused');
    expect(passed.req.headers).toEqual({ 'x-other': '1' });
    expect(JSON.stringify(passed.req)).not.toContain(token);
    expect(clientIdentityOf(passed.req)).toMatchObject({ source: 'jwt', id: 'alice', claims: { tier: 'gold' } });
    expect((passed.req as GatewayRequest & { clientIdentity?: string }).clientIdentity).toBe('alice');
    // Optional: no token goes through anonymously; Permissive: a bad one too; Optional refuses a bad one.
    expect('req' in (await checkTrafficAuth({ jwt: { ...auth.jwt!, mode: 'Optional' } }, request(), openAIApi, ctx))).toBe(true);
    expect('req' in (await checkTrafficAuth({ jwt: { ...auth.jwt!, mode: 'Permissive' } }, request({ authorization: 'Bearer x.y.z' }), openAIApi, ctx))).toBe(true);
    const refused = await checkTrafficAuth({ jwt: { ...auth.jwt!, mode: 'Optional' } }, request({ authorization: 'Bearer x.y.z' }), openAIApi, ctx);
    expect('response' in refused && refused.response.status).toBe(401);
  });

  describe('a remote JWKS', () => {
    let server: http.Server;
    let url: string;
    let fetches = 0;
    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        fetches++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(300 * 1024) }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('too large to fetch: 503 jwks_unavailable, logged, and not fetched again within the cooldown', async () => {
      const auth: TrafficAuth = { jwt: { mode: 'Strict', providers: [{ issuer: 'iss', jwks: { url, cacheDurationMs: 300_000 } }] } };
      const token = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.e30.c2ln`;
      for (let i = 0; i < 3; i++) {
        const r = await checkTrafficAuth(auth, request({ authorization: `Bearer ${token}` }), openAIApi, ctx);
        expect('response' in r && r.response.status).toBe(503);
      }
      expect(fetches).toBe(1);
      expect(logger.entries.find((e) => e.event === 'jwks_fetch_failed')?.message).toMatch(/larger than 262144 bytes/);
      expect(JSON.stringify(logger.entries)).not.toContain(token);
    });
  });
});

describe('schema: the CRD rules of the new fields', () => {
  const policy = (traffic: unknown) => ({
    apiVersion: 'agentgateway.dev/v1alpha1',
    kind: 'AgentgatewayPolicy',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }], traffic },
  });
  const messages = (traffic: unknown) => {
    const v = validateObject(policy(traffic));
    return v.ok ? [] : v.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('accepts JWT with an inline or URL JWKS, basic auth with users, authorization; refuses a JWKS behind a backendRef as unsupported', () => {
    const jwt = (jwks: unknown) => ({ jwtAuthentication: { providers: [{ issuer: 'i', jwks }] } });
    expect(messages(jwt({ inline: '{"keys":[]}' }))).toEqual([]);
    expect(messages(jwt({ remote: { url: 'https://idp.example.com/jwks.json', cacheDuration: '10m' } }))).toEqual([]);
    expect(messages({ basicAuthentication: { users: ['a:{SHA}x'] }, authorization: { policy: { matchExpressions: ['true'] } } })).toEqual([]);
    expect(messages(jwt({ remote: { backendRef: { name: 'idp', port: 443 }, jwksPath: '/jwks' } })).join()).toMatch(/backendRef: is not supported by modelgate yet/);
    expect(messages(jwt({ remote: { url: 'https://idp/jwks', cacheDuration: '1m' } })).join()).toMatch(/cacheDuration must be at least 5m/);
    expect(messages(jwt({ remote: { url: 'https://idp/jwks', jwksPath: '/x' } })).join()).toMatch(/jwksPath may not be set when url is set/);
    expect(messages({ basicAuthentication: { users: ['a:b'], secretRef: { name: 's' } } }).join()).toMatch(/exactly one of the fields in \[users secretRef\]/);
  });
});
