/**
 * The AWS platform under Pulumi mocks: every resource the components create and the inputs that
 * matter — table, config items (read back through the data plane's own TableConfigSource and
 * SecretsManagerLoader), Secrets Manager secrets, the role and its policies (exact actions, only
 * these resources, never `*`), the log group, the Lambda, the function URL and its permissions —
 * and that no key is anywhere but in a secret.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { SECRET_ARN_ANNOTATION, SecretsManagerLoader } from '../../functions/config/secrets-manager.js';
import { TableConfigSource } from '../../functions/config/table-source.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { compileConfig } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE, CONFIG_PARTITION } from '../../functions/state/table-layout.js';
import { trustedCopy, VALIDATED_ATTRIBUTE } from '../../functions/config/validated-copy.js';
import { HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR, HANDLER_ENV, HANDLER_FILE } from '../../functions/bundle.js';
import type { AwsGatewayArgs } from '../../components/index.js';
import { ACCOUNT, FUNCTION_URL, isSecretInput, one, ofType, plain, REGION, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';
import { buildTutorial, tutorialObjects } from './tutorial.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const KEY = 'sk-ant-aws-test-key-0123456789';
const TABLE = 'agentgateway-openshell-1a2b3c4';
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
const FUNCTION = 'agentgateway-openshell-1a2b3c4';
const LOG_GROUP = `/aws/lambda/${FUNCTION}`;
const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}`;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:anthropic-secret-1a2b3c4-AbCdEf`;

async function deployTutorial(args: Omit<AwsGatewayArgs, 'platform'> = {}) {
  const parts = buildTutorial(c, { platform: 'aws', namespace: 'agentgateway-system', ...args }, pulumi.secret(KEY));
  await settle(parts.gateway.urn, parts.backend.urn, parts.policy.urn, parts.route.urn, parts.gateway.url);
  return parts;
}

/** The config items written, as DynamoDB items. */
function items(): Array<Record<string, { S: string }>> {
  return ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>);
}

function policyDocuments(): Array<{
  name: string;
  role: unknown;
  document: { Version: string; Statement: Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }> };
}> {
  return ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').map((r) => ({ name: r.name, role: r.inputs.role, document: JSON.parse(plain<string>(r.inputs.policy)) }));
}

/** The bundle's sha256 as the component computes it: the handler, then each chunk's name and content. */
function bundleSha256(): string {
  const hash = createHash('sha256').update(readFileSync(`${HANDLER_BUNDLE_DIR}${HANDLER_FILE}`));
  const chunkDir = join(HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR);
  for (const f of readdirSync(chunkDir)
    .filter((n) => /\.(mjs|cjs)$/.test(n))
    .sort())
    hash.update(f).update(readFileSync(join(chunkDir, f)));
  return hash.digest('hex');
}

describe('aws: resources and inputs', () => {
  it('creates exactly these resources, named after their components', async () => {
    await deployTutorial({ authType: 'NONE' });
    expect(
      recorded
        .filter((r) => !r.type.startsWith('modelgate:'))
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
    ).toEqual(
      [
        'aws:dynamodb/table:Table agentgateway-openshell',
        'aws:iam/role:Role agentgateway-openshell',
        'aws:iam/rolePolicy:RolePolicy agentgateway-openshell',
        'aws:lambda/function:Function agentgateway-openshell',
        'aws:cloudwatch/logGroup:LogGroup agentgateway-openshell',
        'aws:lambda/functionUrl:FunctionUrl agentgateway-openshell',
        'aws:lambda/permission:Permission agentgateway-openshell-public-url',
        'aws:lambda/permission:Permission agentgateway-openshell-public-invoke',
        'aws:dynamodb/tableItem:TableItem agentgateway-openshell',
        'aws:secretsmanager/secret:Secret anthropic-secret',
        'aws:secretsmanager/secretVersion:SecretVersion anthropic-secret',
        'aws:iam/rolePolicy:RolePolicy anthropic-secrets',
        'aws:dynamodb/tableItem:TableItem anthropic-secret',
        'aws:dynamodb/tableItem:TableItem anthropic',
        'aws:dynamodb/tableItem:TableItem failover-health',
        'aws:dynamodb/tableItem:TableItem openshell-openai',
      ].sort(),
    );
  });

  it('table: string pk/sk, on demand, TTL on `ttl`, point-in-time recovery off by default and on when asked', async () => {
    await deployTutorial();
    expect(one(recorded, 'aws:dynamodb/table:Table').inputs).toEqual({
      attributes: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
      ],
      hashKey: 'pk',
      rangeKey: 'sk',
      billingMode: 'PAY_PER_REQUEST',
      ttl: { attributeName: 'ttl', enabled: true },
      pointInTimeRecovery: { enabled: false },
    });
    recorded.length = 0;
    const gateway = new c.Gateway('pitr', { platform: 'aws', pointInTimeRecovery: true, tags: { team: 'ai' } });
    await settle(gateway.urn);
    expect(one(recorded, 'aws:dynamodb/table:Table').inputs).toMatchObject({ pointInTimeRecovery: { enabled: true }, tags: { team: 'ai' } });
  });

  it('config items: one per object, valid for the data plane, and they compile together', async () => {
    await deployTutorial();
    const written = items();
    for (const item of written) {
      expect(Object.keys(item).sort()).toEqual(['object', 'pk', 'sk', 'validated']);
      expect(item.pk).toEqual({ S: CONFIG_PARTITION });
    }
    expect(written.map((i) => i.sk!.S).sort()).toEqual(
      [
        'AgentgatewayBackend#agentgateway-system/anthropic',
        'AgentgatewayPolicy#agentgateway-system/failover-health',
        'Gateway#agentgateway-system/agentgateway-openshell',
        'HTTPRoute#agentgateway-system/openshell-openai',
        'Secret#agentgateway-system/anthropic-secret',
      ].sort(),
    );
    for (const r of ofType(recorded, 'aws:dynamodb/tableItem:TableItem')) expect(r.inputs).toMatchObject({ tableName: TABLE, hashKey: 'pk', rangeKey: 'sk' });

    const objects = written.map((i) => {
      const result = validateObject(JSON.parse(i[CONFIG_ATTRIBUTE]!.S));
      expect(result, i.sk!.S).toMatchObject({ ok: true, warnings: [] });
      // Beside it, what validation made of it, for the handler this deploy ships (and no other).
      const copy = trustedCopy(i.sk!.S, i[CONFIG_ATTRIBUTE]!.S, i[VALIDATED_ATTRIBUTE]?.S, bundleSha256());
      expect(copy, i.sk!.S).toEqual({ object: (result as { object: ManifestObject }).object, warnings: [] });
      expect(trustedCopy(i.sk!.S, i[CONFIG_ATTRIBUTE]!.S, i[VALIDATED_ATTRIBUTE]?.S, 'another build')).toBeUndefined();
      return (result as { object: ManifestObject }).object;
    });
    const config = compileConfig(objects, { get: (_ns, name, key) => (name === 'anthropic-secret' && key === 'Authorization' ? KEY : undefined) });
    expect(config.backends.map((b) => b.providers.map((p) => [p.name, p.target.model, p.target.apiKey]))).toEqual([
      [
        ['anthropic-opus-46', 'claude-opus-4-6-FAKE', KEY],
        ['anthropic-sonnet-46', 'claude-sonnet-4-6', KEY],
      ],
    ]);

    // The objects are the tutorial's, except that the Secret names its Secrets Manager secret instead of holding the key.
    const tutorial = new Map(
      tutorialObjects().map((o) => [`${String(o.kind)}#${(o.metadata as { namespace: string; name: string }).namespace}/${(o.metadata as { name: string }).name}`, o]),
    );
    for (const item of written) {
      const object = JSON.parse(item[CONFIG_ATTRIBUTE]!.S) as Record<string, unknown>;
      if (object.kind === 'Secret') {
        expect(object).toEqual({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'anthropic-secret', namespace: 'agentgateway-system', annotations: { [SECRET_ARN_ANNOTATION]: SECRET_ARN } },
          type: 'Opaque',
        });
      } else {
        expect(object, item.sk!.S).toEqual(tutorial.get(item.sk!.S));
      }
    }
  });

  it('the data plane loads the items and the key through its own config source', async () => {
    await deployTutorial();
    const written = items();
    const versions = ofType(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    const dynamodb = { send: async () => ({ Items: written }) } as unknown as DynamoDBClient;
    const secretsManager = {
      send: async (command: { input: { SecretId: string } }) => {
        const version = versions.find((v) => v.inputs.secretId === command.input.SecretId);
        if (!version) throw new Error(`no secret ${command.input.SecretId}`);
        return { SecretString: plain<string>(version.inputs.secretString) };
      },
    };
    const logger = new MemoryLogger();
    const source = new TableConfigSource({ client: dynamodb, table: TABLE, secrets: new SecretsManagerLoader(secretsManager as never), logger });
    const config = await source.current();
    expect(logger.entries.filter((e) => e.level !== 'info')).toEqual([]);
    expect(config.rules.map((r) => [r.id, r.matches[0]!.path, r.backends.map((b) => b.backend.id)])).toEqual([
      ['agentgateway-system/openshell-openai#0', { type: 'PathPrefix', value: '/v1' }, ['agentgateway-system/anthropic']],
    ]);
    const [opus, sonnet] = config.backends[0]!.providers;
    expect([opus!.target.apiKey, sonnet!.target.apiKey]).toEqual([KEY, KEY]);
    expect(opus!.health.eviction).toEqual({ durationMs: 10_000, consecutiveFailures: 1 });
  });

  it('secrets: one Secrets Manager secret per key, its value {"Authorization": key} as a secret', async () => {
    await deployTutorial();
    const secret = one(recorded, 'aws:secretsmanager/secret:Secret');
    expect(secret.inputs).toEqual({ description: 'modelgate: provider key of Secret agentgateway-system/anthropic-secret' });
    const version = one(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    expect(version.inputs.secretId).toBe(SECRET_ARN);
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expect(JSON.parse(plain<string>(version.inputs.secretString))).toEqual({ Authorization: KEY });
  });

  it('role: only Lambda may assume it', async () => {
    await deployTutorial();
    const role = one(recorded, 'aws:iam/role:Role');
    expect(JSON.parse(role.inputs.assumeRolePolicy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });

  it("role policies: exactly the handler's actions, on this table, these secrets and its own log group; never `*`", async () => {
    await deployTutorial();
    const documents = policyDocuments();
    expect(documents.map((d) => [d.name, d.role])).toEqual(
      expect.arrayContaining([
        ['agentgateway-openshell', TABLE],
        ['anthropic-secrets', TABLE],
      ]),
    );
    expect(documents).toHaveLength(2);
    const statements = documents.flatMap((d) => d.document.Statement).sort((a, b) => String(a.Action).localeCompare(String(b.Action)));
    for (const d of documents) expect(d.document.Version).toBe('2012-10-17');
    expect(statements.map((s) => ({ Effect: s.Effect, Action: s.Action, Resource: s.Resource }))).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], Resource: TABLE_ARN },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [LOG_GROUP_ARN, `${LOG_GROUP_ARN}:*`] },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: [SECRET_ARN] },
    ]);
    for (const statement of statements) {
      const resources = [statement.Resource].flat();
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource).not.toBe('*');
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    }
  });

  it('log group: /aws/lambda/<function name>, with retention (14 days by default)', async () => {
    await deployTutorial({ logRetentionInDays: 30 });
    expect(one(recorded, 'aws:cloudwatch/logGroup:LogGroup').inputs).toEqual({ name: LOG_GROUP, retentionInDays: 30 });
    recorded.length = 0;
    await settle(new c.Gateway('default-retention', { platform: 'aws' }).urn);
    expect(one(recorded, 'aws:cloudwatch/logGroup:LogGroup').inputs.retentionInDays).toBe(14);
  });

  it('lambda: nodejs22.x, the bundle as an asset archive, arm64, memory, timeout, settings in the environment and no secret', async () => {
    await deployTutorial({ memorySize: 1024, timeout: 300, configRefreshInterval: '30s', logLevel: 'debug', tags: { team: 'ai' } });
    const fn = one(recorded, 'aws:lambda/function:Function');
    // Assets reach the mocks as asset objects whose fields are promises.
    const { code, ...inputs } = fn.inputs as { code: { __pulumiArchive: boolean; assets: Promise<Record<string, { __pulumiAsset: boolean; path: Promise<string> }>> } };
    // The bundle's hash (the handler, then each chunk's name and content) is in the description, so a new build shows in a diff.
    const sha256 = bundleSha256();
    expect(inputs).toEqual({
      description: `modelgate gateway agentgateway-openshell (bundle sha256:${sha256})`,
      runtime: 'nodejs22.x',
      handler: 'handler.handler',
      architectures: ['arm64'],
      memorySize: 1024,
      timeout: 300,
      role: `arn:aws:iam::${ACCOUNT}:role/${FUNCTION}`,
      environment: {
        variables: {
          [HANDLER_ENV.table]: TABLE,
          [HANDLER_ENV.configRefreshMs]: '30000',
          [HANDLER_ENV.logLevel]: 'debug',
          // The build the config items' validated copies are for.
          [HANDLER_ENV.configBuild]: sha256,
        },
      },
      tags: { team: 'ai' },
    });
    expect(code.__pulumiArchive).toBe(true);
    const assets = await code.assets;
    expect(Object.keys(assets).sort()).toEqual([HANDLER_CHUNKS_DIR, HANDLER_FILE]);
    expect(assets[HANDLER_FILE]!.__pulumiAsset).toBe(true);
    // The chunks the handler loads on first use, beside it as the build lays them out; no source maps.
    const chunks = await (assets[HANDLER_CHUNKS_DIR] as unknown as { assets: Promise<Record<string, { path: Promise<string> }>> }).assets;
    expect(Object.keys(chunks).sort()).toEqual(
      readdirSync(join(HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR))
        .filter((f) => !f.endsWith('.map'))
        .sort(),
    );
    expect(Object.keys(chunks)).toContain('re2js.cjs');
    expect(await chunks['re2js.cjs']!.path).toBe(join(HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR, 're2js.cjs'));
    const path = await assets[HANDLER_FILE]!.path;
    expect(path).toBe(`${HANDLER_BUNDLE_DIR}${HANDLER_FILE}`);
    expect(basename(path)).toBe('handler.mjs');
    expect(isSecretInput(fn.inputs.environment)).toBe(false);
  });

  it('lambda defaults: arm64, 512 MB, 120 s, config re-read every 10 s', async () => {
    const gateway = new c.Gateway('defaults', { platform: 'aws' });
    await settle(gateway.urn);
    expect(one(recorded, 'aws:lambda/function:Function').inputs).toMatchObject({
      architectures: ['arm64'],
      memorySize: 512,
      timeout: 120,
      environment: { variables: { [HANDLER_ENV.table]: 'defaults-1a2b3c4', [HANDLER_ENV.configRefreshMs]: '10000' } },
    });
    const gateway2 = new c.Gateway('x86', { platform: 'aws', architecture: 'x86_64' });
    await settle(gateway2.urn);
    expect(one(recorded, 'aws:lambda/function:Function', 'x86').inputs.architectures).toEqual(['x86_64']);
  });

  it('function URL: response streaming; NONE adds both public permissions (InvokeFunctionUrl, and InvokeFunction only via the URL)', async () => {
    const { gateway } = await deployTutorial({ authType: 'NONE' });
    expect(one(recorded, 'aws:lambda/functionUrl:FunctionUrl').inputs).toEqual({ functionName: FUNCTION, authorizationType: 'NONE', invokeMode: 'RESPONSE_STREAM' });
    expect(ofType(recorded, 'aws:lambda/permission:Permission').map((p) => p.inputs)).toEqual([
      { function: FUNCTION, action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE' },
      { function: FUNCTION, action: 'lambda:InvokeFunction', principal: '*', invokedViaFunctionUrl: true },
    ]);
    expect(await valueOf(gateway.url)).toBe(FUNCTION_URL.replace(/\/$/, ''));
  });

  it('function URL: AWS_IAM (the default) has no public permission', async () => {
    await deployTutorial();
    expect(one(recorded, 'aws:lambda/functionUrl:FunctionUrl').inputs).toEqual({ functionName: FUNCTION, authorizationType: 'AWS_IAM', invokeMode: 'RESPONSE_STREAM' });
    expect(ofType(recorded, 'aws:lambda/permission:Permission')).toEqual([]);
  });

  it('outputs: url and the names of what the gateway created', async () => {
    const { gateway, backend } = await deployTutorial();
    expect(await valueOf(gateway.url)).toBe('https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws');
    expect(await valueOf(gateway.tableName)).toBe(TABLE);
    expect(await valueOf(gateway.functionName)).toBe(FUNCTION);
    expect(await valueOf(gateway.roleName)).toBe(FUNCTION);
    expect(await valueOf(gateway.logGroupName)).toBe(LOG_GROUP);
    expect(await valueOf(gateway.name)).toBe('agentgateway-openshell');
    expect(await valueOf(backend.secretNames)).toEqual(['anthropic-secret']);
    expect(gateway.resource).toBeUndefined();
  });
});

describe('aws: the key stays secret', () => {
  it('appears only in secret inputs; never in the environment, items, policies or outputs', async () => {
    const { gateway, backend, policy, route } = await deployTutorial({ authType: 'NONE' });
    let secretUses = 0;
    for (const r of recorded) {
      for (const [field, value] of Object.entries(r.inputs)) {
        const text = JSON.stringify(plain(value)) ?? '';
        if (isSecretInput(value)) secretUses += text.includes(KEY) ? 1 : 0;
        else expect(text, `${r.type} ${r.name} ${field}`).not.toContain(KEY);
      }
    }
    expect(secretUses).toBe(1); // the secret version
    const outputs: Array<pulumi.Output<unknown> | undefined> = [
      gateway.url,
      gateway.name,
      gateway.manifest,
      gateway.tableName,
      gateway.functionName,
      backend.manifest,
      backend.name,
      backend.secretNames,
      policy.manifest,
      route.manifest,
    ];
    for (const output of outputs) {
      expect(await pulumi.isSecret(output!)).toBe(false);
      expect(JSON.stringify(await valueOf(output))).not.toContain(KEY);
    }
  });

  it('a key given as a plain string is still stored as a secret', async () => {
    const gateway = new c.Gateway('plain-key', { platform: 'aws' });
    const backend = new c.Backend('b', { gateway, ai: { provider: { openai: {} } }, policies: { auth: { key: 'sk-plain-string' } } });
    await settle(gateway.urn, backend.urn);
    const version = one(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    expect(isSecretInput(version.inputs.secretString)).toBe(true);
    expect(JSON.stringify(items())).not.toContain('sk-plain-string');
  });
});
