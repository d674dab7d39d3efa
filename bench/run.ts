/**
 * `npm run bench [-- --quick] [-- --skip-peer] [-- --no-build] [-- --instructions]`: what the gateway costs, measured against a direct
 * call to the same fake upstream in the same run, and against a peer gateway (Portkey).
 * Writes bench/results/report.md, latency.svg and results.json; prints the report.
 *
 * Every process binds 127.0.0.1 only. Counts and time are bounded; `--quick` keeps the whole run
 * under a minute (after the peer's one-time install).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseManifests } from '../functions/config/manifests.js';
import { Engine } from '../functions/engine/engine.js';
import { compileConfig } from '../functions/model/compile.js';
import { DynamoDBStore } from '../functions/state/dynamodb.js';
import { validatedConfigItem } from '../functions/config/validated-item.js';
import { HANDLER_ENV } from '../functions/bundle.js';
import { ensureTable } from '../functions/state/table.js';
import { cdfChart } from './chart.js';
import { coldStartBytes } from '../scripts/cold-start-files.mjs';
import { instructionsGoalLines, instructionsReport, instructionsScenario, type InstructionsResult } from './instructions.js';
import { hedgingReport, hedgingScenario, type HedgingRow } from './hedging.js';
import { buildSdkBaseline, buildSdkInitBaseline } from './processes/lambda-sdk-baseline.mjs';
import { BENCH_BUILD, lambdaStreamsReport, lambdaStreamsScenario, streamsReport, streamsScenario, type LambdaStreamsResult, type StreamsResult } from './streams.js';
import { BENCH_GATEWAY, interleaved, start, summarize, throughputTakingTurns, timedRequest, type Proc, type Summary, type Target, type Timing } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = `${ROOT}bench/results`;
const PEER_DIR = `${ROOT}bench/.peer`;
const PEER_VERSION = '1.15.2';
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const SKIP_PEER = args.has('--skip-peer');
// Instructions per request under callgrind: a few minutes more, and valgrind on the machine.
const INSTRUCTIONS = args.has('--instructions');

const COUNTS = QUICK
  ? {
      warmup: 300,
      latency: 150,
      throughput: 300,
      concurrency: [1, 16, 64],
      seconds: 6,
      coldImports: 3,
      lambdaRequests: 300,
      ops: 20,
      hedging: 60,
      streams: 200,
      streamMs: 3_000,
      lambdaStreams: 50,
      instructionsWarmup: 300,
      instructions: 100,
    }
  : {
      warmup: 2_000,
      latency: 2_000,
      throughput: 4_000,
      concurrency: [1, 16, 64],
      seconds: 60,
      coldImports: 10,
      lambdaRequests: 3_000,
      ops: 100,
      hedging: 300,
      streams: 2_000,
      streamMs: 10_000,
      lambdaStreams: 200,
      // The optimizing compiler must have settled before the count: natively it still compiles a few
      // functions between requests 6,000 and 9,000, and after a warm-up of 6,000 one build's count
      // varied by 13 % between runs; after 15,000, by 0.6 %.
      instructionsWarmup: 15_000,
      instructions: 1_000,
    };

const MESSAGES = [{ role: 'user', content: 'Say something short.' }];
/**
 * A conversation the size real ones reach (200 turns, 125 KB): costs that grow with the body (parsing
 * it, checking its nesting, serializing it again for the provider) are invisible with the one-line
 * prompt above.
 */
const LONG_MESSAGES = Array.from({ length: 200 }, (_, i) => ({
  role: i % 2 ? 'assistant' : 'user',
  content: 'Some plain words of a longer conversation, with a "quote" now and then. '.repeat(8),
}));
const LONG_SCENARIO = 'buffered, 125 KB conversation';
/** The bare proxy with undici's pool as its upstream client (bench/processes/bare-proxy-undici.mjs). */
const SECOND_FLOOR = 'bare proxy, undici client (second floor)';
const FLOOR = 'bare Node proxy (floor)';
/** The same bare proxy failing over once (its /failover path): the floor of the failover path. */
const FAILOVER_FLOOR = 'bare Node proxy failover (floor)';
const TABLE = 'modelgate-bench';

function manifests(upstreamPort: number): string {
  const provider = (name: string, model: string) => `
          - name: ${name}
            openai: { model: ${model} }
            host: 127.0.0.1
            port: ${upstreamPort}
            policies: { auth: { key: sk-bench } }`;
  return `
${BENCH_GATEWAY}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: single }
spec:
  ai:
    groups:
      - providers:${provider('ok', 'bench-model')}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: failover }
spec:
  ai:
    groups:
      - providers:${provider('limited', 'rate-limited')}
      - providers:${provider('ok', 'bench-model')}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bench }
spec:
  parentRefs: [{ name: bench }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /single } }]
      backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: single }]
    - matches: [{ path: { type: PathPrefix, value: /failover } }]
      backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: failover }]
`;
}

const body = (model?: string) => (stream: boolean) => JSON.stringify({ ...(model && { model }), messages: MESSAGES, stream });
const longBody = (model?: string) => (stream: boolean) => JSON.stringify({ ...(model && { model }), messages: LONG_MESSAGES, stream });

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.versions.node}`;
}

async function installPeer(): Promise<string | undefined> {
  const entry = `${PEER_DIR}/node_modules/@portkey-ai/gateway/build/start-server.js`;
  if (existsSync(entry)) return entry;
  console.error('bench: installing @portkey-ai/gateway into bench/.peer (once; not a project dependency)');
  mkdirSync(PEER_DIR, { recursive: true });
  try {
    // @hono/node-server newer than 1.14.2 makes Portkey answer every streamed or mapped response
    // with a 500 ("TypeError: immutable", Portkey-AI/gateway#1389): pin the version it works with.
    writeFileSync(
      `${PEER_DIR}/package.json`,
      JSON.stringify({ private: true, dependencies: { '@portkey-ai/gateway': PEER_VERSION }, overrides: { '@hono/node-server': '1.14.2' } }),
    );
    execFileSync('npm', ['install', '--prefix', PEER_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit', timeout: 180_000 });
  } catch (error) {
    console.error(`bench: could not install the peer gateway (${(error as Error).message}); its columns stay empty`);
    return undefined;
  }
  return existsSync(entry) ? entry : undefined;
}

const procs: Proc[] = [];
async function launch(...a: Parameters<typeof start>): Promise<Proc> {
  const p = await start(...a);
  procs.push(p);
  return p;
}

interface LatencyRow {
  scenario: string;
  target: string;
  metric: 'total' | 'ttfb' | 'ttlb';
  summary: Summary;
  added?: Summary;
  ratioP50?: number;
}

async function main() {
  const started = performance.now();
  const stamp = new Date().toISOString();
  // `--no-build`: the test suite runs the quick bench beside tests that read dist/ and lib/, which
  // its setup built already; rebuilding them under those tests made their files vanish mid-read.
  if (!args.has('--no-build')) execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(RESULTS, { recursive: true });

  // --- processes: upstream, dynalite, modelgate (memory), modelgate (DynamoDB), peer
  const upstream = await launch(process.execPath, [`${ROOT}bench/processes/upstream.mjs`, '0'], /^ready (\d+)/);
  const dynalite = await launch(process.execPath, [`${ROOT}bench/processes/dynalite.mjs`, '0'], /^ready (\d+)/);
  const bare = await launch(process.execPath, [`${ROOT}bench/processes/bare-proxy.mjs`, upstream.ready], /^ready (\d+)/);
  // The second floor: the same bare proxy with undici's pool as its upstream client.
  const bareUndici = await launch(process.execPath, [`${ROOT}bench/processes/bare-proxy-undici.mjs`, upstream.ready], /^ready (\d+)/);
  const awsEnv = {
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynalite.ready}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
  const manifestFile = `${RESULTS}/bench-manifests.yaml`;
  writeFileSync(manifestFile, manifests(Number(upstream.ready)));
  const serving = /serving (http:\/\/\S+)/;
  const mg = await launch(process.execPath, [`${ROOT}dist/cli.js`, 'serve', '-f', manifestFile, '--port', '0'], serving);
  const mgDdb = await launch(process.execPath, [`${ROOT}dist/cli.js`, 'serve', '-f', manifestFile, '--port', '0', '--state-table', TABLE, '--create-table'], serving, {
    env: awsEnv,
  });
  const peerEntry = SKIP_PEER ? undefined : await installPeer();
  const peer = peerEntry
    ? await launch(
        process.execPath,
        ['--import', `${ROOT}bench/processes/loopback-only.mjs`, peerEntry, `--port=${await freePort()}`, '--headless'],
        /(?:Gateway|running|ready|http:\/\/localhost:(\d+))/i,
        { env: { NODE_ENV: 'production' }, timeoutMs: 60_000 },
      ).catch((e: Error) => {
        console.error(`bench: the peer gateway did not start: ${e.message.split('\n')[0]}`);
        return undefined;
      })
    : undefined;
  const peerPort = peer ? Number(/--port=(\d+)/.exec(peer.child.spawnargs.join(' '))?.[1]) : 0;
  if (peer) await waitForPort(peerPort);

  const up = `http://127.0.0.1:${upstream.ready}`;
  const portkeyTarget = (host: string) => ({ provider: 'openai', api_key: 'sk-bench', custom_host: `${host}/v1` });
  const targets = {
    direct: { name: 'direct', url: `${up}/v1/chat/completions`, body: body('bench-model') } satisfies Target,
    bare: { name: FLOOR, url: `http://127.0.0.1:${bare.ready}/v1/chat/completions`, body: body('bench-model') } satisfies Target,
    directLong: { name: 'direct', url: `${up}/v1/chat/completions`, body: longBody('bench-model') } satisfies Target,
    bareLong: { name: FLOOR, url: `http://127.0.0.1:${bare.ready}/v1/chat/completions`, body: longBody('bench-model') } satisfies Target,
    modelgateLong: { name: 'modelgate', url: `${mg.ready}/single/v1/chat/completions`, body: longBody() } satisfies Target,
    bareFailover: { name: FAILOVER_FLOOR, url: `http://127.0.0.1:${bare.ready}/failover/v1/chat/completions`, body: body('bench-model') } satisfies Target,
    bareUndici: { name: SECOND_FLOOR, url: `http://127.0.0.1:${bareUndici.ready}/v1/chat/completions`, body: body('bench-model') } satisfies Target,
    modelgate: { name: 'modelgate', url: `${mg.ready}/single/v1/chat/completions`, body: body() } satisfies Target,
    modelgateDdb: { name: 'modelgate+dynamodb', url: `${mgDdb.ready}/single/v1/chat/completions`, body: body() } satisfies Target,
    portkey:
      peer &&
      ({
        name: 'portkey',
        url: `http://127.0.0.1:${peerPort}/v1/chat/completions`,
        headers: { 'x-portkey-config': JSON.stringify(portkeyTarget(up)) },
        body: body('bench-model'),
      } satisfies Target),
    mgFailover: { name: 'modelgate failover', url: `${mg.ready}/failover/v1/chat/completions`, body: body() } satisfies Target,
    portkeyFailover:
      peer &&
      ({
        name: 'portkey fallback',
        url: `http://127.0.0.1:${peerPort}/v1/chat/completions`,
        headers: {
          'x-portkey-config': JSON.stringify({
            strategy: { mode: 'fallback', on_status_codes: [429] },
            targets: [
              { ...portkeyTarget(up), override_params: { model: 'rate-limited' } },
              { ...portkeyTarget(up), override_params: { model: 'bench-model' } },
            ],
          }),
        },
        body: body('bench-model'),
      } satisfies Target),
  };
  const single = [targets.direct, targets.bare, targets.bareUndici, targets.modelgate, targets.modelgateDdb, ...(targets.portkey ? [targets.portkey] : [])];
  const deadline = () => performance.now() + COUNTS.seconds * 1000;
  const notes: string[] = [];

  // A target that cannot stream at all is left out of the streaming rows, with the reason.
  const streaming: Target[] = [];
  for (const t of single) {
    const probe = await timedRequest(t, true);
    if (probe.status === 200) streaming.push(t);
    else
      notes.push(
        `${t.name} answered every streamed request with HTTP ${probe.status}${t.name === 'portkey' ? ` (Portkey ${PEER_VERSION} on Node ${process.versions.node}: "TypeError: immutable" in its response headers, Portkey-AI/gateway#1389 and #1550), so it has no streaming rows` : ''}.`,
      );
  }

  // Warm every path — the JIT of every process (the load generator's too), keep-alive sockets,
  // the DynamoDB cache — then measure. Too short a warm-up measured the JIT, not the gateways.
  await interleaved([...single, targets.bareFailover, targets.mgFailover, ...(targets.portkeyFailover ? [targets.portkeyFailover] : [])], false, COUNTS.warmup, deadline());
  await interleaved(streaming, true, COUNTS.warmup, deadline());
  const long = [targets.directLong, targets.bareLong, targets.modelgateLong];
  await interleaved(long, false, Math.ceil(COUNTS.warmup / 4), deadline());

  console.error('bench: latency, buffered');
  const buffered = await interleaved(single, false, COUNTS.latency, deadline());
  console.error('bench: latency, streaming');
  const streamed = await interleaved(streaming, true, COUNTS.latency, deadline());
  console.error('bench: failover path');
  const failover = await interleaved(
    [targets.direct, targets.bareFailover, targets.mgFailover, ...(targets.portkeyFailover ? [targets.portkeyFailover] : [])],
    false,
    COUNTS.latency,
    deadline(),
  );

  console.error('bench: latency, a long conversation');
  const longConversation = await interleaved(long, false, Math.ceil(COUNTS.latency / 4), deadline());

  const rows: LatencyRow[] = [];
  const addRows = (scenario: string, data: Map<string, Timing[]>, metric: 'total' | 'ttfb' | 'ttlb') => {
    const pick = (t: Timing) => (metric === 'ttfb' ? t.ttfb : t.ttlb);
    const direct = data.get('direct')!;
    for (const [name, timings] of data) {
      const values = timings.map(pick);
      const row: LatencyRow = { scenario, target: name, metric, summary: summarize(values) };
      if (name !== 'direct') {
        // Added latency per pair: request i through the gateway minus direct request i (same block position).
        row.added = summarize(values.map((v, i) => v - pick(direct[i] ?? direct.at(-1)!)));
        row.ratioP50 = row.summary.p50 / summarize(direct.map(pick)).p50;
      }
      rows.push(row);
    }
  };
  addRows('buffered', buffered, 'total');
  addRows('streaming', streamed, 'ttfb');
  addRows('streaming', streamed, 'ttlb');
  addRows('failover (first provider 429)', failover, 'total');
  addRows(LONG_SCENARIO, longConversation, 'total');

  console.error('bench: throughput');
  const tput: Array<{ target: string; concurrency: number; rps: number; errors: number; done: number }> = [];
  for (const c of COUNTS.concurrency) {
    // The targets take turns in short rounds (a second of noise costs one round, not a figure).
    for (const [target, r] of await throughputTakingTurns(single, c, COUNTS.throughput, deadline())) tput.push({ target, concurrency: c, ...r });
  }

  // --- the Lambda bundle: size, cold import, memory under load
  console.error('bench: Lambda bundle');
  // What a cold start loads: the handler and the chunks it imports at start (the rest loads on first use).
  const bundleBytes = coldStartBytes(`${ROOT}dist`);
  const dbClient = new DynamoDBClient({ endpoint: awsEnv.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } });
  const objects = parseManifests([{ name: 'bench.yaml', text: manifests(Number(upstream.ready)) }]).objects;
  await ensureTable(dbClient, `${TABLE}-lambda`);
  // As the components write them: each item with its copy validated for the handler's build, which
  // the function is told (the copies are taken as they are; the validator is not loaded).
  for (const o of objects) await dbClient.send(new PutItemCommand({ TableName: `${TABLE}-lambda`, Item: validatedConfigItem(o, BENCH_BUILD) }));
  const lambdaEnv = { ...awsEnv, MODELGATE_TABLE: `${TABLE}-lambda`, MODELGATE_LOG_LEVEL: 'warn', [HANDLER_ENV.configBuild]: BENCH_BUILD };
  // The baseline: the AWS SDK clients the handler needs, alone, built the same way; its cold imports
  // take turns with the handler's (the order alternating), so the machine's noise hits both alike.
  const sdk = await buildSdkBaseline(`${RESULTS}/lambda-sdk-baseline`);
  // A second reference: the same clients doing at import what the handler does there (constructed,
  // the first config Query sent), so the handler against it is modelgate's own code alone.
  const sdkInit = await buildSdkInitBaseline(`${RESULTS}/lambda-sdk-baseline`);
  const imports: number[] = [];
  const sdkImports: number[] = [];
  const sdkInitImports: number[] = [];
  const firstRequests: number[] = [];
  const coldImport = (file: string, into: number[]) => () => {
    const out = execFileSync(process.execPath, [`${ROOT}bench/processes/lambda-import.mjs`, file], { env: { ...process.env, ...lambdaEnv }, encoding: 'utf8' });
    into.push((JSON.parse(out.trim().split('\n').at(-1)!) as { importMs: number }).importMs);
  };
  // One request after each cold import of the handler: it waits for the config load the import started.
  const coldHandler = () => {
    const out = execFileSync(process.execPath, [`${ROOT}bench/processes/lambda.mjs`, '1', '1'], { env: { ...process.env, ...lambdaEnv }, encoding: 'utf8' });
    const cold = JSON.parse(out.trim().split('\n').at(-1)!) as { importMs: number; firstRequestMs: number };
    imports.push(cold.importMs);
    firstRequests.push(cold.firstRequestMs);
  };
  const turn = [coldHandler, coldImport(sdk.file, sdkImports), coldImport(sdkInit.file, sdkInitImports)];
  // The order rotates each round, so each target goes first, second and third equally often.
  for (let i = 0; i < COUNTS.coldImports; i++) for (let k = 0; k < turn.length; k++) turn[(i + k) % turn.length]!();
  const loadOut = execFileSync(process.execPath, [`${ROOT}bench/processes/lambda.mjs`, String(COUNTS.lambdaRequests), '16'], {
    env: { ...process.env, ...lambdaEnv },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const lambda = JSON.parse(
    loadOut
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{"importMs"'))
      .at(-1)!,
  ) as { importMs: number; rssAfterImportMb: number; rssMaxMb: number; requests: number; errors: number };

  console.error(`bench: ${COUNTS.lambdaStreams} concurrent streams through the Lambda bundle`);
  const lambdaStreams = await lambdaStreamsScenario(ROOT, awsEnv.AWS_ENDPOINT_URL_DYNAMODB, COUNTS.lambdaStreams, COUNTS.streamMs);

  // --- DynamoDB operations per request, counted at the store
  console.error('bench: DynamoDB operations per request');
  const ops = await countDynamoOps(awsEnv.AWS_ENDPOINT_URL_DYNAMODB, Number(upstream.ready));

  for (const p of procs) await p.stop();

  // --- hedging: a heavy-tailed provider before a steady one (its own upstream and gateways)
  console.error('bench: hedging');
  const hedging = await hedgingScenario(ROOT, RESULTS, COUNTS.hedging, 8);

  // --- many streams at once through one serve process (its own upstream and gateway)
  console.error(`bench: ${COUNTS.streams} concurrent streams`);
  const streams = await streamsScenario(ROOT, RESULTS, COUNTS.streams, COUNTS.streamMs, await freePort());

  // --- instructions per request, the floor against modelgate, under callgrind (its own upstream and processes)
  let instructions: InstructionsResult | undefined;
  if (INSTRUCTIONS) {
    console.error('bench: instructions per request (callgrind)');
    instructions = await instructionsScenario(ROOT, RESULTS, COUNTS.instructionsWarmup, COUNTS.instructions);
  }

  // What both the report and results.json carry.
  const figures = {
    stamp,
    machine: machine(),
    quick: QUICK,
    rows,
    tput,
    bundleBytes,
    imports,
    firstRequests,
    sdkBytes: sdk.bytes,
    sdkImports,
    sdkInitImports,
    lambda,
    ops,
    instructions,
  };
  const report = renderReport({
    ...figures,
    hedging,
    streams,
    lambdaStreams,
    notes,
    peer: Boolean(peer),
    seconds: (performance.now() - started) / 1000,
  });
  writeFileSync(`${RESULTS}/report.md`, report);
  writeFileSync(
    `${RESULTS}/results.json`,
    JSON.stringify(
      {
        ...figures,
        hedging: hedging.map(({ values: _, ...r }) => r),
        streams: { ...streams, values: undefined, floor: { ...streams.floor, values: undefined } },
        lambdaStreams,
      },
      null,
      2,
    ),
  );
  writeFileSync(
    `${RESULTS}/latency.svg`,
    cdfChart(`modelgate latency, ${QUICK ? 'quick run' : 'full run'}, ${stamp.slice(0, 10)}`, [
      { title: 'buffered', series: [...buffered].map(([name, t]) => ({ name, values: t.map((x) => x.ttlb) })) },
      { title: 'streaming, time to first byte', series: [...streamed].map(([name, t]) => ({ name, values: t.map((x) => x.ttfb) })) },
      { title: 'failover: first provider 429', series: [...failover].map(([name, t]) => ({ name, values: t.map((x) => x.ttlb) })) },
    ]),
  );
  writeFileSync(
    `${RESULTS}/hedging.svg`,
    cdfChart(`modelgate hedging, ${QUICK ? 'quick run' : 'full run'}, ${stamp.slice(0, 10)}`, [
      { title: 'heavy-tailed provider first: time to first content', series: hedging.map((h) => ({ name: h.name, values: h.values })) },
    ]),
  );
  writeFileSync(
    `${RESULTS}/streams.svg`,
    cdfChart(`modelgate, ${streams.streams} concurrent streams, ${stamp.slice(0, 10)}`, [
      {
        title: 'time to first byte',
        series: [
          { name: 'floor (bare Node proxy)', values: streams.floor.values },
          { name: 'modelgate serve', values: streams.values },
        ],
      },
    ]),
  );
  console.log(report);
}

async function countDynamoOps(endpoint: string, upstreamPort: number) {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } });
  const table = `${TABLE}-ops`;
  await ensureTable(client, table);
  const yaml = manifests(upstreamPort).replace(
    'metadata: { name: failover }\nspec:',
    // 429 unhealthy, never enough in a row to evict: every failing request writes its failure.
    'metadata: { name: failover }\nspec:\n  policies: { health: { unhealthyCondition: "response.code == 429", eviction: { consecutiveFailures: 1000000 } } }',
  );
  const config = compileConfig(parseManifests([{ name: 'ops.yaml', text: yaml }]).objects);
  const measure = async (path: string, stalenessMs: number) => {
    const counts = { read: 0, write: 0 };
    const store = new DynamoDBStore({ client, table, stalenessMs, onOperation: (op) => counts[op]++ });
    const engine = new Engine({ config, store });
    const request = () =>
      engine.handle({
        method: 'POST',
        path,
        query: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ messages: MESSAGES })),
        signal: new AbortController().signal,
        id: 'ops',
      });
    await request(); // first read of a cold instance
    counts.read = 0;
    counts.write = 0;
    for (let i = 0; i < COUNTS.ops; i++) await request();
    await new Promise((r) => setTimeout(r, 50)); // success resets are written off the response path
    return { reads: counts.read / COUNTS.ops, writes: counts.write / COUNTS.ops };
  };
  return {
    healthyCached: await measure('/single/v1/chat/completions', 1_000),
    healthyUncached: await measure('/single/v1/chat/completions', 0),
    failingCached: await measure('/failover/v1/chat/completions', 1_000),
    failingUncached: await measure('/failover/v1/chat/completions', 0),
  };
}

function freePort(): Promise<number> {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const { port } = s.address() as { port: number };
          s.close(() => resolve(port));
        });
      }),
  );
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

interface ReportInput {
  hedging: HedgingRow[];
  streams: StreamsResult;
  lambdaStreams: LambdaStreamsResult;
  notes: string[];
  stamp: string;
  machine: string;
  quick: boolean;
  rows: LatencyRow[];
  tput: Array<{ target: string; concurrency: number; rps: number; errors: number; done: number }>;
  bundleBytes: number;
  imports: number[];
  firstRequests: number[];
  /** The baseline: the AWS SDK clients alone (bench/processes/lambda-sdk-baseline.mjs). */
  sdkBytes: number;
  sdkImports: number[];
  /** The same clients constructed and the first config Query sent at import, as the handler does. */
  sdkInitImports: number[];
  lambda: { importMs: number; rssAfterImportMb: number; rssMaxMb: number; requests: number; errors: number };
  ops: Record<string, { reads: number; writes: number }>;
  instructions: InstructionsResult | undefined;
  peer: boolean;
  seconds: number;
}

/** Medians of the handler's and the SDK-only bundles' cold imports, and the handler's ratios to them (NaN when one is missing). */
function lambdaImportRatio(r: Pick<ReportInput, 'imports' | 'sdkImports' | 'sdkInitImports'>): { handler: number; sdk: number; ratio: number; sdkInit: number; initRatio: number } {
  const median = (xs: readonly number[] | undefined) => [...(xs ?? [])].sort((a, b) => a - b)[Math.floor((xs?.length ?? 0) / 2)] ?? NaN;
  const handler = median(r.imports);
  const sdk = median(r.sdkImports);
  const sdkInit = median(r.sdkInitImports);
  return { handler, sdk, ratio: handler / sdk, sdkInit, initRatio: handler / sdkInit };
}

/**
 * Issue 18's goals, each a ratio against the bare Node proxy measured in this run: modelgate's own
 * share of the added latency (its added p50 minus the floor's), its added p99 against the floor's,
 * and its throughput as a share of the floor's.
 */
function goalsReport(r: ReportInput): string[] {
  const f = (n: number | undefined, d = 3) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));
  const row = (scenario: string, metric: string, target: string) => r.rows.find((x) => x.scenario === scenario && x.metric === metric && x.target === target);
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
  const lines = [
    "## Against the floor (issue 18): modelgate's own share over a bare Node proxy, in this run",
    '',
    "| path | target | added p50 | floor's added p50 | own share (goal ≤ 0.1 ms) | added p99 ÷ floor's (goal ≤ 1.25×) |",
    '|---|---|---|---|---|---|',
  ];
  const cases: Array<[string, string, string, string]> = [
    ['buffered', 'total', 'modelgate', 'buffered'],
    ['buffered', 'total', 'modelgate+dynamodb', 'buffered'],
    ['streaming', 'ttfb', 'modelgate', 'streaming, first byte'],
    ['streaming', 'ttfb', 'modelgate+dynamodb', 'streaming, first byte'],
    // Held against the bare proxy failing over once: two upstream calls, the body's model rewritten for each.
    ['failover (first provider 429)', 'total', 'modelgate failover', 'failover (first provider 429)'],
    // Not among the issue's cases, which all send a one-line prompt: what a real conversation costs.
    [LONG_SCENARIO, 'total', 'modelgate', `${LONG_SCENARIO} (not a case of the issue's)`],
  ];
  for (const [scenario, metric, target, label] of cases) {
    const mine = row(scenario, metric, target);
    const floor = row(scenario, metric, scenario.startsWith('failover') ? FAILOVER_FLOOR : FLOOR);
    if (!mine?.added || !floor?.added) continue;
    const own = mine.added.p50 - floor.added.p50;
    const tail = mine.added.p99 / floor.added.p99;
    lines.push(`| ${label} | ${target} | ${f(mine.added.p50)} | ${f(floor.added.p50)} | ${f(own)} — ${met(own <= 0.1)} | ${f(tail, 2)}× — ${met(tail <= 1.25)} |`);
  }
  const concurrencies = [...new Set(r.tput.map((t) => t.concurrency))];
  const rps = (target: string, c: number) => r.tput.find((t) => t.target === target && t.concurrency === c)?.rps ?? Number.NaN;
  lines.push('', `| throughput, share of the floor's (goal ≥ 90 %) | ${concurrencies.map((c) => `c = ${c}`).join(' | ')} |`, `|---|${concurrencies.map(() => '---').join('|')}|`);
  for (const target of ['modelgate', 'modelgate+dynamodb', SECOND_FLOOR]) {
    const shares = concurrencies.map((c) => rps(target, c) / rps(FLOOR, c));
    lines.push(`| ${target} | ${shares.map((x) => `${f(x * 100, 0)} %${target === SECOND_FLOOR ? '' : ` — ${met(x >= 0.9)}`}`).join(' | ')} |`);
  }
  lines.push(...instructionsGoalLines(r.instructions));
  const second = row('buffered', 'total', SECOND_FLOOR);
  const secondStream = row('streaming', 'ttfb', SECOND_FLOOR);
  const floorBuffered = row('buffered', 'total', FLOOR);
  const floorStream = row('streaming', 'ttfb', FLOOR);
  if (second?.added && floorBuffered?.added) {
    lines.push(
      '',
      `The second floor (the bare proxy with undici's pool as its upstream client, node:http as its server): added p50 ${f(second.added.p50)} ms buffered and ${f(secondStream?.added?.p50)} ms to the first streamed byte, against ${f(floorBuffered.added.p50)} and ${f(floorStream?.added?.p50)} ms with Node's http.Agent; its throughput share is in the table above.`,
    );
  }
  return lines;
}

function renderReport(r: ReportInput): string {
  const f = (n: number | undefined, d = 2) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));
  const lines: string[] = [];
  lines.push(`# modelgate benchmark — ${r.stamp}${r.quick ? ' (quick)' : ''}`, '', `Machine: ${r.machine}. Run took ${r.seconds.toFixed(0)} s.`, '');
  lines.push('## Latency (ms) — sequential requests, the targets taking turns in blocks of 50; "added" = through the gateway minus the direct call at the same position', '');
  lines.push('| scenario | metric | target | n | p50 | p90 | p99 | added p50 | added p90 | added p99 | p50 ÷ direct |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    lines.push(
      `| ${row.scenario} | ${row.metric} | ${row.target} | ${row.summary.n} | ${f(row.summary.p50)} | ${f(row.summary.p90)} | ${f(row.summary.p99)} | ${f(row.added?.p50, 3)} | ${f(row.added?.p90, 3)} | ${f(row.added?.p99, 3)} | ${row.ratioP50 ? `${f(row.ratioP50)}×` : '1×'} |`,
    );
  }
  lines.push('', '## Throughput (requests/s, buffered)', '');
  const names = [...new Set(r.tput.map((t) => t.target))];
  lines.push(
    `| concurrency | ${names.join(' | ')} | ${names
      .filter((n) => n !== 'direct')
      .map((n) => `${n} ÷ direct`)
      .join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|${names
      .filter((n) => n !== 'direct')
      .map(() => '---')
      .join('|')}|`,
  );
  for (const c of [...new Set(r.tput.map((t) => t.concurrency))]) {
    const at = (n: string) => r.tput.find((t) => t.target === n && t.concurrency === c);
    const direct = at('direct')?.rps ?? NaN;
    lines.push(
      `| ${c} | ${names.map((n) => `${f(at(n)?.rps, 0)}${at(n)?.errors ? ` (${at(n)!.errors} errors)` : ''}`).join(' | ')} | ${names
        .filter((n) => n !== 'direct')
        .map((n) => `${f((at(n)?.rps ?? NaN) / direct)}×`)
        .join(' | ')} |`,
    );
  }
  const imports = [...r.imports].sort((a, b) => a - b);
  lines.push('', '## Lambda bundle', '');
  lines.push(
    `| bundle (dist/handler.mjs and the chunks it imports at start, minified) | cold module import, median of ${imports.length} (min–max) | first request after it, median | RSS after import | RSS max under load (${r.lambda.requests} requests, 16 concurrent) |`,
    '|---|---|---|---|---|',
  );
  const firsts = [...r.firstRequests].sort((a, b) => a - b);
  lines.push(
    `| ${(r.bundleBytes / 1024).toFixed(0)} KiB | ${f(imports[Math.floor(imports.length / 2)], 1)} ms (${f(imports[0], 1)}–${f(imports.at(-1), 1)}) | ${f(firsts[Math.floor(firsts.length / 2)], 1)} ms | ${f(r.lambda.rssAfterImportMb, 1)} MiB | ${f(r.lambda.rssMaxMb, 1)} MiB${r.lambda.errors ? ` (${r.lambda.errors} errors)` : ''} |`,
  );
  const lambdaRatio = lambdaImportRatio(r);
  lines.push(
    '',
    `| cold import, median of ${imports.length} each, fresh processes taking turns | dist/handler.mjs (${(r.bundleBytes / 1024).toFixed(0)} KiB) | baseline | ratio | goal |`,
    '|---|---|---|---|---|',
    `| baseline: the AWS SDK clients it needs, imported alone (DynamoDB, Secrets Manager; ${(r.sdkBytes / 1024).toFixed(0)} KiB, same esbuild settings) | ${f(lambdaRatio.handler, 1)} ms | ${f(lambdaRatio.sdk, 1)} ms | ${f(lambdaRatio.ratio)}× | ≤ 1.2× |`,
    `| baseline: the same clients constructed and the first config Query sent at import, as the handler does (so the ratio is modelgate's own code) | ${f(lambdaRatio.handler, 1)} ms | ${f(lambdaRatio.sdkInit, 1)} ms | ${f(lambdaRatio.initRatio)}× | — |`,
  );
  lines.push('', '## DynamoDB operations per request (counted at the store; one failing attempt = the first provider answers 429, unhealthy)', '');
  lines.push('| request | cache (staleness 1 s) reads | writes | no cache (staleness 0) reads | writes |', '|---|---|---|---|---|');
  lines.push(`| healthy | ${f(r.ops.healthyCached?.reads)} | ${f(r.ops.healthyCached?.writes)} | ${f(r.ops.healthyUncached?.reads)} | ${f(r.ops.healthyUncached?.writes)} |`);
  lines.push(
    `| one failing attempt, then an answer | ${f(r.ops.failingCached?.reads)} | ${f(r.ops.failingCached?.writes)} | ${f(r.ops.failingUncached?.reads)} | ${f(r.ops.failingUncached?.writes)} |`,
  );
  lines.push(...instructionsReport(r.instructions));
  lines.push('', '## Budgets (DESIGN.md)', '');
  const mem = r.rows.find((x) => x.scenario === 'buffered' && x.target === 'modelgate');
  const floor = r.rows.find((x) => x.scenario === 'buffered' && x.target === FLOOR);
  const peerRow = r.rows.find((x) => x.scenario === 'buffered' && x.target === 'portkey');
  const check = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
  lines.push(
    `- added p50 ≤ 0.3 ms (memory store, buffered): ${f(mem?.added?.p50, 3)} ms — ${check(mem?.added ? mem.added.p50 <= 0.3 : undefined)} (a bare Node proxy adds ${f(floor?.added?.p50, 3)} ms on this machine: modelgate's own share is ${f(mem?.added && floor?.added ? mem.added.p50 - floor.added.p50 : undefined, 3)} ms)`,
  );
  lines.push(`- added p99 ≤ 2 ms (memory store, buffered): ${f(mem?.added?.p99, 3)} ms — ${check(mem?.added ? mem.added.p99 <= 2 : undefined)}`);
  lines.push(`- lower added latency than the peer: ${check(peerRow?.added && mem?.added ? mem.added.p50 < peerRow.added.p50 : undefined)}`);
  const tputWins = r.peer
    ? [...new Set(r.tput.map((t) => t.concurrency))].map(
        (c) =>
          (r.tput.find((t) => t.target === 'modelgate' && t.concurrency === c)?.rps ?? 0) > (r.tput.find((t) => t.target === 'portkey' && t.concurrency === c)?.rps ?? Infinity),
      )
    : undefined;
  lines.push(`- higher throughput than the peer at every concurrency: ${check(tputWins ? tputWins.every(Boolean) : undefined)}`);
  lines.push(`- bundle ≤ 1 MB: ${check(r.bundleBytes <= 1_000_000)}; cold import ≤ 150 ms: ${check(imports.length ? imports[Math.floor(imports.length / 2)]! <= 150 : undefined)}`);
  lines.push(
    `- Lambda cold import ≤ 1.2× the AWS SDK clients it needs: ${f(lambdaRatio.ratio)}× (${f(lambdaRatio.handler, 1)} ms ÷ ${f(lambdaRatio.sdk, 1)} ms) — ${check(lambdaRatio.ratio ? lambdaRatio.ratio <= 1.2 : undefined)}; ${f(lambdaRatio.initRatio)}× the same clients doing the handler's init work (constructed, first config Query sent); first request after it ${f(firsts[Math.floor(firsts.length / 2)], 1)} ms (median)`,
  );
  lines.push(`- healthy request: 0 writes, ≤ 1 read: ${check(r.ops.healthyUncached ? r.ops.healthyUncached.writes === 0 && r.ops.healthyUncached.reads <= 1 : undefined)}`);
  lines.push('', ...goalsReport(r));
  lines.push('', ...hedgingReport(r.hedging));
  lines.push('', ...streamsReport(r.streams), '', ...lambdaStreamsReport(r.lambdaStreams));
  if (r.notes.length) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  lines.push('', 'Charts: latency.svg, hedging.svg and streams.svg (cumulative distributions).');
  return `${lines.join('\n')}\n`;
}

main().catch(async (error: unknown) => {
  for (const p of procs) await p.stop().catch(() => {});
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
