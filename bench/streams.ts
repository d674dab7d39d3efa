/**
 * The many-streams scenario of `npm run bench`: N concurrent streaming requests through one
 * `modelgate serve` against an upstream that streams slowly (a chunk every 50 ms for the stream's
 * length). Every stream must complete, whole and in order, with its own chunks only; reported:
 * first-byte p50 / max, how many upstream streams were open at once (all of them = served at once),
 * RSS per open stream, and the gateway's event-loop delay p99 (prom-client's, from /metrics). The
 * same streams through the bare Node proxy first, as the floor this machine allows.
 */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openAIBackendManifests, quantile, start, type Proc } from './lib.js';

/** What the clients saw of one run of the scenario, through one proxy. */
export interface StreamsRun {
  completed: number;
  /** Streams cut, reordered, or carrying another stream's chunks. */
  broken: number;
  /** Why, for the first few broken ones (an error code, a status, or what arrived). */
  brokenReasons: string[];
  firstByteP50: number;
  firstByteMax: number;
  /** Streams whose first byte came after half the stream's length: by then the first ones are half done. */
  late: number;
  /** Upstream streams open at once, at most: N means every request was served at once. */
  upstreamMaxOpen: number;
  values: number[];
}

export interface StreamsResult extends StreamsRun {
  streams: number;
  streamMs: number;
  rssPerStreamKiB: number;
  eventLoopP99Ms: number;
  /** The same streams through the bare Node proxy (its pool unbounded), run just before. */
  floor: StreamsRun;
}

const manifests = (port: number) => openAIBackendManifests('slow', 'slow', port);

/** One metric's value from a Prometheus text page. */
const metric = (text: string, name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

/** The handler build the bench's config items carry validated copies for (a deployed gateway's is its bundle's sha256). */
export const BENCH_BUILD = 'bench';

const slowUpstream = (root: string, streamMs: number) => start(process.execPath, [`${root}bench/processes/slow-stream-upstream.mjs`, '0', String(streamMs), '50'], /^ready (\d+)/);

/**
 * Opens `streams` streamed requests at `url` at once (a connection each), checks each stream
 * whole and its own, and reads the upstream's count of streams open at once. `midway` runs half-way
 * through, when every stream should be open.
 */
async function driveStreams(url: URL, upstreamPort: string, streams: number, streamMs: number, midway: () => Promise<void> = async () => {}): Promise<StreamsRun> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: streams });
  const chunks = Math.max(1, Math.round(streamMs / 50));
  const firstBytes: number[] = [];
  let completed = 0;
  let broken = 0;
  const brokenReasons: string[] = [];
  const fail = (why: string) => {
    broken++;
    if (brokenReasons.length < 5) brokenReasons.push(why);
  };
  const one = (tag: string) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ messages: [{ role: 'user', content: tag }], stream: true });
      const began = performance.now();
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            if (text === '') firstBytes.push(performance.now() - began);
            text += d;
          });
          res.on('end', () => {
            // Every chunk is this stream's own, in order, none missing, and the stream ends with [DONE].
            const seen = [...text.matchAll(/"content":"([^":]+):(\d+) "/g)];
            const whole = seen.length === chunks && seen.every((m, i) => m[1] === tag && Number(m[2]) === i) && text.trimEnd().endsWith('data: [DONE]');
            if (whole) completed++;
            else fail(`HTTP ${res.statusCode}, ${seen.length} of ${chunks} chunks: ${text.slice(-160)}`);
            resolve();
          });
          res.on('error', (e) => {
            fail(`response error ${(e as NodeJS.ErrnoException).code ?? e.message}`);
            resolve();
          });
        },
      );
      req.setTimeout(streamMs + 60_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        fail(`request error ${(e as NodeJS.ErrnoException).code ?? e.message}`);
        resolve();
      });
      req.end(body);
    });
  try {
    const all = Array.from({ length: streams }, (_, i) => one(`s${i}`));
    await new Promise((r) => setTimeout(r, streamMs / 2));
    await midway();
    await Promise.all(all);
  } finally {
    agent.destroy();
  }
  const { maxOpen } = (await (await fetch(`http://127.0.0.1:${upstreamPort}/open`)).json()) as { maxOpen: number };
  const sorted = [...firstBytes].sort((a, b) => a - b);
  return {
    completed,
    broken,
    brokenReasons,
    firstByteP50: quantile(sorted, 0.5),
    firstByteMax: sorted.at(-1) ?? Number.NaN,
    late: sorted.filter((ms) => ms > streamMs / 2).length,
    upstreamMaxOpen: maxOpen,
    values: firstBytes,
  };
}

/**
 * The floor first: the same streams through the bare Node proxy, its upstream pool unbounded and its
 * listen backlog modelgate's, so what the floor cannot do on this machine is told apart from what
 * modelgate adds. Then modelgate: RSS per open stream and event-loop delay from its /metrics. Each
 * run has an upstream of its own (its count of streams open at once starts at zero).
 */
export async function streamsScenario(root: string, resultsDir: string, streams: number, streamMs: number, metricsPort: number): Promise<StreamsResult> {
  const procs: Proc[] = [];
  try {
    const floorUpstream = await slowUpstream(root, streamMs);
    procs.push(floorUpstream);
    const bare = await start(process.execPath, [`${root}bench/processes/bare-proxy.mjs`, floorUpstream.ready, String(streams * 2)], /^ready (\d+)/);
    procs.push(bare);
    const floor = await driveStreams(new URL(`http://127.0.0.1:${bare.ready}/v1/chat/completions`), floorUpstream.ready, streams, streamMs);
    for (const p of procs.splice(0).reverse()) await p.stop();

    const upstream = await slowUpstream(root, streamMs);
    procs.push(upstream);
    const file = `${resultsDir}/bench-streams.yaml`;
    writeFileSync(file, manifests(Number(upstream.ready)));
    const gw = await start(
      process.execPath,
      [`${root}dist/cli.js`, 'serve', '-f', file, '--port', '0', '--metrics-port', String(metricsPort), '--admin-port', '0', '--readiness-port', '0'],
      /serving (http:\/\/\S+)/,
    );
    procs.push(gw);
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const before = await scrape(); // also starts prom-client's event-loop histogram afresh
    const baseRss = metric(before, 'process_resident_memory_bytes');
    // Half-way through, every stream should be open: memory then.
    let middle = '';
    const run = await driveStreams(new URL(`${gw.ready}/v1/chat/completions`), upstream.ready, streams, streamMs, async () => {
      middle = await scrape();
    });
    const after = await scrape();
    return {
      streams,
      streamMs,
      ...run,
      rssPerStreamKiB: (metric(middle, 'process_resident_memory_bytes') - baseRss) / streams / 1024,
      eventLoopP99Ms: Math.max(metric(middle, 'nodejs_eventloop_lag_p99_seconds'), metric(after, 'nodejs_eventloop_lag_p99_seconds')) * 1000,
      floor,
    };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

export function streamsReport(r: StreamsResult): string[] {
  const f = (n: number, d = 0) => (Number.isNaN(n) ? '—' : n.toFixed(d));
  const row = (name: string, x: StreamsRun, rss: string, lag: string) =>
    `| ${name} | ${x.completed} / ${r.streams} | ${x.broken} | ${f(x.firstByteP50, 1)} | ${f(x.firstByteMax, 1)} | ${x.late} | ${x.upstreamMaxOpen} | ${rss} | ${lag} |`;
  const broken = [...r.floor.brokenReasons.map((w) => `- floor: ${w}`), ...r.brokenReasons.map((w) => `- modelgate: ${w}`)];
  return [
    `## Many streams: ${r.streams} concurrent streamed requests through one process, each a chunk every 50 ms for ${r.streamMs / 1000} s`,
    '',
    `All served at once when the upstream sees all ${r.streams} open together. The floor is the bare Node proxy with an unbounded upstream pool, run just before on its own upstream.`,
    '',
    `| proxy | completed whole | broken (cut, reordered or mixed) | first byte p50 (ms) | first byte max (ms) | first byte after ${r.streamMs / 2000} s | upstream streams open at once | RSS per open stream | event-loop delay p99 |`,
    '|---|---|---|---|---|---|---|---|---|',
    row('floor (bare Node proxy)', r.floor, '—', '—'),
    row('`modelgate serve`', r, `${f(r.rssPerStreamKiB, 1)} KiB`, `${f(r.eventLoopP99Ms, 1)} ms`),
    ...(broken.length > 0 ? ['', 'Broken streams, the first few:', ...broken.map((w) => w.replaceAll('\n', ' '))] : []),
  ];
}

export interface LambdaStreamsResult {
  streams: number;
  completed: number;
  broken: number;
  firstByteP50: number;
  firstByteMax: number;
  rssPerStreamKiB: number;
  /** How long a callback waited for the handler's one thread while the streams were open. */
  eventLoopP99Ms: number;
}

/**
 * The same through the Lambda bundle: `streams` concurrent streamed invocations of one handler (one
 * process), its config in a DynamoDB table (dynalite at `dynamodbEndpoint`) as the components write it.
 */
export async function lambdaStreamsScenario(root: string, dynamodbEndpoint: string, streams: number, streamMs: number): Promise<LambdaStreamsResult> {
  const upstream = await start(process.execPath, [`${root}bench/processes/slow-stream-upstream.mjs`, '0', String(streamMs), '50'], /^ready (\d+)/);
  try {
    const [{ DynamoDBClient, PutItemCommand }, { parseManifests }, { validatedConfigItem }, { ensureTable }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('../functions/config/manifests.js'),
      import('../functions/config/validated-item.js'),
      import('../functions/state/table.js'),
    ]);
    const client = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } });
    const table = 'modelgate-bench-lambda-streams';
    await ensureTable(client, table);
    for (const o of parseManifests([{ name: 'streams.yaml', text: manifests(Number(upstream.ready)) }]).objects) {
      await client.send(new PutItemCommand({ TableName: table, Item: validatedConfigItem(o, BENCH_BUILD) }));
    }
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [`${root}bench/processes/lambda-streams.mjs`, String(streams), String(Math.max(1, Math.round(streamMs / 50)))],
        {
          env: {
            ...process.env,
            MODELGATE_TABLE: table,
            MODELGATE_LOG_LEVEL: 'warn',
            // The items carry copies validated for this build (as a component writes them).
            MODELGATE_CONFIG_BUILD: BENCH_BUILD,
            AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'bench',
            AWS_SECRET_ACCESS_KEY: 'bench',
          },
          encoding: 'utf8',
          maxBuffer: 64 * 2 ** 20,
          timeout: streamMs + 120_000,
        },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
      completed: number;
      broken: number;
      firstByteMs: number[];
      rssBeforeMb: number;
      rssMaxMb: number;
      eventLoopP99Ms: number;
    };
    const sorted = [...r.firstByteMs].sort((a, b) => a - b);
    return {
      streams,
      completed: r.completed,
      broken: r.broken,
      firstByteP50: quantile(sorted, 0.5),
      firstByteMax: sorted.at(-1) ?? Number.NaN,
      rssPerStreamKiB: ((r.rssMaxMb - r.rssBeforeMb) * 1024) / streams,
      eventLoopP99Ms: r.eventLoopP99Ms,
    };
  } finally {
    await upstream.stop();
  }
}

export function lambdaStreamsReport(r: LambdaStreamsResult): string[] {
  const f = (n: number, d = 0) => (Number.isNaN(n) ? '—' : n.toFixed(d));
  return [
    `The same through the Lambda bundle (${r.streams} streamed invocations of one handler at once):`,
    '',
    '| completed whole | broken | first byte p50 (ms) | first byte max (ms) | RSS per open stream | event-loop delay p99 |',
    '|---|---|---|---|---|---|',
    `| ${r.completed} / ${r.streams} | ${r.broken} | ${f(r.firstByteP50, 1)} | ${f(r.firstByteMax, 1)} | ${f(r.rssPerStreamKiB, 1)} KiB | ${f(r.eventLoopP99Ms, 1)} ms |`,
  ];
}
