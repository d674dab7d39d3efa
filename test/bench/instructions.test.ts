/**
 * The bench's instructions-per-request scenario (`npm run bench -- --instructions`): reading
 * callgrind's per-thread dumps, and a small run of the scenario itself under valgrind when the
 * machine has it. Counts, not timings: the gateway executes more instructions per request than the
 * bare proxy it is held against (it parses, routes and checks what the proxy passes through).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeUnavailable } from '../support/shared.js';
import { dumpTotals, instructionsGoalLines, instructionsReport, instructionsScenario, missingTool } from '../../bench/instructions.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const dump = (name: string, n: number) => ({ name, text: `# callgrind format\nevents: Ir\n\nfn=(1) main\n0 ${n}\n\ntotals: ${n}\n` });

describe('reading callgrind dumps', () => {
  it('adds the threads of the last dump and names the main thread apart', () => {
    const files = [dump('t1.42.1-01', 10), dump('t1.42.1-03', 5), dump('t1.42.2-01', 700), dump('t1.42.2-02', 0), dump('t1.42.2-04', 300), dump('t0.42.2-01', 9)];
    expect(dumpTotals(files, 't1.42.')).toEqual({ main: 700, all: 1000 });
  });

  it('takes `summary:` as well as `totals:`, and refuses a dump without either', () => {
    expect(dumpTotals([{ name: 'x.1.1-01', text: 'summary: 12\n' }], 'x.1.')).toEqual({ main: 12, all: 12 });
    expect(() => dumpTotals([{ name: 'x.1.1-01', text: 'events: Ir\n' }], 'x.1.')).toThrow(/no summary line/);
    expect(() => dumpTotals([], 'x.1.')).toThrow(/no callgrind dump/);
  });

  it('renders the figures against the floor, or one line when valgrind is missing', () => {
    expect(instructionsReport({ available: false, reason: 'valgrind is not installed' }).join('\n')).toContain('Not measured: valgrind is not installed.');
    const result = {
      available: true as const,
      warmup: 10,
      requests: 5,
      rows: [
        { target: 'floor (bare Node proxy)', requests: 5, errors: 0, main: 250_000, all: 260_000 },
        { target: 'modelgate', requests: 5, errors: 0, main: 462_500, all: 600_000 },
      ],
    };
    const lines = instructionsReport(result);
    expect(lines).toContain('| modelgate | 462.5 k | 1.85× | 600.0 k | 0 |');
    expect(instructionsGoalLines(result).join('\n')).toContain("modelgate 462.5 k against the floor's 250.0 k, 1.85×");
    expect(instructionsGoalLines({ available: false, reason: 'x' })).toEqual([]);
    expect(instructionsGoalLines(undefined)).toEqual([]);
  });
});

const SCENARIO = 'the scenario under valgrind';
const missing = missingTool();
// As with ../shared: a clone without valgrind skips it in one line; CI (which installs it in .ci/run) must run it.
if (missing) describeUnavailable(SCENARIO, 'counts the floor and modelgate per request', missing, '.ci/run installs valgrind');
else
  describe(SCENARIO, () => {
    it('counts the floor and modelgate per request, the requests answered', async () => {
      const results = mkdtempSync(`${tmpdir()}/modelgate-instr-`);
      try {
        const r = await instructionsScenario(ROOT, results, 150, 40);
        if (!r.available) throw new Error(`the scenario did not run: ${r.reason}`);
        expect(r.rows.map((x) => [x.target, x.requests + x.errors])).toEqual([
          ['floor (bare Node proxy)', 40],
          ['modelgate', 40],
        ]);
        // Answered, bar at most a couple: one run in several lost a request (a keep-alive socket is the
        // likely cause: the proxy may close an idle one while valgrind zeroes its counters).
        for (const row of r.rows) expect(row.errors, `${row.target}: ${row.errors} of 40 requests failed`).toBeLessThanOrEqual(2);
        for (const row of r.rows) expect(row.all).toBeGreaterThanOrEqual(row.main);
        // A proxy request is hundreds of thousands of instructions, not a handful (the counters ran).
        expect(r.rows[0]!.main).toBeGreaterThan(50_000);
        expect(r.rows[1]!.main).toBeGreaterThan(r.rows[0]!.main);
      } finally {
        rmSync(results, { recursive: true, force: true });
      }
    }, 280_000);
  });
