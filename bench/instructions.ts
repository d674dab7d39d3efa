/**
 * Instructions per request (`npm run bench -- --instructions`): the bare Node proxy and `modelgate
 * serve` each run under valgrind's callgrind, serve a warm-up, have their counters zeroed, serve
 * N buffered requests at concurrency 16, and have them dumped. The count of the main thread (the
 * one that runs JavaScript and the event loop) per request is what a saturated gateway's throughput
 * is made of, and unlike CPU time on a shared host (±30 % between rounds here) it repeats — once
 * the optimizing compiler has settled. Until then its work (on helper threads, which valgrind gives
 * little time) decides which hot functions run optimized during the count: after a warm-up of 6,000
 * requests one build's count varied from 446 to 506 k between runs; after 15,000, 414.0 and 416.6 k.
 *
 * Both processes get a fixed young generation: V8 sizes it by allocation per millisecond, and
 * under valgrind (~50× slower) it would shrink it and collect far more often than it does natively.
 * Background threads (the optimizing compiler, concurrent marking, sweeping) are counted apart.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { openAIBackendManifests, start, throughput, type Target } from './lib.js';

export interface InstructionsRow {
  target: string;
  requests: number;
  errors: number;
  /** Instructions per request on the main thread. */
  main: number;
  /** Instructions per request on all threads, the main one included. */
  all: number;
}

export type InstructionsResult = { available: false; reason: string } | { available: true; warmup: number; requests: number; rows: InstructionsRow[] };

const V8_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/** Whether valgrind and callgrind_control can be run here; the reason when not. */
export function missingTool(): string | undefined {
  for (const tool of ['valgrind', 'callgrind_control']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (Debian: apt-get install valgrind)`;
    }
  }
  return undefined;
}

/**
 * The instruction counts of one callgrind dump, by thread: with `--separate-threads=yes` a dump of
 * process PID writes `NAME.PID.PART-TID` per thread (thread 01 the main one); the last part wins.
 */
export function dumpTotals(files: readonly { name: string; text: string }[], prefix: string): { main: number; all: number } {
  const parts = files.filter((f) => f.name.startsWith(prefix)).map((f) => ({ ...f, part: /\.(\d+)-(\d+)$/.exec(f.name) }));
  const last = Math.max(...parts.map((p) => (p.part ? Number(p.part[1]) : -1)));
  if (last < 0) throw new Error(`no callgrind dump named ${prefix}*`);
  let main = 0;
  let all = 0;
  for (const p of parts.filter((x) => x.part && Number(x.part[1]) === last)) {
    const count = /^(?:summary|totals): (\d+)/m.exec(p.text);
    if (!count) throw new Error(`${p.name}: no summary line`);
    all += Number(count[1]);
    if (Number(p.part![2]) === 1) main = Number(count[1]);
  }
  return { main, all };
}

const callgrindControl = (command: '-z' | '-d', pid: number) =>
  new Promise<void>((resolve, reject) => execFile('callgrind_control', [command, String(pid)], { timeout: 60_000 }, (error) => (error ? reject(error) : resolve())));

/** Runs the scenario; `results` holds callgrind's dumps while it runs. */
export async function instructionsScenario(root: string, results: string, warmup: number, requests: number): Promise<InstructionsResult> {
  const reason = missingTool();
  if (reason) return { available: false, reason };
  const out = `${results}/callgrind`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const upstream = await start(process.execPath, [`${root}bench/processes/upstream.mjs`, '0'], /^ready (\d+)/);
  const manifestFile = `${out}/manifests.yaml`;
  // The gateway's config: one route to one OpenAI-compatible backend on the bench's upstream.
  writeFileSync(manifestFile, openAIBackendManifests('up', 'bench-model', Number(upstream.ready)));
  const body = (model?: string) => () => JSON.stringify({ ...(model && { model }), messages: [{ role: 'user', content: 'Say something short.' }] });
  const targets: Array<{ name: string; args: string[]; ready: RegExp; url: (ready: string) => string; model?: string }> = [
    {
      name: 'floor (bare Node proxy)',
      args: [`${root}bench/processes/bare-proxy.mjs`, upstream.ready],
      ready: /^ready (\d+)/,
      url: (port) => `http://127.0.0.1:${port}/v1/chat/completions`,
      model: 'bench-model',
    },
    {
      name: 'modelgate',
      // One listening socket, as the floor has: the acceptors only matter for bursts of connections.
      args: [`${root}dist/cli.js`, 'serve', '-f', manifestFile, '--port', '0', '--admin-port', '0', '--metrics-port', '0', '--readiness-port', '0', '--acceptors', '1'],
      ready: /serving (http:\/\/\S+)/,
      url: (base) => `${base}/v1/chat/completions`,
    },
  ];
  const rows: InstructionsRow[] = [];
  try {
    for (const [i, t] of targets.entries()) {
      const prefix = `t${i}`;
      const proc = await start(
        'valgrind',
        ['--tool=callgrind', '--smc-check=all', '--dump-instr=no', '--separate-threads=yes', `--callgrind-out-file=${out}/${prefix}.%p`, process.execPath, ...V8_FLAGS, ...t.args],
        t.ready,
        { timeoutMs: 300_000 },
      );
      try {
        const target: Target = { name: t.name, url: t.url(proc.ready), body: body(t.model) };
        await throughput(target, 16, warmup, Number.POSITIVE_INFINITY);
        const pid = proc.child.pid!;
        await callgrindControl('-z', pid);
        const r = await throughput(target, 16, requests, Number.POSITIVE_INFINITY);
        await callgrindControl('-d', pid);
        const files = readdirSync(out)
          .filter((f) => f.startsWith(`${prefix}.${pid}.`))
          .map((name) => ({ name, text: readFileSync(`${out}/${name}`, 'utf8') }));
        const totals = dumpTotals(files, `${prefix}.${pid}.`);
        rows.push({ target: t.name, requests: r.done, errors: r.errors, main: totals.main / r.done, all: totals.all / r.done });
      } finally {
        await proc.stop();
      }
    }
  } finally {
    await upstream.stop();
    rmSync(out, { recursive: true, force: true });
  }
  return { available: true, warmup, requests, rows };
}

export function instructionsReport(r: InstructionsResult | undefined): string[] {
  if (!r) return [];
  const lines = ['', '## Instructions per request (callgrind; buffered, concurrency 16)', ''];
  if (!r.available) return [...lines, `Not measured: ${r.reason}.`];
  const floor = r.rows[0];
  const k = (n: number) => `${(n / 1000).toFixed(1)} k`;
  lines.push(
    `After a warm-up of ${r.warmup} requests, ${r.requests} requests counted. The main thread runs the JavaScript and the event loop; the other threads are V8's compiler and garbage collector helpers.`,
    '',
    "| target | main thread | ÷ floor's | all threads | errors |",
    '|---|---|---|---|---|',
  );
  for (const row of r.rows) lines.push(`| ${row.target} | ${k(row.main)} | ${floor ? `${(row.main / floor.main).toFixed(2)}×` : '—'} | ${k(row.all)} | ${row.errors} |`);
  return lines;
}

/**
 * The line the report's goals section carries: where the gateway's one thread is saturated,
 * throughput goes as the inverse of its work per request, so this ratio is what the throughput
 * goal asks of it, without the host's noise.
 */
export function instructionsGoalLines(r: InstructionsResult | undefined): string[] {
  if (!r?.available || r.rows.length !== 2) return [];
  const [floor, mine] = r.rows as [InstructionsRow, InstructionsRow];
  return [
    '',
    `Instructions per request on the main thread (callgrind, below): ${mine.target} ${(mine.main / 1000).toFixed(1)} k against the floor's ${(floor.main / 1000).toFixed(1)} k, ${(mine.main / floor.main).toFixed(2)}×. A saturated gateway at 90 % of the floor's throughput would need about 1.1×.`,
  ];
}
