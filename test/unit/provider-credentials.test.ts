/**
 * Provider credentials, below the engine: the refreshing cache (one mint shared by concurrent
 * callers, refreshed in a window that scales with the token's life, failures paced), errors that
 * never carry the credential, the `auth` blocks' CRD rules and what they compile to (secrets out
 * of dumps and descriptions), the resource-based `azure` kind, and what the Lambda role needs.
 */
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { SecretText } from '../../functions/core/credential-spec.js';
import { configDump } from '../../functions/engine/config-dump.js';
import { describeConfig } from '../../functions/config/describe.js';
import { credentialNeeds } from '../../functions/model/credential-needs.js';
import { credentialError } from '../../functions/providers/credentials/credential-error.js';
import { MINT_FAILURE_COOLDOWN_MS, refreshAt, RefreshingToken } from '../../functions/providers/credentials/refreshing-token.js';
import { backend, load, parse, problemsOf, providerOf, secret, type Obj } from '../support/manifests.js';

const HOUR = 3_600_000;

/** A mint the test resolves by hand, counting calls. */
function manualMint() {
  const pending: Array<{ resolve: (v: { value: string; expiresAt: number }) => void; reject: (e: Error) => void }> = [];
  const mint = () => new Promise<{ value: string; expiresAt: number }>((resolve, reject) => pending.push({ resolve, reject }));
  return { mint, pending };
}

describe('RefreshingToken', () => {
  it('concurrent callers share one mint', async () => {
    let t = 1_000_000;
    const { mint, pending } = manualMint();
    const token = new RefreshingToken(mint, () => t);
    const gets = [token.get(), token.get(), token.get()];
    expect(pending).toHaveLength(1);
    pending[0]!.resolve({ value: 'tok-1', expiresAt: t + HOUR });
    expect(await Promise.all(gets)).toEqual(['tok-1', 'tok-1', 'tok-1']);
    t += 10 * 60_000;
    expect(await token.get()).toBe('tok-1');
    expect(token.mints).toBe(1);
  });

  it('in the refresh window the current token serves while one background refresh runs; expired, callers wait for it', async () => {
    let t = 0;
    const { mint, pending } = manualMint();
    const token = new RefreshingToken(mint, () => t);
    const first = token.get();
    pending[0]!.resolve({ value: 'tok-1', expiresAt: HOUR });
    await first;
    t = HOUR - 4 * 60_000; // inside the 5-minute window
    expect(await token.get()).toBe('tok-1');
    expect(await token.get()).toBe('tok-1');
    expect(pending).toHaveLength(2); // one refresh for both
    pending[1]!.resolve({ value: 'tok-2', expiresAt: 2 * HOUR });
    await Promise.resolve();
    expect(await token.get()).toBe('tok-2');
    // Past expiry with no refresh done: the caller waits for the mint.
    t = 3 * HOUR;
    const waiting = token.get();
    expect(pending).toHaveLength(3);
    pending[2]!.resolve({ value: 'tok-3', expiresAt: 4 * HOUR });
    expect(await waiting).toBe('tok-3');
  });

  it('a failed mint is the answer for a cooldown, then the endpoint is asked again; a failed background refresh keeps the current token', async () => {
    let t = 0;
    let fail = true;
    let n = 0;
    const token = new RefreshingToken(
      async () => {
        n++;
        if (fail) throw new Error('endpoint down');
        return { value: `tok-${n}`, expiresAt: t + HOUR };
      },
      () => t,
    );
    await expect(token.get()).rejects.toThrow('endpoint down');
    await expect(token.get()).rejects.toThrow('endpoint down');
    expect(n).toBe(1);
    t += MINT_FAILURE_COOLDOWN_MS;
    fail = false;
    expect(await token.get()).toBe('tok-2');
    fail = true;
    t += HOUR - 60_000; // due
    expect(await token.get()).toBe('tok-2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(n).toBe(3);
    expect(await token.get()).toBe('tok-2'); // still valid, and no new attempt inside the cooldown
    expect(n).toBe(3);
  });

  it('the refresh margin scales with the lifetime: a quarter, at most 5 minutes; a credential without expiry never refreshes', () => {
    expect(refreshAt(0, HOUR)).toBe(HOUR - 5 * 60_000);
    expect(refreshAt(0, 60_000)).toBe(45_000);
    expect(refreshAt(0, 299_000)).toBe(299_000 - 74_750);
    expect(refreshAt(0, Infinity)).toBe(Infinity);
  });
});

describe('credential errors', () => {
  it('name the credential, never the secret or a token-shaped value', () => {
    const error = credentialError(
      'azure token (clientSecret)',
      new Error('bad secret s3cr3t-value-123 for assertion eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln, Bearer abcdefghijklmnop'),
      ['s3cr3t-value-123'],
    );
    expect(error.message).toMatch(/^azure token \(clientSecret\): bad secret \[redacted\] for assertion \[redacted\], \[redacted\]$/);
    expect(credentialError('x', new Error('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----'), []).message).toBe('x: [redacted]');
    expect(credentialError('x', new Error('y'.repeat(500)), []).message.length).toBeLessThan(220);
  });

  it('a SecretText prints as [redacted] in JSON, strings and inspect', () => {
    const s = new SecretText('hunter2-hunter2');
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(`${s}`).toBe('[redacted]');
    expect(inspect(s)).not.toContain('hunter2');
    expect(s.reveal()).toBe('hunter2-hunter2');
  });
});

const one = (fields: Obj, auth: Obj, extra: Obj[] = []) => [backend('b', [[{ name: 'p', ...fields, policies: { auth } }]]), ...extra];
const targetOf = (fields: Obj, auth: Obj, extra: Obj[] = []) => providerOf(load(one(fields, auth, extra)), 'default/b/p').target;
const problems = (fields: Obj, auth: Obj, extra: Obj[] = []) => problemsOf(() => load(one(fields, auth, extra))).join('\n');
const SA_KEY = JSON.stringify({
  type: 'service_account',
  client_email: 'a@b.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nPRIVATEPART\n-----END PRIVATE KEY-----\n',
});
const VERTEX = { vertexai: { projectId: 'proj' } };

describe('auth blocks: the CRD rules', () => {
  it('refuses what the CRD refuses, with its messages', () => {
    expect(problems(VERTEX, { gcp: { audience: 'x' } })).toMatch(/audience is only valid with IdToken/);
    expect(problems(VERTEX, { gcp: { type: 'Refresh' } })).toMatch(/gcp\.type/);
    expect(problems({ openai: {} }, { azure: { secretRef: { name: 's' }, workloadIdentity: {} } })).toMatch(
      /at most one of the fields in \[secretRef managedIdentity workloadIdentity\]/,
    );
    expect(problems({ openai: {} }, { azure: { managedIdentity: { clientId: 'a', objectId: 'b' } } })).toMatch(/at most one of the fields in \[clientId objectId resourceId\]/);
    expect(problems({ bedrock: {} }, { aws: { secretRef: { name: 's' }, assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/r' } } })).toMatch(
      /secretRef and assumeRole are mutually exclusive/,
    );
    expect(problems({ bedrock: {} }, { aws: { assumeRole: { roleArn: 'arn:aws:iam::1:role/r' } } })).toMatch(/roleArn: should match/);
    expect(problems({ bedrock: {} }, { aws: { assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/r', tags: [{ key: 't' }] } } })).toMatch(
      /exactly one of value or expression must be set/,
    );
    expect(problems({ openai: {} }, { passthrough: {}, key: 'k' })).toMatch(/at most one of the fields/);
  });

  it('refuses what modelgate does not do yet, saying so', () => {
    const arn = 'arn:aws:iam::123456789012:role/r';
    expect(problems({ bedrock: {} }, { aws: { assumeRole: { roleArn: arn, sessionNameExpression: 'jwt.sub' } } })).toMatch(
      /session name computed per request is not supported by modelgate yet/,
    );
    expect(problems({ bedrock: {} }, { aws: { assumeRole: { roleArn: arn, tags: [{ key: 't', expression: 'jwt.sub' }] } } })).toMatch(
      /session tag computed per request is not supported/,
    );
    expect(problems({ openai: {} }, { aws: {} })).toMatch(/provider p is openai, not an AWS service: auth\.aws signs Bedrock calls only/);
    expect(problems({ bedrock: {} }, { gcp: {} })).toMatch(/bedrock provider p is signed with SigV4/);
    expect(problems({ bedrock: {} }, { passthrough: {} })).toMatch(/passthrough: bedrock provider p is signed with SigV4/);
    const external = JSON.stringify({ type: 'external_account', credential_source: { executable: { command: '/bin/sh -c x' } } });
    expect(problems(VERTEX, { gcp: { secretRef: { name: 'g' } } }, [secret('g', { stringData: { 'credentials.json': external } })])).toMatch(
      /type "external_account" are not supported/,
    );
  });
});

describe('auth blocks: compiled', () => {
  it('gcp: the key from `credentials.json` (or secretRef.key), kept as a secret; ADC without a secretRef', () => {
    const t = targetOf(VERTEX, { gcp: { secretRef: { name: 'g' } } }, [secret('g', { stringData: { 'credentials.json': SA_KEY } })]);
    expect(t.apiKey).toBeUndefined();
    expect(t.credential).toMatchObject({ kind: 'gcp', tokenType: 'AccessToken' });
    expect((t.credential as { key: SecretText }).key.reveal()).toBe(SA_KEY);
    expect(
      targetOf(VERTEX, { gcp: { type: 'IdToken', audience: 'https://x.run.app', secretRef: { name: 'g', key: 'sa' } } }, [secret('g', { stringData: { sa: SA_KEY } })]).credential,
    ).toMatchObject({
      tokenType: 'IdToken',
      audience: 'https://x.run.app',
    });
    expect(targetOf(VERTEX, { gcp: {} }).credential).toEqual({ kind: 'gcp', tokenType: 'AccessToken' });
    expect(problems(VERTEX, { gcp: { secretRef: { name: 'g' } } }, [secret('g', { stringData: { other: 'x' } })])).toMatch(
      /gcp\.secretRef: key "credentials\.json" of Secret default\/g not found/,
    );
  });

  it('azure: a client secret from the Secret keys clientID, tenantID, clientSecret; managed and workload identity', () => {
    const t = targetOf({ azureopenai: { endpoint: 'r.openai.azure.com' } }, { azure: { secretRef: { name: 'e' } } }, [
      secret('e', { stringData: { clientID: 'c', tenantID: 't', clientSecret: 'sec-0123456789' } }),
    ]);
    expect(t.credential).toMatchObject({ kind: 'azure', source: { type: 'clientSecret', clientId: 'c', tenantId: 't' } });
    expect(problems({ openai: {} }, { azure: { secretRef: { name: 'e' } } }, [secret('e', { stringData: { clientID: 'c' } })])).toMatch(
      /azure\.secretRef: Secret default\/e has no "tenantID", "clientSecret"/,
    );
    expect(targetOf({ openai: {} }, { azure: { managedIdentity: { clientId: 'mi' } } }).credential).toEqual({ kind: 'azure', source: { type: 'managedIdentity', clientId: 'mi' } });
    expect(targetOf({ openai: {} }, { azure: { managedIdentity: {} } }).credential).toEqual({ kind: 'azure', source: { type: 'managedIdentity' } });
    expect(targetOf({ openai: {} }, { azure: { workloadIdentity: {} } }).credential).toEqual({ kind: 'azure', source: { type: 'workloadIdentity' } });
  });

  it('aws: keys from accessKey/secretKey/sessionToken, or assumeRole with session name and tags; region and service', () => {
    const t = targetOf({ bedrock: {} }, { aws: { secretRef: { name: 'k' }, region: 'us-west-2', serviceName: 'bedrock' } }, [
      secret('k', { stringData: { accessKey: 'AKIA1', secretKey: 'sk-0123456789', sessionToken: 'st' } }),
    ]);
    expect(t.credential).toMatchObject({ kind: 'aws', region: 'us-west-2', serviceName: 'bedrock', keys: { accessKeyId: 'AKIA1' } });
    const role = { roleArn: 'arn:aws:iam::123456789012:role/r', sessionName: 'gw', tags: [{ key: 'team', value: 'ai' }] };
    expect(targetOf({ bedrock: {} }, { aws: { assumeRole: role } }).credential).toEqual({ kind: 'aws', assumeRole: role });
    expect(problems({ bedrock: {} }, { aws: { secretRef: { name: 'k' } } }, [secret('k', { stringData: { accessKey: 'AKIA1' } })])).toMatch(/has no "secretKey"/);
  });

  it('passthrough compiles to a marker; the provider has no key of its own', () => {
    expect(targetOf({ openai: {} }, { passthrough: {} })).toMatchObject({ credential: { kind: 'passthrough' } });
    expect(targetOf({ openai: {} }, { passthrough: {} }).apiKey).toBeUndefined();
  });

  it('no secret in the config dump or the description', () => {
    const config = load([
      ...one(VERTEX, { gcp: { secretRef: { name: 'g' } } }, [secret('g', { stringData: { 'credentials.json': SA_KEY } })]),
      backend('az', [[{ name: 'p', openai: {}, policies: { auth: { azure: { secretRef: { name: 'e' } } } } }]]),
      secret('e', { stringData: { clientID: 'c', tenantID: 't', clientSecret: 'azure-secret-0123456789' } }),
    ]);
    const dump = JSON.stringify(configDump(config));
    expect(dump).not.toContain('PRIVATEPART');
    expect(dump).not.toContain('azure-secret-0123456789');
    expect(dump).toContain('"credential":{"kind":"gcp","tokenType":"AccessToken"');
    const text = describeConfig(config).join('\n');
    expect(text).toContain('Google access token from a service-account key, refreshed');
    expect(text).toContain('Entra ID token from a client secret, refreshed');
    expect(text).not.toContain('PRIVATEPART');
  });
});

describe('the resource-based azure provider kind', () => {
  it('OpenAI resources at {resourceName}.openai.azure.com, Foundry projects under /api/projects/{projectName}', () => {
    expect(targetOf({ azure: { resourceName: 'res', resourceType: 'OpenAI' } }, { key: 'k' })).toEqual({
      name: 'p',
      kind: 'azureopenai',
      baseUrl: 'https://res.openai.azure.com',
      azure: { apiVersion: 'v1' },
      apiKey: 'k',
    });
    expect(targetOf({ azure: { resourceName: 'res', resourceType: 'Foundry', projectName: 'proj', apiVersion: '2024-10-21', model: 'gpt-4o' } }, { key: 'k' })).toMatchObject({
      baseUrl: 'https://res.services.ai.azure.com',
      pathPrefix: '/api/projects/proj',
      azure: { apiVersion: '2024-10-21' },
      model: 'gpt-4o',
    });
    expect(problemsOf(() => parse(one({ azure: { resourceName: 'res', resourceType: 'Foundry' } }, { key: 'k' }))).join('\n')).toMatch(
      /projectName is required when resourceType is Foundry/,
    );
  });
});

describe('credentialNeeds: what the Lambda role needs', () => {
  it('sts:AssumeRole on exactly the roles assumed; sts:TagSession on those with tags; nothing else', () => {
    const r1 = 'arn:aws:iam::123456789012:role/one';
    const r2 = 'arn:aws:iam::123456789012:role/two';
    const config = load([
      backend('b1', [[{ name: 'p', bedrock: {}, policies: { auth: { aws: { assumeRole: { roleArn: r2, tags: [{ key: 't', value: 'v' }] } } } } }]]),
      backend('b2', [
        [{ name: 'p', bedrock: {}, policies: { auth: { aws: { assumeRole: { roleArn: r1 } } } } }],
        [{ name: 'q', bedrock: {}, policies: { auth: { aws: { assumeRole: { roleArn: r2 } } } } }],
      ]),
      backend('b3', [[{ name: 'p', openai: {}, policies: { auth: { gcp: {} } } }]]),
    ]);
    expect(credentialNeeds(config)).toEqual({
      assumeRoles: [r1, r2],
      tagSessionRoles: [r2],
      statements: [
        { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [r1, r2] },
        { Effect: 'Allow', Action: ['sts:TagSession'], Resource: [r2] },
      ],
      mintsBearerTokens: true,
    });
    expect(credentialNeeds(load([backend('b', [[{ name: 'p', bedrock: {} }]])])).statements).toEqual([]);
  });
});

describe('AgentgatewayModel policies.auth', () => {
  it('compiles the same credential kinds as a backend', () => {
    const gatewayObj = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'ai-gateway' },
      spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'llm', port: 8080, protocol: 'HTTP' }] },
    };
    const modelObj = {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayModel',
      metadata: { name: 'az' },
      spec: {
        parentRefs: [{ name: 'ai-gateway', sectionName: 'llm' }],
        provider: 'Azure',
        azure: { resourceName: 'res', resourceType: 'OpenAI' },
        policies: { auth: { azure: { managedIdentity: { resourceId: '/subscriptions/s/rg/id' } } } },
      },
    };
    const config = load([gatewayObj, modelObj]);
    const target = config.models![0]!.routes[0]!.rule.backends[0]!.backend.providers[0]!.target;
    expect(target).toMatchObject({
      kind: 'azureopenai',
      baseUrl: 'https://res.openai.azure.com',
      credential: { kind: 'azure', source: { type: 'managedIdentity', resourceId: '/subscriptions/s/rg/id' } },
    });
    expect(credentialNeeds(config).mintsBearerTokens).toBe(true);
  });
});
