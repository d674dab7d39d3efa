/**
 * Where the engine reports each finished request. The engine does not know the format: the Node
 * server counts for Prometheus (prometheus.ts), the Lambda adapter writes CloudWatch EMF
 * (http/emf-metrics.ts).
 */
import type { RequestOutcome } from './outcome.js';

export interface MetricsSink {
  requestDone(outcome: RequestOutcome, status: number, latencyMs: number): void;
}
