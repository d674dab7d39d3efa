/**
 * The hedging scenario of `npm run bench`: a provider whose time to first content is heavy-tailed
 * (100 ms, but every tenth answer 3 s) in group 1, a steady one (100 ms) in group 2. Time to first
 * content (the first byte of a streamed answer: modelgate holds a stream until its first content)
 * with no hedging, with `first-token-timeout`, with `hedge-after: 500ms` and with `auto`, and the
 * upstream requests each costs per client request.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { oneBackendManifests, start, summarize, timedRequest, type Proc, type Summary, type Target } from './lib.js';

export interface HedgingRow {
  name: string;
  annotations: string;
  ttfc: Summary;
  values: number[];
  /** Upstream requests per client request (1 = no extra cost). */
  upstreamPerRequest: number;
  cancelled: number;
  errors: number;
}

const VARIANTS: Array<{ name: string; annotations: Record<string, string> }> = [
  { name: 'no hedging', annotations: {} },
  { name: 'first-token-timeout 1s', annotations: { 'modelgate.dev/first-token-timeout': '1s' } },
  { name: 'hedge-after 500ms', annotations: { 'modelgate.dev/hedge-after': '500ms', 'modelgate.dev/hedge-budget': '25%' } },
  { name: 'hedge-after auto', annotations: { 'modelgate.dev/hedge-after': 'auto', 'modelgate.dev/hedge-budget': '25%' } },
];

function manifests(port: number, annotations: Record<string, string>): string {
  const provider = (name: string, model: string) =>
    `\n          - name: ${name}\n            openai: { model: ${model} }\n            host: 127.0.0.1\n            port: ${port}\n            policies: { auth: { key: sk-bench } }`;
  const meta = Object.keys(annotations).length ? `, annotations: ${JSON.stringify(annotations)}` : '';
  return oneBackendManifests(
    'tail',
    `apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: tail${meta} }
spec:
  ai:
    groups:
      - providers:${provider('tail', 'tail')}
      - providers:${provider('steady', 'steady')}`,
  );
}

/** Runs each variant on a fresh upstream and gateway: `requests` streamed requests, `concurrency` at a time. */
export async function hedgingScenario(root: string, resultsDir: string, requests: number, concurrency: number): Promise<HedgingRow[]> {
  const rows: HedgingRow[] = [];
  for (const variant of VARIANTS) {
    const procs: Proc[] = [];
    try {
      const upstream = await start(process.execPath, [`${root}bench/processes/tail-upstream.mjs`, '0'], /^ready (\d+)/);
      procs.push(upstream);
      const file = `${resultsDir}/bench-hedging.yaml`;
      writeFileSync(file, manifests(Number(upstream.ready), variant.annotations));
      const gw = await start(process.execPath, [`${root}dist/cli.js`, 'serve', '-f', file, '--port', '0'], /serving (http:\/\/\S+)/);
      procs.push(gw);
      const target: Target = {
        name: variant.name,
        url: `${gw.ready}/v1/chat/completions`,
        body: (stream) => JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], stream }),
      };
      const values: number[] = [];
      let errors = 0;
      let next = 0;
      const worker = async () => {
        while (next < requests) {
          next++;
          const t = await timedRequest(target, true, concurrency).catch(() => undefined);
          if (t?.status === 200) values.push(t.ttfb);
          else errors++;
        }
      };
      const began = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      console.error(`bench: hedging, ${variant.name}: ${requests} requests in ${((performance.now() - began) / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, 200)); // cancelled upstream requests are counted when their sockets close
      const counts = (await (await fetch(`http://127.0.0.1:${upstream.ready}/counts`)).json()) as { tail: number; steady: number; cancelled: number };
      rows.push({
        name: variant.name,
        annotations: Object.entries(variant.annotations)
          .map(([k, v]) => `${k.replace('modelgate.dev/', '')}: ${v}`)
          .join(', '),
        ttfc: summarize(values),
        values,
        upstreamPerRequest: (counts.tail + counts.steady) / requests,
        cancelled: counts.cancelled,
        errors,
      });
    } finally {
      for (const p of procs.reverse()) await p.stop();
    }
  }
  return rows;
}

export function hedgingReport(rows: readonly HedgingRow[]): string[] {
  const f = (n: number) => n.toFixed(0);
  const lines = [
    '## Hedging: a heavy-tailed provider (100 ms, every tenth answer 3 s) before a steady one (100 ms); streamed, time to first content (ms)',
    '',
    '| variant | annotations | n | p50 | p90 | p99 | max | upstream requests per request | cancelled upstream requests | errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.annotations || '—'} | ${r.ttfc.n} | ${f(r.ttfc.p50)} | ${f(r.ttfc.p90)} | ${f(r.ttfc.p99)} | ${f(Math.max(...r.values))} | ${r.upstreamPerRequest.toFixed(2)} | ${r.cancelled} | ${r.errors} |`,
    );
  }
  return lines;
}
