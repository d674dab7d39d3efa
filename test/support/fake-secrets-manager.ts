/**
 * A loopback stand-in for AWS Secrets Manager (JSON 1.1 protocol), so the real SDK client in the
 * handler can be pointed at it with AWS_ENDPOINT_URL_SECRETS_MANAGER. It answers GetSecretValue
 * and DescribeSecret in AWS's shapes, keeps versions with staging labels as PutSecretValue does
 * (`put`: the new version gets AWSCURRENT, the old current one AWSPREVIOUS), and can be told to
 * fail an action as AWS would: a 500 InternalServiceError, or the 400 AccessDeniedException a
 * role without that action's permission gets.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type SecretsManagerAction = 'GetSecretValue' | 'DescribeSecret';
export type SecretsManagerFault = 'internal' | 'denied';

export interface FakeSecretsManager {
  url: string;
  /** SecretIds of the GetSecretValue calls answered with a value, in order. */
  calls: string[];
  /** Every request, answered or failed, in order. */
  requests: Array<{ action: string; secretId: string; status: number; at: number }>;
  /** A new version of the secret, as PutSecretValue makes it; returns its VersionId. */
  put(secretId: string, value: string): string;
  /** Fails the requests `fault` returns a fault for, until set again (undefined: none fail). */
  setFault(fault: ((action: SecretsManagerAction, secretId: string) => SecretsManagerFault | undefined) | undefined): void;
  close(): Promise<void>;
}

interface Version {
  id: string;
  value: string;
  stages: string[];
  created: number;
}

export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const calls: string[] = [];
  const requests: FakeSecretsManager['requests'] = [];
  const store = new Map<string, { created: number; changed: number; versions: Version[] }>();
  let fault: Parameters<FakeSecretsManager['setFault']>[0];

  const put = (secretId: string, value: string): string => {
    const now = Date.now() / 1000;
    const secret = store.get(secretId) ?? { created: now, changed: now, versions: [] };
    store.set(secretId, secret);
    // PutSecretValue moves the labels: AWSPREVIOUS to the old current version, AWSCURRENT to the new.
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS').map((s) => (s === 'AWSCURRENT' ? 'AWSPREVIOUS' : s));
    const id = randomUUID();
    secret.versions.push({ id, value, stages: ['AWSCURRENT'], created: now });
    secret.changed = now;
    return id;
  };
  for (const [id, value] of Object.entries(secrets)) put(id, value);

  // An ARN ends in `secret:<name>-<6 random characters>`; the name is without that suffix.
  const nameOf = (secretId: string) =>
    secretId.startsWith('arn:')
      ? secretId
          .split(':')
          .slice(6)
          .join(':')
          .replace(/-[A-Za-z0-9]{6}$/, '')
      : secretId;

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.replace(/^secretsmanager\./, '');
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      const answer = (status: number, payload: object) => {
        requests.push({ action, secretId: SecretId ?? '', status, at: Date.now() });
        res.statusCode = status;
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify(payload));
      };
      if (action !== 'GetSecretValue' && action !== 'DescribeSecret') {
        answer(400, { __type: 'UnknownOperationException' });
        return;
      }
      const injected = fault?.(action, SecretId ?? '');
      if (injected === 'internal') {
        answer(500, { __type: 'InternalServiceError', message: 'An error occurred on the server side.' });
        return;
      }
      if (injected === 'denied') {
        answer(400, {
          __type: 'AccessDeniedException',
          Message: `User: arn:aws:sts::123456789012:assumed-role/modelgate/modelgate is not authorized to perform: secretsmanager:${action} on resource: ${SecretId} because no identity-based policy allows the secretsmanager:${action} action`,
        });
        return;
      }
      const secret = SecretId ? store.get(SecretId) : undefined;
      if (!SecretId || !secret) {
        answer(400, { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret.` });
        return;
      }
      if (action === 'DescribeSecret') {
        // Versions without a staging label are deprecated and not listed.
        const labelled = secret.versions.filter((v) => v.stages.length > 0);
        answer(200, {
          ARN: SecretId,
          Name: nameOf(SecretId),
          CreatedDate: secret.created,
          LastChangedDate: secret.changed,
          VersionIdsToStages: Object.fromEntries(labelled.map((v) => [v.id, v.stages])),
        });
        return;
      }
      const current = secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
      calls.push(SecretId);
      answer(200, { ARN: SecretId, Name: nameOf(SecretId), SecretString: current.value, VersionId: current.id, VersionStages: current.stages, CreatedDate: current.created });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    requests,
    put,
    setFault: (f) => {
      fault = f;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
