/**
 * Provider credentials that refresh (`auth.gcp`, `auth.azure`, `auth.aws`) and the client's own
 * token (`auth.passthrough`), through the engine with the simulator as every provider and loopback
 * stand-ins for Google's token endpoint, Entra ID and STS: the provider gets a minted token; it is
 * minted once and shared, refreshed before it expires while requests keep flowing (the clock is
 * moved, nothing waits), a token endpoint that fails is a failed attempt that fails over (and
 * evicts), and no credential appears in a log line or an answer.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setAwsCredentialProvider } from '../../functions/providers/bedrock/sign.js';
import { resetCredentialSources } from '../../functions/providers/credentials/sources.js';
import { gatewayYaml, HELLO, NAMESPACE, servedBy, startGateway, type Gateway, type GatewaySpec } from '../support/harness.js';
import { parseAuthorization, verifySigV4 } from '../support/sigv4.js';
import { useEnv } from '../support/env.js';
import { tempDir } from '../support/temp.js';
import { serviceAccountKey, startEntraEndpoint, startGoogleTokenEndpoint, startSts, type StandIn } from '../support/token-stand-ins.js';

const secret = (name: string, stringData: Record<string, string>) => stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, stringData });
const withDocs =
  (spec: GatewaySpec, ...docs: string[]) =>
  (simPort: number) =>
    [gatewayYaml(spec, simPort), ...docs].join('---\n');

/** Every log line and field, as one text to search for secrets. */
const logText = (g: Gateway) => JSON.stringify(g.logger.entries);

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});
async function start(config: (simPort: number) => string, health?: Record<string, unknown>): Promise<Gateway> {
  void health;
  gw = await startGateway({ config });
  // Tokens expire on the gateway's clock, which the tests move.
  resetCredentialSources(gw.clock.now);
  return gw;
}

/** Sends requests until the provider got `token` (bounded: a refresh that never lands fails the test). */
async function untilProviderGets(g: Gateway, header: string, value: string, limit = 50): Promise<number> {
  for (let i = 1; i <= limit; i++) {
    expect((await g.chat(HELLO)).status).toBe(200);
    if (g.sim.calls.at(-1)!.headers[header] === value) return i;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`the provider never got ${header}: ${value}`);
}

describe('auth.gcp: tokens from a service-account key (the key token_uri honoured)', () => {
  let google: StandIn<{ path: string; grantType: string | null; claims: Record<string, unknown> }>;
  let key: { json: string; privateKey: string };
  beforeAll(async () => {
    google = await startGoogleTokenEndpoint();
    key = serviceAccountKey(`${google.url}/token`);
  });
  afterAll(() => google.close());
  beforeEach(() => {
    google.requests.length = 0;
    google.failWith = undefined;
  });

  const vertex = (extra: Record<string, unknown> = {}): GatewaySpec => ({
    groups: [[{ name: 'a', kind: 'vertexai', key: null, policies: { auth: { gcp: { secretRef: { name: 'gcp-key' }, ...extra } } } }], [{ name: 'b', kind: 'openai' }]],
  });

  it('Vertex AI gets a minted access token; concurrent requests share one mint; it is not fetched per request', async () => {
    const g = await start(withDocs(vertex(), secret('gcp-key', { 'credentials.json': key.json })));
    const answers = await Promise.all(Array.from({ length: 8 }, () => g.chat(HELLO)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    for (let i = 0; i < 4; i++) expect((await g.chat(HELLO)).status).toBe(200);
    expect(google.requests).toHaveLength(1);
    expect(google.requests[0]).toMatchObject({ path: '/token', grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' });
    expect(google.requests[0]!.claims).toMatchObject({ iss: 'gateway@modelgate-test.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/cloud-platform' });
    expect(g.sim.calls).toHaveLength(12);
    for (const call of g.sim.calls) {
      expect(call.path).toMatch(/^\/v1\/projects\/project-a\/locations\/global\/publishers\/google\/models\/model-a:generateContent$/);
      expect(call.headers.authorization).toBe('Bearer ya29.test-1');
    }
  });

  it('is refreshed before it expires while requests keep flowing: the old token serves until the new one lands', async () => {
    const g = await start(withDocs(vertex(), secret('gcp-key', { 'credentials.json': key.json })));
    expect((await g.chat(HELLO)).status).toBe(200);
    expect(g.sim.calls.at(-1)!.headers.authorization).toBe('Bearer ya29.test-1');
    // 50 minutes into a 1-hour token: still valid, not yet due (the margin is a quarter of the life, at most 5 minutes).
    g.clock.advance(50 * 60_000);
    expect((await g.chat(HELLO)).status).toBe(200);
    expect(google.requests).toHaveLength(1);
    // 56 minutes: due. The request that notices it is served with the current token; the refresh runs beside it.
    g.clock.advance(6 * 60_000);
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    expect(g.sim.calls.at(-1)!.headers.authorization).toBe('Bearer ya29.test-1');
    await untilProviderGets(g, 'authorization', 'Bearer ya29.test-2');
    expect(google.requests).toHaveLength(2);
    // No request failed or waited on an expired token meanwhile.
    expect(g.logger.entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
  });

  describe('application default credentials from GOOGLE_APPLICATION_CREDENTIALS', () => {
    const file = join(tempDir('modelgate-adc-'), 'adc.json');
    useEnv({ GOOGLE_APPLICATION_CREDENTIALS: file });
    it('the key file is read by the library, its token_uri honoured; the token refreshes as a Secret key does', async () => {
      writeFileSync(file, key.json);
      const g = await start(withDocs({ groups: [[{ name: 'a', kind: 'vertexai', key: null, policies: { auth: { gcp: {} } } }], [{ name: 'b', kind: 'openai' }]] }));
      const res = await g.chat(HELLO);
      expect(servedBy(res.headers).attempts).toBe('a:200');
      expect(google.requests).toHaveLength(1);
      expect(g.sim.calls[0]!.headers.authorization).toMatch(/^Bearer ya29\./);
    });
  });

  it('an ID token for a Cloud Run-style backend, for the audience given', async () => {
    const spec: GatewaySpec = {
      groups: [
        [
          {
            name: 'run',
            kind: 'openai',
            key: null,
            policies: { auth: { gcp: { type: 'IdToken', audience: 'https://my-service-abc.a.run.app', secretRef: { name: 'gcp-key' } } } },
          },
        ],
      ],
    };
    const g = await start(withDocs(spec, secret('gcp-key', { 'credentials.json': key.json })));
    expect((await g.chat(HELLO)).status).toBe(200);
    expect(google.requests[0]!.claims.target_audience).toBe('https://my-service-abc.a.run.app');
    const token = g.sim.calls[0]!.headers.authorization!.replace(/^Bearer /, '');
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: 'https://my-service-abc.a.run.app' });
  });

  it('a token endpoint that fails is a failed attempt: fail over, evict per the health rules, no crash, no key in logs or answers', async () => {
    google.failWith = 400;
    const spec = { ...vertex(), backendPolicy: { health: { eviction: { duration: '60s', consecutiveFailures: 1 } } } };
    const g = await start(withDocs(spec, secret('gcp-key', { 'credentials.json': key.json })));
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(servedBy(response.headers).attempts).toBe('a:credentials,b:200');
    // Evicted: the next request goes straight to b, and the token endpoint is not asked again.
    expect(servedBy((await g.chat(HELLO)).headers).attempts).toBe('b:200');
    expect(google.requests).toHaveLength(1);
    const logs = logText(g);
    expect(logs).toContain('gcp access token (service-account key)');
    const keyBody = key.privateKey.split('\n')[1]!;
    expect(logs).not.toContain(keyBody);
    expect(logs).not.toContain(JSON.stringify(key.privateKey).slice(40, 80));
  });

  it('a bad key is refused at load without quoting it', async () => {
    await expect(start(withDocs(vertex(), secret('gcp-key', { 'credentials.json': 'not json at all: hunter2' })))).rejects.toThrow(
      /gcp\.secretRef: key "credentials\.json" of Secret gw\/gcp-key is not Google credential JSON/,
    );
    await expect(start(withDocs(vertex(), secret('gcp-key', { 'credentials.json': 'hunter2' })))).rejects.not.toThrow(/hunter2/);
  });
});

describe('auth.azure: Entra ID tokens from a client secret', () => {
  let entra: StandIn<{ path: string; form: URLSearchParams }>;
  const CLIENT_SECRET = 'azure-client-secret-0123456789';
  useEnv({ AZURE_AUTHORITY_HOST: undefined });
  beforeAll(async () => {
    entra = await startEntraEndpoint();
    process.env.AZURE_AUTHORITY_HOST = entra.url;
  });
  afterAll(() => entra.close());
  beforeEach(() => {
    entra.requests.length = 0;
    entra.failWith = undefined;
  });
  const spec: GatewaySpec = {
    groups: [[{ name: 'a', kind: 'azureopenai', key: null, policies: { auth: { azure: { secretRef: { name: 'entra' } } } } }], [{ name: 'b', kind: 'openai' }]],
  };
  const docs = [secret('entra', { clientID: 'client-1', tenantID: 'tenant-1', clientSecret: CLIENT_SECRET })];

  it('Azure OpenAI gets `Authorization: Bearer <Entra token>` (no api-key), minted once, refreshed before expiry', async () => {
    const g = await start(withDocs(spec, ...docs));
    await Promise.all(Array.from({ length: 5 }, () => g.chat(HELLO)));
    expect(entra.requests).toHaveLength(1);
    expect(entra.requests[0]!.path).toMatch(/^\/tenant-1\/oauth2\/v2\.0\/token/);
    expect(Object.fromEntries(entra.requests[0]!.form)).toMatchObject({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: CLIENT_SECRET,
      scope: 'https://cognitiveservices.azure.com/.default',
    });
    for (const call of g.sim.calls) {
      expect(call.headers.authorization).toBe('Bearer entra-test-1');
      expect(call.headers['api-key']).toBeUndefined();
    }
    // A 299-second token is due after three quarters of its life.
    g.clock.advance(4 * 60_000);
    await untilProviderGets(g, 'authorization', 'Bearer entra-test-2');
    expect(entra.requests).toHaveLength(2);
  });

  it('Entra ID refusing the secret: fail over to b, and the secret is in no log line or answer', async () => {
    entra.failWith = 401;
    const g = await start(withDocs(spec, ...docs));
    const res = await g.chat(HELLO);
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('a:credentials,b:200');
    expect(logText(g)).toContain('azure token (clientSecret)');
    expect(logText(g)).not.toContain(CLIENT_SECRET);
    expect(body).not.toContain(CLIENT_SECRET);
  });

  describe('workload identity (AKS): the projected service-account token exchanged at Entra ID', () => {
    const ASSERTION = 'eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.signature';
    const file = join(tempDir('modelgate-workload-'), 'azure-identity-token');
    writeFileSync(file, ASSERTION);
    useEnv({ AZURE_CLIENT_ID: 'workload-client', AZURE_TENANT_ID: 'tenant-w', AZURE_FEDERATED_TOKEN_FILE: file });

    it('the token file is the client assertion; the provider gets the Entra token; neither is logged', async () => {
      const g = await start(
        withDocs({ groups: [[{ name: 'a', kind: 'azureopenai', key: null, policies: { auth: { azure: { workloadIdentity: {} } } } }], [{ name: 'b', kind: 'openai' }]] }),
      );
      const res = await g.chat(HELLO);
      expect(servedBy(res.headers).attempts).toBe('a:200');
      expect(entra.requests).toHaveLength(1);
      expect(entra.requests[0]!.path).toMatch(/^\/tenant-w\/oauth2\/v2\.0\/token/);
      expect(Object.fromEntries(entra.requests[0]!.form)).toMatchObject({
        client_id: 'workload-client',
        client_assertion: ASSERTION,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      });
      expect(g.sim.calls[0]!.headers.authorization).toBe('Bearer entra-test-1');
      expect(logText(g)).not.toContain(ASSERTION);
    });
  });

  it('the resource-based `azure` provider kind: Foundry project paths, with an Entra token', async () => {
    const yaml = (simPort: number) =>
      withDocs(
        spec,
        ...docs,
      )(simPort).replace(
        /azureopenai:\n(\s+)endpoint: a\.openai\.azure\.com\n\s+deploymentName: model-a/,
        'azure:\n$1resourceName: my-res\n$1resourceType: Foundry\n$1projectName: proj one\n$1model: gpt-4o',
      );
    expect(yaml(1)).toContain('resourceType: Foundry');
    const g = await start(yaml);
    expect((await g.chat(HELLO)).status).toBe(200);
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/api/projects/proj%20one/openai/v1/chat/completions');
    expect(call.body.model).toBe('gpt-4o');
    expect(call.headers.authorization).toBe('Bearer entra-test-1');
  });
});

describe('auth.aws: Bedrock signed with an assumed role (STS) or a Secret keys', () => {
  let sts: StandIn<{ params: URLSearchParams; authorization: string | undefined }>;
  const SOURCE = { AWS_ACCESS_KEY_ID: 'AKIASOURCECHAIN01', AWS_SECRET_ACCESS_KEY: 'source-chain-secret-0123456789', AWS_SESSION_TOKEN: undefined, AWS_ENDPOINT_URL_STS: undefined };
  useEnv(SOURCE, () => setAwsCredentialProvider(undefined));
  beforeAll(async () => {
    sts = await startSts();
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
  });
  afterAll(async () => {
    await sts.close();
    setAwsCredentialProvider(undefined);
  });
  beforeEach(() => {
    sts.requests.length = 0;
    sts.failWith = undefined;
  });
  const ROLE = 'arn:aws:iam::123456789012:role/bedrock-invoke';
  const bedrock = (auth: Record<string, unknown>): GatewaySpec => ({
    groups: [
      [{ name: 'a', kind: 'bedrock', model: 'anthropic.claude-3-haiku', options: { region: 'eu-west-3' }, policies: { auth: { aws: auth } } }],
      [{ name: 'b', kind: 'openai' }],
    ],
  });

  it('assumeRole with session name and tags: STS asked once, with the source chain; calls signed with the session', async () => {
    const g = await start(withDocs(bedrock({ assumeRole: { roleArn: ROLE, sessionName: 'modelgate', tags: [{ key: 'team', value: 'ai' }] } })));
    await Promise.all(Array.from({ length: 4 }, () => g.chat(HELLO)));
    expect(sts.requests).toHaveLength(1);
    const params = Object.fromEntries(sts.requests[0]!.params);
    expect(params).toMatchObject({ Action: 'AssumeRole', RoleArn: ROLE, RoleSessionName: 'modelgate', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'ai' });
    expect(parseAuthorization(sts.requests[0]!.authorization)?.accessKeyId).toBe('AKIASOURCECHAIN01');
    for (const call of g.sim.calls) {
      expect(call.api).toBe('bedrock');
      expect(parseAuthorization(call.headers.authorization)).toMatchObject({ accessKeyId: 'ASIATEST1', region: 'eu-west-3', service: 'bedrock' });
      expect(call.headers['x-amz-security-token']).toBe('sts-session-1');
      expect(verifySigV4(call, 'sts-secret-1')).toBe(true);
    }
    // The session is renewed before it expires (1 h; due at 55 min).
    g.clock.advance(56 * 60_000);
    await untilProviderGets(g, 'x-amz-security-token', 'sts-session-2');
    expect(sts.requests).toHaveLength(2);
  });

  it('STS refusing: a failed attempt on a, served by b; no secret in the logs', async () => {
    sts.failWith = 403;
    const g = await start(withDocs(bedrock({ assumeRole: { roleArn: ROLE } })));
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    expect(servedBy(res.headers).attempts).toBe('a:credentials,b:200');
    expect(logText(g)).toContain(`aws assumeRole ${ROLE}`);
    expect(logText(g)).not.toContain(SOURCE.AWS_SECRET_ACCESS_KEY);
  });

  it('keys from a Secret, with a signing region and service of their own', async () => {
    const g = await start(
      withDocs(
        bedrock({ secretRef: { name: 'aws-keys' }, region: 'us-west-2', serviceName: 'bedrock' }),
        secret('aws-keys', { accessKey: 'AKIAFROMSECRET01', secretKey: 'secret-from-secret-0123456789' }),
      ),
    );
    expect((await g.chat(HELLO)).status).toBe(200);
    const call = g.sim.calls[0]!;
    expect(parseAuthorization(call.headers.authorization)).toMatchObject({ accessKeyId: 'AKIAFROMSECRET01', region: 'us-west-2', service: 'bedrock' });
    expect(verifySigV4(call, 'secret-from-secret-0123456789')).toBe(true);
    expect(sts.requests).toHaveLength(0);
  });
});

describe('auth.passthrough: the client own key is what the provider receives', () => {
  const CLIENT_KEY = 'team-key-0123456789abcdef';
  const clientKeys = (simPort: number) =>
    [
      gatewayYaml(
        {
          groups: [[{ name: 'a', kind: 'openai', key: null, policies: { auth: { passthrough: {} } } }]],
          traffic: { apiKeyAuthentication: { mode: 'Strict', secretRef: { name: 'client-keys' } } },
        },
        simPort,
      ),
      secret('client-keys', { team: CLIENT_KEY }),
    ].join('---\n');

  it('an API-key-authenticated OpenAI client: its key goes to the provider as the bearer token, and is never logged', async () => {
    const g = await start(clientKeys);
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    expect(g.sim.calls[0]!.headers.authorization).toBe(`Bearer ${CLIENT_KEY}`);
    // A wrong key never reaches the provider.
    const wrong = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'not-a-team-key-0123', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
    expect(g.sim.calls).toHaveLength(1);
    expect(logText(g)).not.toContain(CLIENT_KEY);
  });

  it("without client authentication, the token the client sent (x-api-key) goes to an Anthropic provider's x-api-key", async () => {
    const g = await start((simPort) => gatewayYaml({ groups: [[{ name: 'a', kind: 'anthropic', key: null, policies: { auth: { passthrough: {} } } }]] }, simPort));
    const res = await g.messages(
      { model: 'm', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': CLIENT_KEY } },
    );
    expect(res.status).toBe(200);
    expect(g.sim.calls[0]!.headers['x-api-key']).toBe(CLIENT_KEY);
    expect(logText(g)).not.toContain(CLIENT_KEY);
  });
});
