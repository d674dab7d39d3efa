/**
 * `modelgate status --state-table NAME`: what every process and Lambda instance on a table sees,
 * read from the DynamoDB eviction items directly (dynalite on loopback), with the backends taken
 * from -f files or from the config items in the same table.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { configItem } from '../../functions/state/table-layout.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, post } from '../support/adversarial.js';
import { CLI, ROOT, serve, stop, type Served } from '../support/cli.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { openAIAnswer, startHostile, type Hostile, type HostileCall } from '../support/hostile-upstream.js';

const TABLE = 'modelgate-status-table';

let db: Dynalite;
let hostile: Hostile;
let served: Served;
let file: string;
let text: string;
let env: NodeJS.ProcessEnv;

function behave(call: HostileCall, res: ServerResponse): void {
  if (call.key === 'key-down-0123') {
    res.writeHead(503, { 'content-type': 'application/json' });
    return void res.end('{"error":{"message":"overloaded"}}');
  }
  openAIAnswer(call, res, 'ok');
}

/** Runs `modelgate status …` with the table's endpoint in its environment. */
function status(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'status', ...args], { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  db = await startDynalite([TABLE]);
  hostile = await startHostile(behave);
  env = { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_DYNAMODB: db.endpoint };
  text = adversarialManifests([
    {
      name: 'llm',
      groups: [
        [loopbackProvider('down', 'openai', hostile.port, 'key-down-0123', { model: 'gpt-down' })],
        [loopbackProvider('up', 'openai', hostile.port, 'key-up-0123', { model: 'gpt-up' })],
      ],
      backendPolicy: { health: { eviction: { duration: '1h' } } },
    },
  ]);
  file = manifestFile(text);
  served = await serve(['-f', file, '--port', '0', '--state-table', TABLE, '--admin-port', '0', '--metrics-port', '0', '--readiness-port', '0'], undefined, env);
  const res = await post(`${served.url}/llm/v1/chat/completions`, CHAT_BODY);
  expect(res.headers.get('x-modelgate-attempts')).toBe('down:503,up:200');
});

afterAll(async () => {
  await stop(served);
  await hostile?.close();
  await db?.close();
});

describe('modelgate status --state-table', () => {
  it('with the backends from -f: the evicted provider and the serving one', async () => {
    const { code, output } = await status(['--state-table', TABLE, '-f', file]);
    expect(code).toBe(0);
    expect(output).toMatch(/backend adv\/llm/);
    expect(output).toMatch(/\bdown\s+evicted until \d{4}-\d\d-\d\dT/);
    expect(output).toMatch(/\bup\s+serving/);
  });

  it('with the backends from the config items in the table, as the Lambda reads them', async () => {
    const client = db.client();
    for (const o of parseManifests([{ name: 'm.yaml', text }]).objects) await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o) }));
    const { code, output } = await status(['--state-table', TABLE]);
    expect(code).toBe(0);
    expect(output).toMatch(/\bdown\s+evicted until/);
    expect(output).not.toContain('key-down-0123');
  });

  it('no admin endpoint to ask: one line saying what to do', async () => {
    const { code, output } = await status(['--admin', 'http://127.0.0.1:1']);
    expect(code).toBe(1);
    expect(output).toMatch(/no modelgate admin endpoint at http:\/\/127\.0\.0\.1:1/);
  });
});
