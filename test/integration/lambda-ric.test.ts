/**
 * The real Lambda bundle (dist/handler.mjs) under AWS's own Node.js Runtime Interface Client
 * (aws-lambda-ric, the code inside the managed nodejs runtimes), spawned as Lambda spawns it
 * against a Runtime API on loopback (test/support/runtime-api.ts). lambda-handler.test.ts checks
 * the same bundle through our stand-in of the `awslambda` global; here AWS's code provides the
 * global, the response stream and the wire, so our reading of the response-streaming contract
 * is checked against theirs: the prelude and its NUL delimiter, chunked streaming, the request id
 * and deadline taken from the Runtime API's headers, and that bad events never fail the runtime.
 *
 * aws-lambda-ric is not a dependency (its native build needs cmake and a C++ compiler and takes a
 * minute of every `npm ci`): .ci/run installs it; without it this suite is skipped in one line.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HANDLER_CHUNKS_DIR, HANDLER_ENTRY, HANDLER_FILE } from '../../functions/bundle.js';
import { parseManifests } from '../../functions/config/manifests.js';
import { SECRET_ARN_ANNOTATION } from '../../functions/config/secrets-manager.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem } from '../../functions/state/table-layout.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { functionUrlEvent } from '../support/lambda-runtime.js';
import { tutorialAgainst, TUTORIAL_ENV } from '../support/manifests.js';
import {
  decodeHttpIntegration,
  describeWithRic,
  HTTP_INTEGRATION_CONTENT_TYPE,
  spawnRic,
  startRuntimeApi,
  type Invocation,
  type RicProcess,
  type RuntimeApi,
} from '../support/runtime-api.js';

const TABLE = 'modelgate-ric-test';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:modelgate/anthropic-AbCdEf';
const KEY = 'sk-ant-api03-ric-test-key-0123456789';
const BUNDLE = fileURLToPath(new URL(`../../dist/${HANDLER_FILE}`, import.meta.url));
/** Between upstream stream events, so a response that streams is seen to arrive over time. */
const PACE_MS = 25;

const CHAT = {
  messages: [
    { role: 'system', content: 'You are a skilled cloud-native network engineer.' },
    { role: 'user', content: 'Write me a paragraph containing the best way to think about Istio Ambient Mesh' },
  ],
};

/**
 * A relay in front of the simulator that passes each event of an event stream on PACE_MS after
 * the previous one (the simulator writes a whole stream at once, a real model does not), and
 * passes a broken upstream connection on as a broken one.
 */
async function startPacer(target: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (!String(upRes.headers['content-type'] ?? '').includes('text/event-stream')) {
        upRes.pipe(res);
        return;
      }
      let pending = '';
      let chain = Promise.resolve();
      const paced = (text: string) => {
        chain = chain.then(async () => {
          await new Promise((r) => setTimeout(r, PACE_MS));
          if (!res.destroyed) res.write(text);
        });
      };
      upRes.on('data', (b: Buffer) => {
        pending += b.toString('utf8');
        for (let cut = pending.indexOf('\n\n'); cut >= 0; cut = pending.indexOf('\n\n')) {
          paced(pending.slice(0, cut + 2));
          pending = pending.slice(cut + 2);
        }
      });
      upRes.on('end', () => void chain.then(() => res.end(pending)));
      // The upstream broke off mid-stream: so does the relay, once what came before has been passed on.
      upRes.on('aborted', () => void chain.then(() => res.destroy()));
      upRes.on('error', () => void chain.then(() => res.destroy()));
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let db: Dynalite | undefined;
let sim: Simulator | undefined;
let pacer: Awaited<ReturnType<typeof startPacer>> | undefined;
let sm: FakeSecretsManager | undefined;
let api: RuntimeApi | undefined;
let ric: RicProcess | undefined;
let taskRoot: string | undefined;

/** The runtime's output, for a failure's message. */
const ricOutput = () => `\n--- RIC stdout ---\n${ric?.stdout.join('').slice(-3000)}\n--- RIC stderr ---\n${ric?.stderr.join('').slice(-3000)}`;
/** The handler's JSON log lines (its logger writes them to stderr, as in Lambda). */
const jsonLines = (chunks: string[]) =>
  chunks
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Invokes through the RIC; a failure says what the runtime printed. */
async function invoke(event: unknown, options?: Parameters<RuntimeApi['invoke']>[1]): Promise<Invocation> {
  try {
    return await api!.invoke(event, options);
  } catch (error) {
    throw new Error(`${(error as Error).message}${ricOutput()}`);
  }
}

/** What every streamed answer of the RIC looks like on the wire, whatever the handler wrote. */
function expectStreamingPost(inv: Invocation) {
  const { post } = inv;
  expect(post.kind).toBe('response');
  expect(post.requestLine).toBe(`POST /2018-06-01/runtime/invocation/${inv.requestId}/response HTTP/1.1`);
  expect(post.headers['lambda-runtime-function-response-mode']).toBe('streaming');
  expect(post.headers['transfer-encoding']).toBe('chunked');
  expect(post.headers['content-type']).toBe(HTTP_INTEGRATION_CONTENT_TYPE);
  expect(post.rawHeaders.filter(([k]) => k.toLowerCase() === 'trailer').map(([, v]) => v)).toEqual(['Lambda-Runtime-Function-Error-Type', 'Lambda-Runtime-Function-Error-Body']);
  // Declared, never sent: the handler answered every request and threw nothing out to the runtime.
  expect(post.trailers).toEqual({});
}

const sseData = (body: string) =>
  body
    .split('\n\n')
    .flatMap((f) => f.split('\n'))
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));

describeWithRic("the Lambda bundle under AWS's Runtime Interface Client", () => {
  beforeAll(async () => {
    db = await startDynalite([TABLE]);
    sim = await startSimulator();
    pacer = await startPacer(sim.port);
    sm = await startFakeSecretsManager({ [SECRET_ARN]: JSON.stringify({ Authorization: KEY }) });
    // The tutorial's objects as the components write them, the providers behind the pacer.
    const objects = parseManifests([{ name: 'tutorial.yaml', text: tutorialAgainst(pacer.port) }], TUTORIAL_ENV).objects.map((o) =>
      o.kind === 'Secret' ? { apiVersion: 'v1', kind: 'Secret', metadata: { ...o.metadata, annotations: { [SECRET_ARN_ANNOTATION]: SECRET_ARN } } } : o,
    );
    const client = db.client();
    for (const o of objects) await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(o as ManifestObject) }));

    // The task root holds the bundle alone, as the deployed zip does: the bundle must need nothing
    // beside it. A copy, too, so a concurrent rebuild of dist/ cannot change it under the runtime.
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: the global setup builds it`);
    taskRoot = mkdtempSync(join(tmpdir(), 'modelgate-ric-'));
    copyFileSync(BUNDLE, join(taskRoot, HANDLER_FILE));
    // What the handler loads on first use sits beside it, as the components deploy it.
    cpSync(join(dirname(BUNDLE), HANDLER_CHUNKS_DIR), join(taskRoot, HANDLER_CHUNKS_DIR), { recursive: true });

    api = await startRuntimeApi();
    ric = spawnRic({
      runtimeApi: api.address,
      taskRoot,
      handler: HANDLER_ENTRY,
      env: {
        MODELGATE_TABLE: TABLE,
        MODELGATE_STATE_STALENESS_MS: '0',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_SESSION_TOKEN: 'test',
        AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
      },
    });
    // A runtime that dies fails what is pending at once, with its output, instead of a timeout.
    void ric.exited.then(({ code, signal }) => api?.abort(new Error(`the runtime exited (code ${code}, signal ${signal})`)));
    try {
      await Promise.race([api.ready(20_000), ric.exited.then(({ code, signal }) => Promise.reject(new Error(`the runtime exited during init (code ${code}, signal ${signal})`)))]);
    } catch (error) {
      throw new Error(`${(error as Error).message}${ricOutput()}`);
    }
  }, 40_000);

  afterAll(async () => {
    await ric?.stop();
    await api?.close();
    await pacer?.close();
    await sim?.close();
    await sm?.close();
    await db?.close();
    if (taskRoot) rmSync(taskRoot, { recursive: true, force: true });
  });

  it('answers a buffered chat completion: the prelude carries status and served-by headers, the request id comes from the Runtime API', async () => {
    const inv = await invoke(functionUrlEvent('POST', '/v1/chat/completions', CHAT), { requestId: 'ric-buffered-1' });
    expectStreamingPost(inv);
    const res = decodeHttpIntegration(inv.post);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-modelgate-attempts']).toBe('anthropic-opus-46:404,anthropic-sonnet-46:200');
    expect(res.headers['x-modelgate-provider']).toBe('anthropic-sonnet-46');
    expect(res.headers['x-modelgate-model']).toBe('claude-sonnet-4-6');
    expect(JSON.parse(res.body).choices[0].message.content).toContain('Istio Ambient Mesh');
    // The body starts with the prelude, then the 8 NULs: as the RIC's HttpResponseStream writes them.
    expect(inv.post.body.subarray(0, 1).toString()).toBe('{');
    expect(inv.post.body.indexOf(Buffer.alloc(8))).toBeGreaterThan(0);
    expect(sim!.calls.at(-1)!.headers['x-api-key']).toBe(KEY);
    // context.awsRequestId is the Lambda-Runtime-Aws-Request-Id the native client read. (Log
    // lines are written in batches, and pass through a pipe: they may trail the response a little.)
    await expect.poll(() => jsonLines(ric!.stderr), { timeout: 2_000 }).toContainEqual(expect.objectContaining({ event: 'request', requestId: 'ric-buffered-1', status: 200 }));
    // EMF documents reach stdout as bare JSON lines: the RIC rewrites console.*, not process.stdout.
    await expect.poll(() => jsonLines(ric!.stdout), { timeout: 2_000 }).toContainEqual(expect.objectContaining({ Backend: 'agentgateway-system/anthropic', Requests: 1 }));
    expect([...ric!.stdout, ...ric!.stderr].join('')).not.toContain(KEY);
  });

  it('streams a chat completion chunk by chunk over time, ending with data: [DONE]', async () => {
    const inv = await invoke(functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT, stream: true }));
    expectStreamingPost(inv);
    const res = decodeHttpIntegration(inv.post);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-modelgate-provider']).toBe('anthropic-sonnet-46');
    // Several chunks, arriving at the Runtime API as the upstream produced them, not one blob at the end.
    expect(res.chunks.length).toBeGreaterThan(3);
    expect(res.chunks.at(-1)!.at - res.chunks[0]!.at).toBeGreaterThanOrEqual(3 * PACE_MS);
    expect(new Set(res.chunks.map((c) => c.at)).size).toBeGreaterThan(3);
    expect(res.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const text = sseData(res.body)
      .filter((d) => d !== '[DONE]')
      .map((d) => (JSON.parse(d) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '')
      .join('');
    expect(text).toContain('playing claude-sonnet-4-6');
  });

  it("streams a Messages request in Anthropic's events, chunk by chunk", async () => {
    const inv = await invoke(functionUrlEvent('POST', '/v1/messages', { model: 'x', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Hello there' }] }));
    expectStreamingPost(inv);
    const res = decodeHttpIntegration(inv.post);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-modelgate-model']).toBe('claude-sonnet-4-6');
    expect(res.chunks.length).toBeGreaterThan(3);
    expect(res.chunks.at(-1)!.at - res.chunks[0]!.at).toBeGreaterThanOrEqual(3 * PACE_MS);
    const events = res.body
      .split('\n\n')
      .filter((b) => b.trim() !== '')
      .map((b) =>
        b
          .split('\n')
          .find((l) => l.startsWith('event: '))
          ?.slice(7),
      );
    expect(events[0]).toBe('message_start');
    expect(events).toContain('content_block_delta');
    expect(events.at(-1)).toBe('message_stop');
    const text = sseData(res.body)
      .map((d) => JSON.parse(d) as { type: string; delta?: { text?: string } })
      .filter((d) => d.type === 'content_block_delta')
      .map((d) => d.delta?.text ?? '')
      .join('');
    expect(text).toContain('playing claude-sonnet-4-6');
  });

  it('answers an unknown route with a 404 in the OpenAI error shape', async () => {
    const inv = await invoke(functionUrlEvent('GET', '/v2/nothing'));
    expectStreamingPost(inv);
    const res = decodeHttpIntegration(inv.post);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: expect.objectContaining({ message: expect.any(String), type: expect.any(String) }) });
  });

  it('answers events that are not function URL events with a 400, and the same runtime serves on', async () => {
    const polls = api!.polls();
    for (const event of [null, 'text', 42, [], { rawPath: 7 }]) {
      const inv = await invoke(event);
      expectStreamingPost(inv);
      const res = decodeHttpIntegration(inv.post);
      expect(res.statusCode, JSON.stringify(event)).toBe(400);
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_event' });
    }
    const after = await invoke(functionUrlEvent('GET', '/v1/models'));
    expect(decodeHttpIntegration(after.post).statusCode).toBe(200);
    // One process throughout, polling again after each answer: no /error, no restart.
    expect(ric!.alive()).toBe(true);
    expect(api!.polls()).toBeGreaterThanOrEqual(polls + 6);
  });

  it('cuts upstream calls before the deadline the Runtime API gave (Lambda-Runtime-Deadline-Ms)', async () => {
    sim!.setFaults(() => ({ kind: 'hang' }));
    try {
      const inv = await invoke(functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT, model: 'x' }), { timeoutMs: 2_500 });
      expect(inv.ms).toBeLessThan(2_500);
      const res = decodeHttpIntegration(inv.post);
      expect(res.statusCode).toBe(504);
      expect(JSON.parse(res.body).error.type).toBe('timeout_error');
    } finally {
      sim!.setFaults(() => undefined);
    }
  });

  it('ends a stream the upstream broke off after content with an error event, not a runtime error', async () => {
    sim!.setFaults(() => ({ kind: 'stream-break', afterEvents: 5 }));
    try {
      const inv = await invoke(functionUrlEvent('POST', '/v1/chat/completions', { ...CHAT, stream: true }));
      // The stream was already under way, so its status stands; the break is told in the body.
      expectStreamingPost(inv);
      const res = decodeHttpIntegration(inv.post);
      expect(res.statusCode).toBe(200);
      const data = sseData(res.body);
      expect(JSON.parse(data.at(-1)!).error).toMatchObject({ type: expect.any(String) });
      expect(data).not.toContain('[DONE]');
    } finally {
      sim!.setFaults(() => undefined);
    }
  });

  it('never reported an error to the Runtime API, and the runtime stops when told', async () => {
    expect(api!.posts.filter((p) => p.kind !== 'response')).toEqual([]);
    expect(api!.posts.every((p) => Object.keys(p.trailers).length === 0)).toBe(true);
    expect(ric!.stdout.join('')).not.toMatch(/Invoke Error|Init Error/);
    await ric!.stop();
    expect(ric!.alive()).toBe(false);
  });
});
