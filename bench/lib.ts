/** Benchmark plumbing: child processes, a keep-alive HTTP client that times requests, statistics. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Proc {
  child: ChildProcess;
  /** The first capture group of the readiness pattern (a port or a URL). */
  ready: string;
  output: string[];
  stop(): Promise<void>;
}

/** Spawns a process and waits for a line matching `pattern` (bounded). */
export function start(cmd: string, args: string[], pattern: RegExp, options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Proc> {
  const child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not start:\n${output.slice(-20).join('\n')}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        if (output.length < 2_000) output.push(line);
        const m = pattern.exec(line);
        if (m) {
          clearTimeout(timer);
          // From here the output is drained unread: a gateway logs a line per request, and splitting
          // and matching them here cost the load generator (this process) CPU the bare proxy, which
          // logs nothing, did not — the figures then measured the reader as well as the gateway.
          for (const out of [child.stdout!, child.stderr!]) {
            out.off('data', onData);
            out.resume();
          }
          resolve({
            child,
            ready: m[1] ?? '',
            output,
            stop: () =>
              new Promise((done) => {
                if (child.exitCode !== null) return done();
                child.once('exit', () => done());
                child.kill('SIGTERM');
                setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
              }),
          });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}:\n${output.slice(-20).join('\n')}`));
    });
  });
}

export interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
  body: (stream: boolean) => string;
}

export interface Timing {
  /** ms to the first body byte. */
  ttfb: number;
  /** ms to the last byte. */
  ttlb: number;
  status: number;
}

const agents = new Map<number, http.Agent>();
function agentFor(concurrency: number): http.Agent {
  let a = agents.get(concurrency);
  if (!a) {
    a = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    agents.set(concurrency, a);
  }
  return a;
}

/** One POST through a keep-alive pool, timed from the first byte written to the last byte read. */
export function timedRequest(target: Target, stream: boolean, concurrency = 1): Promise<Timing> {
  const body = target.body(stream);
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: agentFor(concurrency),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...target.headers },
      },
      (res) => {
        let ttfb = -1;
        res.on('data', () => {
          if (ttfb < 0) ttfb = performance.now() - started;
        });
        res.on('end', () => {
          const end = performance.now() - started;
          resolve({ ttfb: ttfb < 0 ? end : ttfb, ttlb: end, status: res.statusCode ?? 0 });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

/**
 * Sequential requests, the targets taking turns in blocks of `block` (A×50 B×50 C×50 A×50 ...):
 * noise over time hits every target alike, and each target is measured while warm. (Alternating
 * request by request measured mostly how fast a sleeping process wakes up on a shared 2-core VM:
 * every hop through a gateway adds two wake-ups.)
 */
export async function interleaved(targets: readonly Target[], stream: boolean, count: number, deadline: number, block = 50): Promise<Map<string, Timing[]>> {
  const out = new Map<string, Timing[]>(targets.map((t) => [t.name, []]));
  for (let done = 0; done < count && performance.now() < deadline; done += block) {
    for (const t of targets) {
      for (let i = 0; i < Math.min(block, count - done); i++) {
        const timing = await timedRequest(t, stream);
        if (timing.status !== 200) throw new Error(`${t.name} answered ${timing.status}`);
        out.get(t.name)!.push(timing);
      }
    }
  }
  return out;
}

/** `total` requests with `concurrency` in flight: requests per second. */
export async function throughput(target: Target, concurrency: number, total: number, deadline: number): Promise<{ rps: number; done: number; errors: number }> {
  let next = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total && performance.now() < deadline) {
      next++;
      try {
        const t = await timedRequest(target, false, concurrency);
        if (t.status === 200) done++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rps: (done / (performance.now() - started)) * 1000, done, errors };
}

/**
 * Throughput of each target at one concurrency, the targets taking turns in `rounds` short runs
 * (A B C A B C ...): a second of noise on a shared machine then costs one round of one target,
 * not its whole figure. Each target's figure is its median round.
 */
export async function throughputTakingTurns(
  targets: readonly Target[],
  concurrency: number,
  totalPerTarget: number,
  deadline: number,
  rounds = 5,
): Promise<Map<string, { rps: number; done: number; errors: number }>> {
  const per = Math.max(concurrency, Math.ceil(totalPerTarget / rounds));
  const runs = new Map<string, Array<{ rps: number; done: number; errors: number }>>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds && performance.now() < deadline; r++) {
    // The order turns too, so no target always runs right after the same neighbour.
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + r) % targets.length]!;
      runs.get(t.name)!.push(await throughput(t, concurrency, per, deadline));
    }
  }
  const out = new Map<string, { rps: number; done: number; errors: number }>();
  for (const [name, list] of runs) {
    const sorted = [...list].sort((a, b) => a.rps - b.rps);
    const median = sorted[Math.floor(sorted.length / 2)];
    out.set(name, { rps: median?.rps ?? Number.NaN, done: list.reduce((a, x) => a + x.done, 0), errors: list.reduce((a, x) => a + x.errors, 0) });
  }
  return out;
}

/** The Gateway every bench manifest attaches to. */
export const BENCH_GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: bench }
spec: { gatewayClassName: agentgateway, listeners: [{ name: http, port: 8080, protocol: HTTP }] }`;

/** A bench Gateway and one route to the backend `name`, around the backend's own YAML document. */
export function oneBackendManifests(name: string, backendYaml: string): string {
  return `${BENCH_GATEWAY}
---
${backendYaml.trim()}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bench }
spec:
  parentRefs: [{ name: bench }]
  rules:
    - backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: ${name} }]
`;
}

/** A bench Gateway and one route to one OpenAI-compatible backend `name` (model `model`) on a loopback port. */
export function openAIBackendManifests(name: string, model: string, port: number): string {
  return oneBackendManifests(
    name,
    `apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: ${name} }
spec:
  ai:
    provider:
      openai: { model: ${model} }
      host: 127.0.0.1
      port: ${port}
  policies: { auth: { key: sk-bench } }`,
  );
}
