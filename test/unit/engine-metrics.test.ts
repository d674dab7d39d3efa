/** The request log line and the EMF metrics, written once per request when its answer is complete. */
import { describe, expect, it } from 'vitest';
import { EmfMetrics } from '../../functions/http/emf-metrics.js';
import type { RequestOutcome } from '../../functions/engine/outcome.js';

describe('EmfMetrics', () => {
  const outcome: RequestOutcome = {
    route: 'ns/r#0',
    backend: 'ns/b',
    streaming: false,
    provider: 'sonnet',
    model: 'claude-sonnet-4-6',
    usage: { input: 34, output: 65 },
    attempts: [
      { provider: 'opus', status: 404, latencyMs: 12.4, unhealthy: true, evictedForMs: 10_000 },
      { provider: 'sonnet', status: 200, latencyMs: 250, unhealthy: false },
    ],
  };

  it('writes valid EMF documents: per backend, per provider and per model', () => {
    const lines: string[] = [];
    new EmfMetrics(
      'modelgate-test',
      (l) => lines.push(l),
      () => 1_700_000_000_000,
    ).requestDone(outcome, 200, 270.6);
    const docs = lines.map(
      (l) =>
        JSON.parse(l) as Record<string, unknown> & {
          _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
        },
    );
    expect(docs).toHaveLength(4);
    for (const d of docs) {
      const directive = d._aws.CloudWatchMetrics[0]!;
      expect(d._aws.Timestamp).toBe(1_700_000_000_000);
      expect(directive.Namespace).toBe('modelgate-test');
      // Every dimension and every metric named in the directive is a member of the document.
      for (const dim of directive.Dimensions[0]!) expect(typeof d[dim]).toBe('string');
      for (const m of directive.Metrics) expect(d[m.Name]).toBeDefined();
    }
    expect(docs[0]).toMatchObject({ Backend: 'ns/b', Requests: 1, Failovers: 1, ServerErrors: 0, Latency: 271 });
    expect(docs[1]).toMatchObject({ Backend: 'ns/b', Provider: 'opus', Attempts: 1, UnhealthyAnswers: 1, Evictions: 1, UpstreamLatency: [12] });
    expect(docs[2]).toMatchObject({ Provider: 'sonnet', Attempts: 1, Evictions: 0, UpstreamLatency: [250] });
    expect(docs[3]).toMatchObject({ Model: 'claude-sonnet-4-6', InputTokens: 34, OutputTokens: 65 });
  });

  it('writes nothing for a request refused before a backend was chosen', () => {
    const lines: string[] = [];
    new EmfMetrics('m', (l) => lines.push(l)).requestDone({ attempts: [], streaming: false }, 400, 1);
    expect(lines).toEqual([]);
  });
});
