/**
 * A loopback stand-in for AWS Secrets Manager's GetSecretValue (JSON 1.1 protocol), so the real
 * SDK client in the handler can be pointed at it with AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSecretsManager {
  url: string;
  /** SecretIds asked for, in order. */
  calls: string[];
  close(): Promise<void>;
}

export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'secretsmanager.GetSecretValue' || !SecretId || !(SecretId in secrets)) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret.` }));
        return;
      }
      calls.push(SecretId);
      res.end(JSON.stringify({ ARN: SecretId, Name: SecretId.split(':').pop(), SecretString: secrets[SecretId], VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_700_000_000 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
