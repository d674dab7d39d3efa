/**
 * The Lambda bundle's AWS credential chain (functions/http/lambda-credentials.ts, aliased in by
 * scripts/build.mjs): the function role's credentials from the environment, and none of the
 * default chain's other sources in dist/handler.mjs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultProvider } from '../../functions/http/lambda-credentials.js';
import { useEnv } from '../support/env.js';

describe('the Lambda credential chain', () => {
  describe('with the role credentials Lambda puts in the environment', () => {
    useEnv({ AWS_ACCESS_KEY_ID: 'ASIALAMBDAROLE0001', AWS_SECRET_ACCESS_KEY: 'lambda-role-secret', AWS_SESSION_TOKEN: 'lambda-role-session' });
    it('resolves them', async () => {
      const credentials = await defaultProvider()();
      expect(credentials).toMatchObject({ accessKeyId: 'ASIALAMBDAROLE0001', secretAccessKey: 'lambda-role-secret', sessionToken: 'lambda-role-session' });
    });
  });

  describe('without them', () => {
    useEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined });
    it('fails, naming the environment, rather than trying files or metadata endpoints', async () => {
      await expect(defaultProvider()()).rejects.toThrow(/environment/i);
    });
  });

  it("dist/handler.mjs and its chunks hold none of the default chain's other sources (the CLI bundle does)", () => {
    const chunks = new URL('../../dist/handler-chunks/', import.meta.url);
    const handler = [
      new URL('../../dist/handler.mjs', import.meta.url),
      ...readdirSync(chunks)
        .filter((f) => /\.(m|c)js$/.test(f))
        .map((f) => new URL(f, chunks)),
    ]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const cli = readFileSync(new URL('../../dist/cli.js', import.meta.url), 'utf8');
    // The web identity source is marked by the variable it reads: the STS client (there for auth.aws.assumeRole) names the AssumeRoleWithWebIdentity operation itself.
    for (const marker of ['sso_start_url', 'credential_process', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      expect(handler, marker).not.toContain(marker);
      expect(cli, marker).toContain(marker);
    }
  });
});
