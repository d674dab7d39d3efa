/**
 * Key rotation on AWS, through the real bundle (dist/handler.mjs): a provider key rotated in
 * Secrets Manager (a new version of its secret) and a client key revoked (the client-keys secret
 * rewritten, as `pulumi up` does) take effect on a warm instance within one config refresh, with
 * no redeploy and no failed request in between. A secret that cannot be re-read keeps its last
 * good value. Config items in dynalite, secrets in a loopback Secrets Manager, the provider a
 * loopback upstream that records the key it was sent.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKeyEntries, entriesSecretString } from '../../components/render.js';
import { SecretsManagerLoader } from '../../functions/config/secrets-manager.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { configItem, SECRET_ARN_ANNOTATION } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { openAIAnswer, startHostile, type Hostile } from '../support/hostile-upstream.js';
import { functionUrlEvent, captureHandlerOutput, installAwsLambdaGlobal, invoke, useLambdaEnv, type RecordedResponse, type StreamingHandler } from '../support/lambda-runtime.js';

const TABLE = 'modelgate-key-rotation';
const HANDLER = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
const REFRESH_MS = 300;
/** However slow the machine, a rotation must show within this; a refresh is REFRESH_MS. */
const BOUND_MS = 5_000;
const NS = 'rot';
const PROVIDER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rot-provider-secret-AbCdEf';
const CLIENT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rot-clients-client-keys-GhIjKl';
const KEY_A = 'sk-rotation-key-A-0123456789abcdef';
const KEY_B = 'sk-rotation-key-B-fedcba9876543210';
const KEY_C = 'sk-rotation-key-C-aaaabbbbccccdddd';
const KEY_D = 'sk-rotation-key-D-1111222233334444';
const K1 = 'mg-client-key-one-0123456789abcdefgh';
const K2 = 'mg-client-key-two-abcdefgh0123456789';
const VALUES = [KEY_A, KEY_B, KEY_C, KEY_D, K1, K2];

/** Secret strings exactly as the components write them to Secrets Manager. */
const providerSecret = (key: string) => entriesSecretString({ Authorization: key });
const clientKeysSecret = (keys: string[]) => entriesSecretString(clientKeyEntries(keys));

const CHAT = { model: 'client-model', messages: [{ role: 'user', content: 'Hello there' }] };

let db: Dynalite;
let sm: FakeSecretsManager;
let upstream: Hostile;
let output: ReturnType<typeof captureHandlerOutput> | undefined;
const logs: string[] = [];

/** `/open` without client keys, `/guarded` behind the Policy's client keys; one backend, its key in Secrets Manager. */
function objects(port: number): object[] {
  const secret = (name: string, arn: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS, annotations: { [SECRET_ARN_ANNOTATION]: arn } } });
  const route = (name: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${name}` } }], backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'llm' }] }] },
  });
  return [
    secret('provider-secret', PROVIDER_ARN),
    secret('clients-client-keys', CLIENT_ARN),
    {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: 'llm', namespace: NS },
      spec: { ai: { provider: { openai: { model: 'gpt-rot' }, host: '127.0.0.1', port } }, policies: { auth: { secretRef: { name: 'provider-secret' } } } },
    },
    route('open'),
    route('guarded'),
    {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayPolicy',
      metadata: { name: 'clients', namespace: NS },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'guarded' }],
        traffic: { apiKeyAuthentication: { mode: 'Strict', secretRef: { name: 'clients-client-keys' } } },
      },
    },
  ];
}

/** A separate import of the bundle is a separate Lambda instance: its own caches, the same table. */
async function coldStart(instance: string): Promise<StreamingHandler> {
  return ((await import(`${HANDLER}?instance=${instance}`)) as { handler: StreamingHandler }).handler;
}

const chat = (handler: StreamingHandler, route: 'open' | 'guarded', clientKey?: string): Promise<RecordedResponse> =>
  invoke(handler, functionUrlEvent('POST', `/${route}/v1/chat/completions`, CHAT, clientKey ? { headers: { authorization: `Bearer ${clientKey}` } } : {}));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests every 20 ms until `done` says so (or BOUND_MS passed): every answer, with when it came. */
async function until(
  send: () => Promise<RecordedResponse>,
  done: (res: RecordedResponse) => boolean,
): Promise<{ answers: Array<{ res: RecordedResponse; key: string | undefined }>; ms: number }> {
  const started = Date.now();
  const answers: Array<{ res: RecordedResponse; key: string | undefined }> = [];
  while (Date.now() - started < BOUND_MS) {
    const before = upstream.calls.length;
    const res = await send();
    answers.push({ res, key: upstream.calls.length > before ? upstream.calls.at(-1)!.key : undefined });
    if (done(res)) return { answers, ms: Date.now() - started };
    await sleep(20);
  }
  throw new Error(`not done within ${BOUND_MS} ms: ${answers.map((a) => `${a.res.statusCode}/${a.key === undefined ? '-' : VALUES.indexOf(a.key)}`).join(' ')}`);
}

const jsonLogs = (since = 0) =>
  logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => Date.parse(String(l.time)) >= since);

const smRequests = (since: number, action?: string, secretId?: string) =>
  sm.requests.filter((r) => r.at >= since && (!action || r.action === action) && (!secretId || r.secretId === secretId));

/** Reports what was measured when KEY_ROTATION_TIMINGS is set; quiet otherwise. */
const report = (line: string) => {
  if (process.env.KEY_ROTATION_TIMINGS) process.stderr.write(`key-rotation: ${line}\n`);
};

beforeAll(async () => {
  db = await startDynalite([TABLE]);
  upstream = await startHostile((call, res) => openAIAnswer(call, res, `answered with ${call.key}`));
  sm = await startFakeSecretsManager({ [PROVIDER_ARN]: providerSecret(KEY_A), [CLIENT_ARN]: clientKeysSecret([K1]) });
  const client = db.client();
  for (const o of objects(upstream.port)) await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o as ManifestObject) }));
  useLambdaEnv(TABLE, { dynamodb: db.endpoint, secretsManager: sm.url }, { MODELGATE_CONFIG_REFRESH_MS: String(REFRESH_MS) });
  installAwsLambdaGlobal();
  output = captureHandlerOutput(logs);
});

afterAll(async () => {
  output?.restore();
  sm?.setFault(undefined);
  await upstream?.close();
  await sm?.close();
  await db?.close();
});

describe('key rotation on a warm Lambda instance', () => {
  let handler: StreamingHandler;
  beforeAll(async () => {
    handler = await coldStart('rotation');
  });

  it('a refresh where nothing changed: one DescribeSecret per secret, no GetSecretValue, no reload', async () => {
    const first = await chat(handler, 'open');
    expect(first.statusCode).toBe(200);
    expect(upstream.calls.at(-1)!.key).toBe(KEY_A);
    const since = Date.now();
    const window = 6 * REFRESH_MS;
    while (Date.now() - since < window) {
      expect((await chat(handler, 'open')).statusCode).toBe(200);
      await sleep(50);
    }
    await sleep(200); // the last refresh, if one started, finishes
    const described = smRequests(since, 'DescribeSecret');
    const perSecret = [PROVIDER_ARN, CLIENT_ARN].map((arn) => described.filter((r) => r.secretId === arn).length);
    report(
      `quiet window of ${window} ms at refresh ${REFRESH_MS} ms: DescribeSecret per secret ${perSecret.join('/')}, GetSecretValue ${smRequests(since, 'GetSecretValue').length}`,
    );
    // A refresh starts on the first request past the interval: at most window / REFRESH_MS of them
    // (fewer on a slow machine), each asking once per secret.
    expect(perSecret[0]).toBe(perSecret[1]);
    expect(perSecret[0]).toBeGreaterThanOrEqual(2);
    expect(perSecret[0]).toBeLessThanOrEqual(window / REFRESH_MS + 1);
    expect(smRequests(since, 'GetSecretValue')).toEqual([]);
    // Nothing changed, so nothing was recompiled or swapped.
    expect(jsonLogs(since).filter((l) => l.event === 'config_reload' || l.level === 'error' || l.level === 'warn')).toEqual([]);
  });

  it('a rotated provider key is used within one refresh, and no request fails meanwhile', async () => {
    expect((await chat(handler, 'open')).statusCode).toBe(200);
    expect(upstream.calls.at(-1)!.key).toBe(KEY_A);
    const since = Date.now();
    sm.put(PROVIDER_ARN, providerSecret(KEY_B));
    const { answers, ms } = await until(
      () => chat(handler, 'open'),
      () => upstream.calls.at(-1)!.key === KEY_B,
    );
    report(`provider key B first used ${ms} ms after the new version (${answers.length} requests)`);
    expect(answers.every((a) => a.res.statusCode === 200)).toBe(true);
    expect(answers.every((a) => a.key === KEY_A || a.key === KEY_B)).toBe(true);
    expect(ms).toBeLessThan(REFRESH_MS + 1_500);
    // And it stays B: the old key is not used again.
    for (let i = 0; i < 5; i++) {
      expect((await chat(handler, 'open')).statusCode).toBe(200);
      expect(upstream.calls.at(-1)!.key).toBe(KEY_B);
    }
    // One reload, naming the secret and never a value; the new value was read once.
    const reloads = jsonLogs(since).filter((l) => l.event === 'config_reload');
    expect(reloads).toHaveLength(1);
    expect(reloads[0]!.secretsChanged).toEqual([`${NS}/provider-secret (${PROVIDER_ARN})`]);
    expect(reloads[0]!.message).toContain(PROVIDER_ARN);
    expect(smRequests(since, 'GetSecretValue').map((r) => r.secretId)).toEqual([PROVIDER_ARN]);
    for (const v of VALUES) expect(logs.join('')).not.toContain(v);
  });

  it('a revoked client key gets a 401 within one refresh, and the new one a 200', async () => {
    expect((await chat(handler, 'guarded', K1)).statusCode).toBe(200);
    expect((await chat(handler, 'guarded', K2)).statusCode).toBe(401);
    const since = Date.now();
    // What `pulumi up` does when the Policy's keys go from [K1] to [K2]: a new version of the secret.
    sm.put(CLIENT_ARN, clientKeysSecret([K2]));
    const { answers, ms } = await until(
      () => chat(handler, 'guarded', K1),
      (res) => res.statusCode === 401,
    );
    report(`client key K1 refused ${ms} ms after the new version (${answers.length} requests)`);
    expect(ms).toBeLessThan(REFRESH_MS + 1_500);
    // Until the swap K1 was served (200); from the swap on, refused in the OpenAI error shape.
    expect(answers.slice(0, -1).every((a) => a.res.statusCode === 200)).toBe(true);
    expect(JSON.parse(answers.at(-1)!.res.body)).toMatchObject({ error: { type: 'authentication_error' } });
    const before = upstream.calls.length;
    expect((await chat(handler, 'guarded', K1)).statusCode).toBe(401);
    expect(upstream.calls.length).toBe(before);
    const ok = await chat(handler, 'guarded', K2);
    expect(ok.statusCode).toBe(200);
    expect(upstream.calls.at(-1)!.key).toBe(KEY_B); // the provider key, never the client's
    expect(
      jsonLogs(since)
        .filter((l) => l.event === 'config_reload')
        .map((l) => l.secretsChanged),
    ).toEqual([[`${NS}/clients-client-keys (${CLIENT_ARN})`]]);
    for (const v of VALUES) expect(logs.join('')).not.toContain(v);
  });

  it('a refresh whose GetSecretValue fails keeps the last good key, logs once per refresh, and recovers', async () => {
    const since = Date.now();
    sm.setFault((action, id) => (action === 'GetSecretValue' && id === PROVIDER_ARN ? 'internal' : undefined));
    sm.put(PROVIDER_ARN, providerSecret(KEY_C));
    const window = 5 * REFRESH_MS;
    while (Date.now() - since < window) {
      const res = await chat(handler, 'open');
      expect(res.statusCode).toBe(200);
      expect(upstream.calls.at(-1)!.key).toBe(KEY_B);
      await sleep(30);
    }
    await sleep(1_500); // no requests: no new refresh; the one in flight finishes its retries
    const errors = jsonLogs(since).filter((l) => l.event === 'config_error');
    const refreshes = smRequests(since, 'DescribeSecret', PROVIDER_ARN).length;
    const gets = smRequests(since, 'GetSecretValue', PROVIDER_ARN);
    report(`GetSecretValue failing: ${refreshes} refreshes, ${gets.length} GetSecretValue attempts (SDK retries), ${errors.length} config_error lines`);
    expect(refreshes).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(refreshes);
    expect(gets.every((r) => r.status === 500)).toBe(true);
    for (const e of errors) {
      expect(e.message).toContain(PROVIDER_ARN);
      expect(e.message).toContain('InternalServiceError');
      expect(e.message).toContain('keeping the last good value');
      expect(e.secrets).toEqual([PROVIDER_ARN]);
    }
    expect(jsonLogs(since).filter((l) => l.event === 'config_reload')).toEqual([]);

    // Secrets Manager answers again: the next refresh brings key C.
    sm.setFault(undefined);
    const healed = Date.now();
    const { answers, ms } = await until(
      () => chat(handler, 'open'),
      () => upstream.calls.at(-1)!.key === KEY_C,
    );
    report(`key C first used ${ms} ms after Secrets Manager recovered`);
    expect(answers.every((a) => a.res.statusCode === 200)).toBe(true);
    expect(ms).toBeLessThan(REFRESH_MS + 1_500);
    expect(
      jsonLogs(healed)
        .filter((l) => l.event === 'config_reload')
        .map((l) => l.secretsChanged),
    ).toEqual([[`${NS}/provider-secret (${PROVIDER_ARN})`]]);
    for (const v of VALUES) expect(logs.join('')).not.toContain(v);
  });

  it('a refresh whose DescribeSecret fails keeps serving with the last good key', async () => {
    const since = Date.now();
    sm.setFault((action) => (action === 'DescribeSecret' ? 'internal' : undefined));
    try {
      while (Date.now() - since < 4 * REFRESH_MS) {
        expect((await chat(handler, 'open')).statusCode).toBe(200);
        expect(upstream.calls.at(-1)!.key).toBe(KEY_C);
        expect((await chat(handler, 'guarded', K2)).statusCode).toBe(200);
        await sleep(30);
      }
      // No requests, so no new refresh; the one in flight finishes its retries while still failing.
      await sleep(1_500);
    } finally {
      sm.setFault(undefined);
    }
    const errors = jsonLogs(since).filter((l) => l.event === 'config_error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    // One line per refresh, naming both secrets.
    for (const e of errors) expect(e.secrets).toEqual([CLIENT_ARN, PROVIDER_ARN]);
    expect(jsonLogs(since).filter((l) => l.event === 'config_reload')).toEqual([]);
  });
});

describe('a role without secretsmanager:DescribeSecret', () => {
  it('falls back to GetSecretValue on each refresh, warns once, and still rotates within one refresh', async () => {
    sm.setFault((action) => (action === 'DescribeSecret' ? 'denied' : undefined));
    try {
      const since = Date.now();
      const handler = await coldStart('no-describe');
      expect((await chat(handler, 'open')).statusCode).toBe(200);
      expect(upstream.calls.at(-1)!.key).toBe(KEY_C);
      const quiet = Date.now();
      while (Date.now() - quiet < 4 * REFRESH_MS) {
        expect((await chat(handler, 'open')).statusCode).toBe(200);
        await sleep(50);
      }
      await sleep(200);
      const warnings = jsonLogs(since).filter((l) => l.event === 'config_warning');
      expect(warnings.map((w) => w.message)).toEqual(
        expect.arrayContaining([expect.stringContaining(`DescribeSecret on ${PROVIDER_ARN}`), expect.stringContaining(`DescribeSecret on ${CLIENT_ARN}`)]),
      );
      expect(warnings).toHaveLength(2);
      // Denied once per secret, then never asked again; the values re-read on every refresh.
      expect(smRequests(since, 'DescribeSecret').length).toBe(2);
      const gets = smRequests(quiet, 'GetSecretValue');
      report(`without DescribeSecret: ${gets.length} GetSecretValue over ${4 * REFRESH_MS} ms (two secrets)`);
      expect(gets.filter((r) => r.secretId === PROVIDER_ARN).length).toBe(gets.filter((r) => r.secretId === CLIENT_ARN).length);
      expect(gets.length).toBeGreaterThanOrEqual(2);
      expect(jsonLogs(quiet).filter((l) => l.event === 'config_reload' || l.event === 'config_error')).toEqual([]);

      sm.put(PROVIDER_ARN, providerSecret(KEY_D));
      const { answers, ms } = await until(
        () => chat(handler, 'open'),
        () => upstream.calls.at(-1)!.key === KEY_D,
      );
      report(`without DescribeSecret: key D first used ${ms} ms after the new version`);
      expect(answers.every((a) => a.res.statusCode === 200)).toBe(true);
      expect(ms).toBeLessThan(REFRESH_MS + 1_500);
    } finally {
      sm.setFault(undefined);
    }
  });
});

describe('a Secrets Manager that never answers', () => {
  it("bounds each call by the loader's timeout: a hung call would otherwise stall every later refresh", async () => {
    // Accepts the connection, reads the request, never answers.
    const hung = http.createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', () => resolve()));
    const client = new SecretsManagerClient({
      endpoint: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const loader = new SecretsManagerLoader(client, { timeoutMs: 300 });
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'hung', namespace: NS, annotations: { [SECRET_ARN_ANNOTATION]: PROVIDER_ARN } },
      } as unknown as ManifestObject;
      const started = Date.now();
      const check = await loader.prepare([secret]);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(check.changed).toEqual([]);
      expect(check.failed).toEqual([{ id: PROVIDER_ARN, fresh: true, error: expect.stringMatching(/abort/i) }]);
      expect(loader.source([secret]).get(NS, 'hung', 'Authorization')).toBeUndefined();
    } finally {
      client.destroy();
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });
});
