/**
 * The Lambda bundle and the config items' validated copies (config/validated-copy.ts), each run a
 * cold process of its own (test/support/lambda-once.ts) against dynalite and the simulated
 * provider: items a component wrote for this build are taken as they are and the validator (zod)
 * is never loaded; for another build, or with an item changed since it was written, the validator
 * loads, the object itself is what is served, and an invalid one is refused naming its field.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ENV, HANDLER_FILE } from '../../functions/bundle.js';
import { validatedConfigItem } from '../../functions/config/validated-item.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { backendRef, gateway, route, rule } from '../support/manifests.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HANDLER = pathToFileURL(`${ROOT}dist/${HANDLER_FILE}`).href;
const BUILD = 'build-under-test';
const TABLES = ['copies-taken', 'copies-edited', 'copies-invalid'];

let db: Dynalite;
let sim: Simulator;

function objects(port: number, model = 'gpt-copy'): ManifestObject[] {
  return [
    gateway('gw', { namespace: 'copies' }),
    {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: 'llm', namespace: 'copies' },
      spec: { ai: { provider: { host: '127.0.0.1', port, openai: { model } } }, policies: { auth: { key: 'sk-test-copies-0123456789' } } },
    },
    route('route', [rule([backendRef('llm')])], { namespace: 'copies', parents: [{ name: 'gw' }] }),
  ] as unknown as ManifestObject[];
}

async function write(table: string, items: Array<Record<string, { S: string }>>): Promise<void> {
  const client = db.client();
  for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
}

/** One cold handler process on `table`: the answer to one chat request, whether zod loaded, and its log lines. */
function coldRequest(table: string, build: string | undefined): Promise<{ status: number; body: string; validatorLoaded: boolean; logs: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [HANDLER_ENV.table]: table,
    [HANDLER_ENV.stateStalenessMs]: '0',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
  };
  delete env[HANDLER_ENV.configBuild];
  if (build !== undefined) env[HANDLER_ENV.configBuild] = build;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/support/lambda-once.ts', HANDLER, '/v1/chat/completions'],
      { cwd: ROOT, env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        resolve({ ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: number; body: string; validatorLoaded: boolean }), logs: stderr });
      },
    );
  });
}

beforeAll(async () => {
  db = await startDynalite(TABLES);
  sim = await startSimulator({ faults: () => undefined });
  await write(
    'copies-taken',
    objects(sim.port).map((o) => validatedConfigItem(o, BUILD)),
  );

  // Written for this build, then the Backend's object edited (another model) and its copy left as it was.
  const edited = objects(sim.port).map((o) => validatedConfigItem(o, BUILD));
  const backend = edited[1]![CONFIG_ATTRIBUTE]!;
  backend.S = backend.S.replace('gpt-copy', 'gpt-edited');
  await write('copies-edited', edited);

  // The same, edited into an object that does not validate.
  const invalid = objects(sim.port).map((o) => validatedConfigItem(o, BUILD));
  const broken = invalid[1]![CONFIG_ATTRIBUTE]!;
  broken.S = broken.S.replace('"model":"gpt-copy"', '"model":42');
  await write('copies-invalid', invalid);
}, 30_000);

afterAll(async () => {
  await sim?.close();
  await db?.close();
});

describe('the Lambda handler and the validated copies of its config items', () => {
  it('items validated for its build: served, and the validator is never loaded', async () => {
    const r = await coldRequest('copies-taken', BUILD);
    expect(r.status, r.logs).toBe(200);
    expect(JSON.parse(r.body).model).toBe('gpt-copy');
    expect(r.validatorLoaded).toBe(false);
  }, 40_000);

  it('without its build, or another build: the items are validated (the validator loads) and served the same', async () => {
    for (const build of [undefined, 'another-build']) {
      const r = await coldRequest('copies-taken', build);
      expect(r.status, r.logs).toBe(200);
      expect(JSON.parse(r.body).model).toBe('gpt-copy');
      expect(r.validatorLoaded).toBe(true);
    }
  }, 40_000);

  it('an item edited after it was written: its object is validated and served, not its stale copy', async () => {
    const r = await coldRequest('copies-edited', BUILD);
    expect(r.status, r.logs).toBe(200);
    expect(JSON.parse(r.body).model).toBe('gpt-edited');
    expect(r.validatorLoaded).toBe(true);
  }, 40_000);

  it('an item edited into an invalid object: refused, the log naming the field; its stale copy is not used', async () => {
    const r = await coldRequest('copies-invalid', BUILD);
    expect(r.validatorLoaded).toBe(true);
    expect(r.logs).toContain('item AgentgatewayBackend#copies/llm: AgentgatewayBackend llm: spec.ai.provider.openai.model');
    // No backend: the route's reference is refused, so nothing answers with the stale copy's model.
    expect(r.body).not.toContain('gpt-copy');
    expect(r.status).toBeGreaterThanOrEqual(400);
  }, 40_000);
});
