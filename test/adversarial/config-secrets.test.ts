/**
 * Bad configuration names the field, never the secret in it: a key of the wrong type, a Secret
 * entry that is a mapping or not base64, a key that became a field name in flow YAML. Checked on
 * the CLI (`modelgate validate` and `serve`) and in the Lambda's `config_error` log (config items
 * read from the table).
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableConfigSource } from '../../functions/config/table-source.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { configItem } from '../../functions/state/table-layout.js';
import { adversarialManifests, loopbackProvider, manifestFile, type Obj } from '../support/adversarial.js';
import { run } from '../support/cli.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';

const SECRETS = ['sk-live-SECRETVALUE-0001', 'SECRETVALUE-0002-in-a-mapping', 'SECRETVALUE-0003 not base64!', 'SECRETVALUE-0004-as-a-field-name', '9876543210123'];

const badBackend = (name: string, auth: unknown): Obj => ({
  apiVersion: 'agentgateway.dev/v1alpha1',
  kind: 'AgentgatewayBackend',
  metadata: { name, namespace: 'adv' },
  spec: { ai: { groups: [{ providers: [{ ...loopbackProvider('p', 'openai', 9, undefined, { model: 'gpt' }), policies: { auth } }] }] } },
});

const badObjects: Obj[] = [
  badBackend('wrong-type', { key: [SECRETS[0]] }),
  badBackend('as-number', { key: Number(SECRETS[4]) }),
  badBackend('flow-yaml', { [SECRETS[3]!]: null }),
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mapping', namespace: 'adv' }, stringData: { Authorization: { nested: SECRETS[1] } } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-base64', namespace: 'adv' }, data: { Authorization: SECRETS[2] } },
];

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('validation errors print no secret value', () => {
  it('modelgate validate names each field and prints none of the values', async () => {
    const file = manifestFile(adversarialManifests([], badObjects));
    const { code, output } = await run(['validate', '-f', file]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/wrong-type: spec\.ai\.groups\[0\]\.providers\[0\]\.policies\.auth\.key: Invalid value: \(an array, not shown\): must be of type string/);
    expect(output).toMatch(/as-number: spec\.ai\.groups\[0\]\.providers\[0\]\.policies\.auth\.key: Invalid value: \(a number, not shown\)/);
    expect(output).toMatch(/flow-yaml: .*policies\.auth: .*names not shown/);
    expect(output).toMatch(/Secret mapping: stringData\.Authorization: Invalid value: \(a mapping, not shown\)/);
    expect(output).toMatch(/Secret not-base64: data\.Authorization: must be base64/);
    expectNoSecret(output);
  });

  it('modelgate serve refuses the same file with the same words', async () => {
    const file = manifestFile(adversarialManifests([], badObjects));
    const { code, output } = await run(['serve', '-f', file, '--port', '0']);
    expect(code).not.toBe(0);
    expect(output).toMatch(/policies\.auth\.key/);
    expectNoSecret(output);
  });

  describe('the Lambda config_error log', () => {
    let db: Dynalite;
    const TABLE = 'modelgate-config-secrets';
    beforeAll(async () => {
      db = await startDynalite([TABLE]);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('names the item and field, not the value', async () => {
      const client = db.client();
      for (const o of badObjects)
        await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o as { kind: string; metadata: { name: string; namespace?: string } }) }));
      const logger = new MemoryLogger();
      const source = new TableConfigSource({ client, table: TABLE, logger, secrets: { prepare: async () => undefined, source: () => ({ get: () => undefined }) } });
      await source.refresh();
      const errors = logger.entries.filter((e) => e.event === 'config_error').map((e) => e.message);
      expect(errors.some((m) => m.includes('wrong-type') && m.includes('policies.auth.key'))).toBe(true);
      expect(errors.some((m) => m.includes('Secret') && m.includes('stringData.Authorization'))).toBe(true);
      expectNoSecret(JSON.stringify(logger.entries));
    });
  });
});
