/**
 * The adversarial cases that hold on the Lambda too, through the real bundle (dist/handler.mjs),
 * config items in dynalite and keys in a loopback Secrets Manager: keys quoted by an upstream
 * never reach the client or the JSON log, paths are normalised before routing, an empty 200
 * stream fails over, a forged model name is a 400.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { SECRET_ARN_ANNOTATION } from '../../functions/config/secrets-manager.js';
import { configItem } from '../../functions/state/table-layout.js';
import { adversarialManifests, CHAT_BODY, MESSAGES_BODY, type Obj } from '../support/adversarial.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { openAIAnswer, quoting, startHostile, type Hostile, type HostileCall } from '../support/hostile-upstream.js';
import { functionUrlEvent, captureHandlerOutput, installAwsLambdaGlobal, invoke, useLambdaEnv, type StreamingHandler } from '../support/lambda-runtime.js';

const TABLE = 'modelgate-adversarial-lambda';
const HANDLER = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
const AZURE_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const AZURE_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:modelgate/azure-AbCdEf';
const EMPTY_KEY = 'key-empty-stream';
const EMPTY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:modelgate/empty-AbCdEf';
const OK_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:modelgate/ok-AbCdEf';

function behave(call: HostileCall, res: ServerResponse): void {
  if (call.key === AZURE_KEY) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: '401', message: quoting(call.key) } }));
    return;
  }
  if (call.key === EMPTY_KEY) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: [DONE]\n\n');
    return;
  }
  openAIAnswer(call, res, 'a real answer');
}

let db: Dynalite;
let sm: FakeSecretsManager;
let hostile: Hostile;
let handler: StreamingHandler;
let output: ReturnType<typeof captureHandlerOutput> | undefined;
const logs: string[] = [];

const provider = (name: string, kind: string, secret: string, settings: Obj): Obj => ({
  name,
  [kind]: settings,
  host: '127.0.0.1',
  port: hostile.port,
  policies: { auth: { secretRef: { name: secret } } },
});
const secret = (name: string, arn: string): Obj => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'adv', annotations: { [SECRET_ARN_ANNOTATION]: arn } } });

beforeAll(async () => {
  db = await startDynalite([TABLE]);
  hostile = await startHostile(behave);
  sm = await startFakeSecretsManager({
    [AZURE_ARN]: JSON.stringify({ Authorization: AZURE_KEY }),
    [EMPTY_ARN]: JSON.stringify({ Authorization: EMPTY_KEY }),
    [OK_ARN]: JSON.stringify({ Authorization: 'key-ok-0123' }),
  });
  const ok = provider('ok', 'openai', 'ok-key', { model: 'gpt-ok' });
  const text = adversarialManifests(
    [
      { name: 'azure', groups: [[provider('az', 'azureopenai', 'azure-key', { endpoint: 'x.openai.azure.com', deploymentName: 'dep' })]] },
      { name: 'v1', groups: [[provider('empty', 'openai', 'empty-key', { model: 'gpt-empty' })], [ok]], matches: [{ path: { type: 'PathPrefix', value: '/v1' } }] },
    ],
    [secret('azure-key', AZURE_ARN), secret('empty-key', EMPTY_ARN), secret('ok-key', OK_ARN)],
  );
  const { objects } = parseManifests([{ name: 'adversarial.yaml', text }]);
  const client = db.client();
  for (const o of objects) await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o) }));
  useLambdaEnv(TABLE, { dynamodb: db.endpoint, secretsManager: sm.url });
  installAwsLambdaGlobal();
  output = captureHandlerOutput(logs);
  handler = ((await import(`${HANDLER}?instance=adversarial`)) as { handler: StreamingHandler }).handler;
});

afterAll(async () => {
  output?.restore();
  await hostile?.close();
  await sm?.close();
  await db?.close();
});

describe('the Lambda handler, attacked', () => {
  for (const [api, path, body] of [
    ['chat', '/azure/v1/chat/completions', CHAT_BODY],
    ['messages', '/azure/v1/messages', MESSAGES_BODY],
  ] as const) {
    for (const stream of [false, true]) {
      it(`${api}, ${stream ? 'streaming' : 'buffered'}: an upstream quoting an Azure key gets it redacted`, async () => {
        const res = await invoke(handler, functionUrlEvent('POST', path, { ...body, stream }));
        expect(hostile.calls.at(-1)!.key).toBe(AZURE_KEY);
        expect(res.statusCode).toBe(401);
        expect(res.body).toContain('[redacted]');
        expect(res.body).not.toContain(AZURE_KEY);
      });
    }
  }

  it('the JSON log holds no key', () => {
    expect(logs.join('')).toMatch(/"event":"request"/);
    expect(logs.join('')).not.toContain(AZURE_KEY);
  });

  it('routes on the normalised path: /azure/../v1 is served by /v1, an encoded slash is a 400', async () => {
    const res = await invoke(handler, functionUrlEvent('POST', '/azure/../v1/chat/completions', CHAT_BODY));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-modelgate-provider']).toBe('ok');
    const encoded = await invoke(handler, functionUrlEvent('POST', '/v1/chat%2Fcompletions', CHAT_BODY));
    expect(encoded.statusCode).toBe(400);
    expect(JSON.parse(encoded.body)).toMatchObject({ error: { code: 'invalid_path' } });
  });

  it('a 200 stream of only [DONE] fails over to the next group', async () => {
    const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT_BODY, stream: true }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-modelgate-attempts']).toBe('empty:malformed,ok:200');
    expect(res.body).toContain('a real answer');
  });

  it('a model with CR/LF is a 400', async () => {
    const res = await invoke(handler, functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT_BODY, model: 'a\r\nb' }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { param: 'model' } });
  });
});
