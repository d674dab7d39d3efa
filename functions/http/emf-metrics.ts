/**
 * Metrics in CloudWatch Embedded Metric Format: JSON log lines that CloudWatch turns into metrics,
 * with no API call on the request path. Written by hand (a page) rather than with
 * aws-embedded-metrics or Powertools Metrics: both flush when the handler returns, and a
 * streamed answer ends after that; here a request's metrics are written when its last byte went out.
 *
 * Per request, up to three documents:
 *   Backend              Requests, Failovers, ServerErrors, Latency (ms); HedgesStarted, HedgesWon,
 *                        HedgesCancelled when a hedge ran
 *   Backend, Provider    Attempts, UnhealthyAnswers, Evictions, UpstreamLatency (ms; one value per attempt)
 *   Model                InputTokens, OutputTokens
 */
import type { MetricsSink } from '../engine/metrics.js';
import type { RequestOutcome } from '../engine/outcome.js';

type Unit = 'Count' | 'Milliseconds';

export class EmfMetrics implements MetricsSink {
  constructor(
    private readonly namespace = 'modelgate',
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly now: () => number = Date.now,
  ) {}

  requestDone(outcome: RequestOutcome, status: number, latencyMs: number): void {
    if (!outcome.backend) return; // refused before a backend was chosen: nothing per backend to count
    const backend = outcome.backend;
    this.emit(
      { Backend: backend },
      {
        Requests: [1, 'Count'],
        Failovers: [Math.max(0, outcome.attempts.length - 1), 'Count'],
        ServerErrors: [status >= 500 ? 1 : 0, 'Count'],
        Latency: [Math.round(latencyMs), 'Milliseconds'],
        ...(outcome.hedges && {
          HedgesStarted: [outcome.hedges.started, 'Count'],
          HedgesWon: [outcome.hedges.won ? 1 : 0, 'Count'],
          HedgesCancelled: [outcome.hedges.cancelled, 'Count'],
        }),
      },
    );
    const byProvider = new Map<string, RequestOutcome['attempts']>();
    for (const a of outcome.attempts) byProvider.set(a.provider, [...(byProvider.get(a.provider) ?? []), a]);
    for (const [provider, attempts] of byProvider) {
      this.emit(
        { Backend: backend, Provider: provider },
        {
          Attempts: [attempts.length, 'Count'],
          UnhealthyAnswers: [attempts.filter((a) => a.unhealthy).length, 'Count'],
          Evictions: [attempts.filter((a) => a.evictedForMs !== undefined).length, 'Count'],
          UpstreamLatency: [attempts.map((a) => Math.round(a.latencyMs)), 'Milliseconds'],
        },
      );
    }
    if (outcome.model && outcome.usage) {
      this.emit({ Model: outcome.model }, { InputTokens: [outcome.usage.input, 'Count'], OutputTokens: [outcome.usage.output, 'Count'] });
    }
  }

  private emit(dimensions: Record<string, string>, metrics: Record<string, [number | number[], Unit]>): void {
    const doc: Record<string, unknown> = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.namespace,
            Dimensions: [Object.keys(dimensions)],
            Metrics: Object.entries(metrics).map(([Name, [, Unit]]) => ({ Name, Unit })),
          },
        ],
      },
      ...dimensions,
    };
    for (const [name, [value]] of Object.entries(metrics)) doc[name] = value;
    this.write(JSON.stringify(doc));
  }
}
