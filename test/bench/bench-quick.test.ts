/**
 * `npm run bench -- --quick` end to end: it must produce its report (table, chart, JSON). No
 * timing is asserted — the figures are for people; the test only checks the suite runs and reports.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs the whole suite with small counts and writes the report', async () => {
    rmSync(`${ROOT}bench/results`, { recursive: true, force: true });
    const output = await new Promise<string>((resolve, reject) => {
      // The suite's setup built dist/ already; a rebuild here would pull files from under the tests beside this one.
      execFile(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--no-build'], { cwd: ROOT, timeout: 170_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr.slice(-3000)}`)) : resolve(stdout),
      );
    });
    const report = readFileSync(`${ROOT}bench/results/report.md`, 'utf8');
    expect(output).toContain('# modelgate benchmark');
    for (const section of ['## Latency', '## Throughput', '## Lambda bundle', '## DynamoDB operations per request', '## Budgets']) expect(report).toContain(section);
    for (const row of [
      '| buffered | total | modelgate |',
      '| streaming | ttfb | modelgate |',
      '| failover (first provider 429) | total | modelgate failover |',
      '| buffered, 125 KB conversation | total | modelgate |',
      '| 64 |',
      '| floor (bare Node proxy) |',
      '| `modelgate serve` |',
    ])
      expect(report).toContain(row);
    // The Lambda import against both baselines, each with a measured ratio.
    expect(report).toMatch(/\| baseline: the AWS SDK clients it needs, imported alone [^\n]*\| \d+\.\d+× \| ≤ 1\.2× \|/);
    expect(report).toMatch(/\| baseline: the same clients constructed and the first config Query sent at import[^\n]*\| \d+\.\d+× \| — \|/);
    const svg = readFileSync(`${ROOT}bench/results/latency.svg`, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<polyline');
    expect(readFileSync(`${ROOT}bench/results/streams.svg`, 'utf8').match(/<polyline/g)).toHaveLength(2);
    const results = JSON.parse(readFileSync(`${ROOT}bench/results/results.json`, 'utf8')) as {
      ops: { healthyUncached: { writes: number } };
      streams: { streams: number; completed: number; broken: number; floor: { completed: number; broken: number } };
    };
    // Counted figures, not timings: a healthy request writes nothing to the table, and every one of
    // the concurrent streams arrives whole, through the floor and through modelgate.
    expect(results.ops.healthyUncached.writes).toBe(0);
    expect(results.streams).toMatchObject({ broken: 0, completed: results.streams.streams, floor: { broken: 0, completed: results.streams.streams } });
    expect(existsSync(`${ROOT}bench/results/report.md`)).toBe(true);
  }, 180_000);
});
