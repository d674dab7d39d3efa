/**
 * A Policy's traffic fields in the components (`rateLimit`, `jwtAuthentication`,
 * `basicAuthentication`, `authorization`, `cors`, `headerModifiers`, `directResponse`), under Pulumi
 * mocks, on both platforms: rendered as written (valid for the data plane, and on Kubernetes for the
 * upstream CRD, in a suite of its own that needs ../shared); basic-auth users moved into a Secret
 * `<policy>-basic-auth` (`.htaccess`, a Pulumi secret; on AWS a Secrets Manager secret the role may
 * read) that the object names by `secretRef`, never in the object, an output or the Lambda's
 * environment; and on AWS the config the data plane loads from the table serves them: a request
 * without credentials is refused, one with a user's password passes, with the header changes.
 */
import { createRequire } from 'node:module';
import * as pulumi from '@pulumi/pulumi';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_ARN_ANNOTATION, SecretsManagerLoader } from '../../functions/config/secrets-manager.js';
import { TableConfigSource } from '../../functions/config/table-source.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { Engine } from '../../functions/engine/engine.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { validateObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { MemoryStore } from '../../functions/state/memory.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import { useComponents, type Components } from './components.js';
import { ACCOUNT, collectingRejections, isSecretInput, one, ofType, plain, REGION, settle, valueOf, type Recorded } from './mocks.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const apr1 = createRequire(import.meta.url)('apache-md5') as (password: string) => string;
const PASSWORDS = { alice: 'alice-password-0123', bob: 'bob-password-4567' };
const USERS = [`alice:${apr1(PASSWORDS.alice)}`, `bob:${apr1(PASSWORDS.bob)}`];
const HTACCESS = `${USERS.join('\n')}\n`;
/** A JWKS is public key material: it stays inline. */
const JWKS = JSON.stringify({ keys: [{ kty: 'EC', kid: 'k1', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] });

/** Every traffic field, on a route and on the gateway. */
function buildAll(platform: 'kubernetes' | 'aws') {
  const gateway = new c.Gateway('edge', { platform, namespace: 'ai' });
  const backend = new c.Backend('llm', { gateway, ai: { provider: { openai: { model: 'gpt-4o-mini' } } } });
  const chat = new c.Route('chat', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }] });
  const health = new c.Route('health', { gateway, rules: [{ matches: [{ path: { type: 'Exact', value: '/healthz' } }], backendRefs: [backend] }] });
  const http = new c.Policy('http', {
    gateway,
    targetRefs: [chat],
    traffic: {
      rateLimit: { local: [{ requests: 10, unit: 'Minutes', burst: 5 }] },
      cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type', 'authorization'], maxAge: 600 },
      headerModifiers: { request: { set: [{ name: 'x-gateway', value: 'modelgate' }], remove: ['x-debug'] }, response: { add: [{ name: 'x-served-by', value: 'modelgate' }] } },
    },
  });
  const basic = new c.Policy('basic', {
    gateway,
    targetRefs: [chat],
    traffic: { basicAuthentication: { users: USERS.map((u) => pulumi.secret(u)), realm: 'models', mode: 'Strict' } },
  });
  const identity = new c.Policy('identity', {
    gateway,
    targetRefs: [gateway],
    traffic: {
      jwtAuthentication: {
        mode: 'Optional',
        providers: [
          { issuer: 'https://issuer.example.com', audiences: ['modelgate'], jwks: { inline: JWKS } },
          { issuer: 'https://login.example.org', jwks: { remote: { url: 'https://login.example.org/.well-known/jwks.json', cacheDuration: '10m' } } },
        ],
      },
      authorization: { action: 'Deny', policy: { matchExpressions: ['request.headers["x-blocked"] == "true"'] } },
      rateLimit: {
        conditional: [
          { condition: 'request.headers["x-tier"] == "free"', policy: { local: [{ tokens: 1000, unit: 'Hours' }] } },
          { policy: { local: [{ requests: 100, unit: 'Minutes' }] } },
        ],
      },
    },
  });
  const ok = new c.Policy('ok', {
    gateway,
    targetRefs: [health],
    traffic: { directResponse: { status: 200, body: 'ok', headers: [{ name: 'content-type', value: '"text/plain"' }] } },
  });
  const policies = { http, basic, identity, ok };
  return { gateway, backend, chat, health, policies, urns: [gateway.urn, backend.urn, chat.urn, health.urn, ...Object.values(policies).map((p) => p.urn)] };
}

/** The rendered specs every platform must have. */
const EXPECTED_TRAFFIC = {
  http: {
    rateLimit: { local: [{ requests: 10, unit: 'Minutes', burst: 5 }] },
    cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type', 'authorization'], maxAge: 600 },
    headerModifiers: { request: { set: [{ name: 'x-gateway', value: 'modelgate' }], remove: ['x-debug'] }, response: { add: [{ name: 'x-served-by', value: 'modelgate' }] } },
  },
  basic: { basicAuthentication: { realm: 'models', mode: 'Strict', secretRef: { name: 'basic-basic-auth' } } },
  identity: {
    jwtAuthentication: {
      mode: 'Optional',
      providers: [
        { issuer: 'https://issuer.example.com', audiences: ['modelgate'], jwks: { inline: JWKS } },
        { issuer: 'https://login.example.org', jwks: { remote: { url: 'https://login.example.org/.well-known/jwks.json', cacheDuration: '10m' } } },
      ],
    },
    authorization: { action: 'Deny', policy: { matchExpressions: ['request.headers["x-blocked"] == "true"'] } },
    rateLimit: {
      conditional: [
        { condition: 'request.headers["x-tier"] == "free"', policy: { local: [{ tokens: 1000, unit: 'Hours' }] } },
        { policy: { local: [{ requests: 100, unit: 'Minutes' }] } },
      ],
    },
  },
  ok: { directResponse: { status: 200, body: 'ok', headers: [{ name: 'content-type', value: '"text/plain"' }] } },
};

/** No htpasswd line (nor its hash) in any input that is not a secret, nor in the given outputs. */
async function expectUsersOnlyInSecrets(...outputs: Array<pulumi.Output<unknown>>) {
  const hashes = USERS.map((u) => u.slice(u.indexOf(':') + 1));
  for (const r of recorded) {
    for (const [field, value] of Object.entries(r.inputs)) {
      if (isSecretInput(value)) continue;
      for (const hash of hashes) expect(JSON.stringify(value) ?? '', `${r.type} ${r.name} ${field}`).not.toContain(hash);
    }
  }
  for (const output of outputs) {
    expect(await pulumi.isSecret(output)).toBe(false);
    for (const hash of hashes) expect(JSON.stringify(await valueOf(output))).not.toContain(hash);
  }
}

describe.each(['kubernetes', 'aws'] as const)('traffic policy fields, %s', (platform) => {
  it('rendered as written, valid for the data plane; basic-auth users replaced by secretRef to <policy>-basic-auth', async () => {
    const { policies, urns } = buildAll(platform);
    await settle(...urns);
    for (const [name, policy] of Object.entries(policies)) {
      const manifest = await valueOf(policy.manifest);
      expect(manifest.spec, name).toMatchObject({ traffic: EXPECTED_TRAFFIC[name as keyof typeof EXPECTED_TRAFFIC] });
      expect((manifest.spec as unknown as { traffic: unknown }).traffic, name).toEqual(EXPECTED_TRAFFIC[name as keyof typeof EXPECTED_TRAFFIC]);
      expect(validateObject(manifest), name).toMatchObject({ ok: true });
    }
    expect(await valueOf(policies.basic.secretNames)).toEqual(['basic-basic-auth']);
    expect(await valueOf(policies.http.secretNames)).toEqual([]);
    await expectUsersOnlyInSecrets(policies.basic.manifest, policies.basic.secretNames);
  });

  it('a bad field is refused at construction, by its path; a bad htpasswd line names its user, never the hash', async () => {
    const gateway = new c.Gateway('gw', { platform });
    const target = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }];
    const thrown = (traffic: Record<string, unknown>): Error => {
      try {
        new c.Policy('p', { gateway, targetRefs: target, traffic: traffic as never });
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected the constructor to throw');
    };
    expect(thrown({ rateLimit: { local: [{ requests: 10, tokens: 5, unit: 'Minutes' }] } }).message).toContain(
      'modelgate:index:Policy p: traffic.rateLimit.local[0]: exactly one of the fields in [requests tokens] must be set',
    );
    expect(thrown({ directResponse: { body: 'x' } }).message).toContain('modelgate:index:Policy p: traffic.directResponse');
    expect(thrown({ basicAuthentication: { users: ['alice:x'], secretRef: { name: 's' } } }).message).toBe(
      'modelgate:index:Policy p: traffic.basicAuthentication: exactly one of the fields in [users secretRef] must be set',
    );
    const plainText = thrown({ basicAuthentication: { users: [USERS[0], 'carol:plain-text-secret'] } });
    expect(plainText.message).toMatch(/^modelgate:index:Policy p: traffic\.basicAuthentication\.users: line 2 \(user carol\): /);
    expect(plainText.message).not.toContain('plain-text-secret');
    expect(thrown({ basicAuthentication: { users: [`${USERS[0]}\nmallory:${apr1('x')}`] } }).message).toBe(
      'modelgate:index:Policy p: traffic.basicAuthentication.users[0]: must be one htpasswd line (user:hash), without line breaks',
    );
    expect(thrown({ basicAuthentication: { users: [] } }).message).toBe('modelgate:index:Policy p: traffic.basicAuthentication.users: should have at least 1 items');
    await settle(gateway.urn);
  });

  it('users inside an Output `traffic` cannot be moved into a Secret; a bad line inside an Output fails once known', async () => {
    const target = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }];
    let hidden: unknown;
    let late: unknown;
    await collectingRejections(async () => {
      const gateway = new c.Gateway('gw', { platform });
      const p = new c.Policy('p', { gateway, targetRefs: target, traffic: pulumi.output({ basicAuthentication: { users: [USERS[0]!] } }) });
      hidden = await valueOf(p.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
      const q = new c.Policy('q', { gateway, targetRefs: target, traffic: { basicAuthentication: { users: pulumi.secret([USERS[0]!, 'dave:not-a-hash']) } } });
      const stored: pulumi.Output<unknown> = platform === 'aws' ? q.secretVersions![0]!.secretString : q.secrets![0]!.stringData;
      late = await valueOf(stored).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((hidden as Error).message).toContain('modelgate:index:Policy p: traffic.basicAuthentication.users: a key inside an Output cannot be moved into a Secret');
    expect((hidden as Error).message).not.toContain(USERS[0]!.slice(6));
    expect((late as Error).message).toMatch(/modelgate:index:Policy q: traffic\.basicAuthentication\.users: line 2 \(user dave\): /);
    expect((late as Error).message).not.toContain('not-a-hash');
  });
});

describe('traffic policy fields on kubernetes: the basic-auth Secret', () => {
  it('a Secret <policy>-basic-auth whose .htaccess is the users, a Pulumi secret', async () => {
    const { policies, urns } = buildAll('kubernetes');
    await settle(...urns);
    const secret = one(recorded, 'kubernetes:core/v1:Secret', 'basic-basic-auth');
    expect(secret.inputs.metadata).toEqual({ name: 'basic-basic-auth', namespace: 'ai' });
    expect(secret.inputs.type).toBe('Opaque');
    expect(isSecretInput(secret.inputs.stringData)).toBe(true);
    expect(plain(secret.inputs.stringData)).toEqual({ '.htaccess': HTACCESS });
    expect(ofType(recorded, 'kubernetes:core/v1:Secret')).toHaveLength(1);
    expect(await pulumi.isSecret(policies.basic.secrets![0]!.stringData)).toBe(true);
  });
});

describeWithShared('traffic policy fields on kubernetes: against the upstream CRDs', CRDS, () => {
  it('every custom resource applied is valid (schema and CEL rules)', async () => {
    const { urns } = buildAll('kubernetes');
    await settle(...urns);
    const crds = loadCrdValidators();
    const objects = recorded
      .filter((r) => r.type.startsWith('kubernetes:') && !r.type.endsWith(':Secret'))
      .map((r) => Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)])) as Record<string, unknown>);
    expect(objects.filter((o) => o.kind === 'AgentgatewayPolicy')).toHaveLength(4);
    for (const object of objects) expect(crds.validate(object).map(formatViolation), (object.metadata as { name: string }).name).toEqual([]);
  });
});

describe('traffic policy fields on aws', () => {
  const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:basic-basic-auth-1a2b3c4-AbCdEf`;
  let sim: Simulator | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await sim?.close();
    sim = undefined;
    close = undefined;
  });

  it('a Secrets Manager secret of the users, its version, the Secret config item, and the role may read it', async () => {
    const { policies, urns } = buildAll('aws');
    await settle(...urns);
    expect(one(recorded, 'aws:secretsmanager/secret:Secret', 'basic-basic-auth').inputs).toEqual({
      description: 'modelgate: basic-auth users (htpasswd) of Secret ai/basic-basic-auth',
    });
    const version = one(recorded, 'aws:secretsmanager/secretVersion:SecretVersion', 'basic-basic-auth');
    expect(version.inputs.secretId).toBe(SECRET_ARN);
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(plain<string>(version.inputs.secretString))).toEqual({ '.htaccess': HTACCESS });
    const item = JSON.parse(plain<string>(one(recorded, 'aws:dynamodb/tableItem:TableItem', 'basic-basic-auth').inputs.item)) as Record<string, { S: string }>;
    expect(JSON.parse(item[CONFIG_ATTRIBUTE]!.S)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'basic-basic-auth', namespace: 'ai', annotations: { [SECRET_ARN_ANNOTATION]: SECRET_ARN } },
      type: 'Opaque',
    });
    expect(JSON.parse(plain<string>(one(recorded, 'aws:iam/rolePolicy:RolePolicy', 'basic-secrets').inputs.policy)).Statement).toEqual([
      { Sid: 'BasicAuthUsers', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: [SECRET_ARN] },
    ]);
    // Only the basic-auth Policy has a secret to read.
    expect(
      ofType(recorded, 'aws:iam/rolePolicy:RolePolicy')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['basic-secrets', 'edge']);
    await expectUsersOnlyInSecrets(policies.basic.manifest);
    const lambda = one(recorded, 'aws:lambda/function:Function');
    for (const line of USERS) expect(JSON.stringify(plain(lambda.inputs.environment))).not.toContain(line.slice(6));
  });

  it('another Policy may refer to the users Secret by name; not to one the components did not make', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const target = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }];
    const users = new c.Policy('users', { gateway, targetRefs: target, traffic: { basicAuthentication: { users: [USERS[0]!] } } });
    const reuse = new c.Policy('reuse', { gateway, targetRefs: target, traffic: { basicAuthentication: { secretRef: { name: 'users-basic-auth' } } } });
    expect(() => new c.Policy('byo', { gateway, targetRefs: target, traffic: { basicAuthentication: { secretRef: { name: 'by-hand' } } } })).toThrow(
      'modelgate:index:Policy byo: traffic.basicAuthentication.secretRef: key ".htaccess" of Secret default/by-hand not found',
    );
    await settle(gateway.urn, users.urn, reuse.urn);
  });

  it('the data plane loads the table and serves the policies: basic auth from Secrets Manager, header changes, CORS', async () => {
    sim = await startSimulator({ faults: () => undefined });
    const gateway = new c.Gateway('edge', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('llm', {
      gateway,
      ai: { provider: { openai: { model: 'gpt-4o-mini' }, host: '127.0.0.1', port: sim.port } },
      policies: { auth: { key: 'sk-upstream' } },
    });
    const route = new c.Route('chat', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }] });
    const basic = new c.Policy('basic', { gateway, targetRefs: [route], traffic: { basicAuthentication: { users: USERS.map((u) => pulumi.secret(u)), realm: 'models' } } });
    const http = new c.Policy('http', {
      gateway,
      targetRefs: [route],
      traffic: {
        headerModifiers: { response: { add: [{ name: 'x-served-by', value: 'modelgate' }] } },
        cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['POST'] },
      },
    });
    await settle(gateway.urn, backend.urn, route.urn, basic.urn, http.urn);

    const written = ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>);
    const versions = ofType(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    const secretsManager = {
      send: async (command: { input: { SecretId: string } }) => {
        const version = versions.find((v) => v.inputs.secretId === command.input.SecretId);
        if (!version) throw new Error(`no secret ${command.input.SecretId}`);
        return { SecretString: plain<string>(version.inputs.secretString) };
      },
    };
    const logger = new MemoryLogger();
    const dynamodb = { send: async () => ({ Items: written }) } as unknown as DynamoDBClient;
    const source = new TableConfigSource({ client: dynamodb, table: 'edge-1a2b3c4', secrets: new SecretsManagerLoader(secretsManager as never), logger });
    const config = await source.current();
    expect(logger.entries.filter((e) => e.level !== 'info').map((e) => JSON.stringify(e))).toEqual([]);

    const engine = new Engine({ config, store: new MemoryStore(), logger, limits: { attemptTimeoutMs: 5_000, streamIdleMs: 5_000 } });
    const server = createGatewayServer((req) => engine.handle(req));
    const address = await listen(server, 0, '127.0.0.1');
    close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    const chat = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${address.port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://app.example.com', ...headers },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        signal: AbortSignal.timeout(10_000),
      });
    const basicAuth = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

    const none = await chat({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('realm="models"');
    expect((await chat(basicAuth('alice', 'wrong-password'))).status).toBe(401);
    expect(sim.calls).toHaveLength(0);

    const ok = await chat(basicAuth('bob', PASSWORDS.bob));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-served-by')).toBe('modelgate');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(sim.calls).toHaveLength(1);
    // The client's credentials are not passed upstream; the provider gets its own key.
    expect(sim.calls[0]!.headers.authorization).toBe('Bearer sk-upstream');
  });
});
