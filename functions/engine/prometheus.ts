/**
 * Metrics for Prometheus (`modelgate serve --metrics-port`), scraped from `/metrics` as
 * agentgateway's are from :15020. The GenAI histograms carry OpenTelemetry's GenAI semantic
 * convention names and labels the way agentgateway spells them (its own prefix, then
 * `gen_ai_client_token_usage`, `gen_ai_server_request_duration`, `gen_ai_server_time_to_first_token`;
 * seconds; agentgateway's buckets), so its dashboards work with the prefix changed. modelgate's
 * own counters say what failover did: attempts, failovers, evictions, per-attempt upstream time.
 *
 * One registry per sink (never prom-client's global one): two engines in one process, or a test
 * beside a server, must not share or clash. Node's process metrics are registered in it as well.
 *
 * Label values come from the config (route, backend and provider names: bounded by the config)
 * and from clients and upstreams (model names: not bounded by anything). Model names go through
 * ModelLabels, which admits a bounded number of distinct (request model, response model) pairs
 * and folds the rest into `other`: a client that sends a new model name with every request cannot
 * grow the registry without end.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './prometheus-series.js';
import type { MetricsSink } from './metrics.js';
import type { RequestOutcome } from './outcome.js';

// agentgateway's buckets (crates/agentgateway/src/telemetry/metrics.rs), themselves the GenAI
// semantic conventions' advice, so histograms from both gateways can be compared bucket for bucket.
const TOKEN_USAGE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const REQUEST_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const FIRST_TOKEN_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
/** One attempt can fail in a millisecond (a refused connection): finer at the bottom than a whole request. */
const ATTEMPT_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 80.0];

/** A label with no value: agentgateway's word for it, so queries written for it match. */
const UNKNOWN = 'unknown';
/** The model label of everything past the budget. */
export const OTHER = 'other';

/**
 * Distinct (request model, response model) pairs kept as label values by default. A gateway
 * serves a few dozen models at most; each pair costs about 70 series across the GenAI histograms.
 */
const DEFAULT_MAX_MODEL_PAIRS = 64;
/**
 * Longest model label value. Real names fit (a Bedrock inference-profile ARN is about 110
 * characters); the log and the served-by header keep up to 256.
 */
export const MAX_MODEL_LABEL_CHARS = 128;

interface PrometheusMetricsOptions {
  /** Metric name prefix, as agentgateway's is `agentgateway`. Default `modelgate`. */
  prefix?: string;
  /** Distinct (request model, response model) pairs with labels of their own; the rest are `other`. */
  maxModelPairs?: number;
  /** Node's process metrics (CPU, memory, event loop, GC) in the same registry. Default true. */
  processMetrics?: boolean;
}

/**
 * The model labels of a request. A pair of names is admitted (and kept) only when an upstream
 * answered it with a 2xx: a name nobody serves — what a client probing with random names sends —
 * never takes a place, and the places are bounded anyway. Pairs seen before keep their labels
 * whatever the answer, so errors of a real model are counted under its name.
 */
export class ModelLabels {
  private readonly pairs = new Set<string>();

  constructor(private readonly maxPairs: number = DEFAULT_MAX_MODEL_PAIRS) {}

  get size(): number {
    return this.pairs.size;
  }

  label(requestModel: string | undefined, responseModel: string | undefined, answered: boolean): { request: string; response: string } {
    const request = requestModel ? requestModel.slice(0, MAX_MODEL_LABEL_CHARS) : UNKNOWN;
    const response = responseModel ? responseModel.slice(0, MAX_MODEL_LABEL_CHARS) : UNKNOWN;
    const key = `${request}\u0000${response}`;
    if (this.pairs.has(key)) return { request, response };
    if (answered && this.pairs.size < this.maxPairs) {
      this.pairs.add(key);
      return { request, response };
    }
    return { request: OTHER, response: OTHER };
  }
}

const GEN_AI_LABELS = ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'gen_ai_response_model', 'route', 'backend', 'provider'] as const;

export class PrometheusMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly models: ModelLabels;
  private readonly requests: LabelledCounter;
  private readonly attempts: LabelledCounter;
  private readonly failovers: LabelledCounter;
  private readonly evictions: LabelledCounter;
  private readonly streams: LabelledCounter;
  private readonly hedges: LabelledCounter;
  private readonly upstreamDuration: LabelledHistogram;
  private readonly requestDuration: LabelledHistogram;
  private readonly timeToFirstToken: LabelledHistogram;
  private readonly tokenUsage: LabelledHistogram;

  constructor(options: PrometheusMetricsOptions = {}) {
    const p = `${options.prefix ?? 'modelgate'}_`;
    const registry = this.registry;
    this.models = new ModelLabels(options.maxModelPairs);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

    this.requests = new LabelledCounter(
      `${p}requests_total`,
      'Requests answered, by route, backend, the provider that answered (or gave the final error) and HTTP status',
      ['route', 'backend', 'provider', 'status'],
      registry,
    );
    this.attempts = new LabelledCounter(
      `${p}upstream_attempts_total`,
      'Calls to providers, by outcome: the HTTP status (or the one an in-stream error stands for), the failure word when there was no usable answer, and whether the answer counted as unhealthy',
      ['backend', 'provider', 'status', 'failure', 'unhealthy'],
      registry,
    );
    this.failovers = new LabelledCounter(
      `${p}failovers_total`,
      'Times a request moved on from a provider to the next candidate, by the provider it left',
      ['backend', 'provider'],
      registry,
    );
    this.evictions = new LabelledCounter(
      `${p}evictions_total`,
      'Evictions this instance made (another instance on the same table counts its own)',
      ['backend', 'provider'],
      registry,
    );
    this.streams = new LabelledCounter(
      `${p}streams_total`,
      'Streamed answers by how they ended: done, broken after the answer started, or cancelled by the client',
      ['backend', 'provider', 'end'],
      registry,
    );
    this.hedges = new LabelledCounter(
      `${p}hedges_total`,
      'Hedged requests (modelgate.dev/hedge-after): hedges started, requests a hedge answered (won), and attempts cancelled because another answered first',
      ['backend', 'event'],
      registry,
    );
    this.upstreamDuration = new LabelledHistogram(
      `${p}upstream_request_duration_seconds`,
      'Duration of one attempt on one provider, until its answer (for a stream: until its first content event), seconds',
      ['backend', 'provider'],
      ATTEMPT_DURATION_BUCKETS,
      registry,
    );
    this.requestDuration = new LabelledHistogram(
      `${p}gen_ai_server_request_duration`,
      'Duration of generative AI request (seconds; a stream until its last byte)',
      GEN_AI_LABELS,
      REQUEST_DURATION_BUCKETS,
      registry,
    );
    this.timeToFirstToken = new LabelledHistogram(
      `${p}gen_ai_server_time_to_first_token`,
      'Time to generate the first token for a given request (seconds, from the request to the first content event of the stream; streams only)',
      GEN_AI_LABELS,
      FIRST_TOKEN_BUCKETS,
      registry,
    );
    this.tokenUsage = new LabelledHistogram(
      `${p}gen_ai_client_token_usage`,
      'Number of tokens used per request',
      [...GEN_AI_LABELS, 'gen_ai_token_type'],
      TOKEN_USAGE_BUCKETS,
      registry,
    );
  }

  /** The Prometheus text exposition format's content type, for the `/metrics` answer. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric in the registry. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  requestDone(outcome: RequestOutcome, status: number, latencyMs: number): void {
    const route = outcome.route ?? UNKNOWN;
    const backend = outcome.backend ?? UNKNOWN;
    const provider = outcome.provider ?? UNKNOWN;
    this.requests.inc([route, backend, provider, String(status)]);
    if (!outcome.backend) return; // refused before a backend was chosen: no provider was involved

    const { attempts } = outcome;
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!;
      this.attempts.inc([backend, a.provider, a.status === undefined ? 'none' : String(a.status), a.failure ?? 'none', String(a.unhealthy)]);
      this.upstreamDuration.observe([backend, a.provider], a.latencyMs / 1000);
      if (a.evictedForMs !== undefined) this.evictions.inc([backend, a.provider]);
      // Every attempt but the last was followed by another: a failover away from its provider.
      if (i < attempts.length - 1) this.failovers.inc([backend, a.provider]);
    }
    if (outcome.streamEnd && outcome.provider) this.streams.inc([backend, outcome.provider, outcome.streamEnd]);
    if (outcome.hedges) {
      this.hedges.inc([backend, 'started'], outcome.hedges.started);
      this.hedges.inc([backend, 'won'], outcome.hedges.won ? 1 : 0);
      this.hedges.inc([backend, 'cancelled'], outcome.hedges.cancelled);
    }

    const answered = status >= 200 && status < 300;
    const models = this.models.label(outcome.requestModel, outcome.model, answered);
    // GEN_AI_LABELS' order. Both client APIs (chat completions, Messages) are the convention's `chat` operation.
    const genAi = ['chat', outcome.providerKind ?? UNKNOWN, models.request, models.response, route, backend, provider];
    this.requestDuration.observe(genAi, latencyMs / 1000);
    if (outcome.timeToFirstTokenMs !== undefined) this.timeToFirstToken.observe(genAi, outcome.timeToFirstTokenMs / 1000);
    if (outcome.usage) {
      this.tokenUsage.observe([...genAi, 'input'], outcome.usage.input);
      this.tokenUsage.observe([...genAi, 'output'], outcome.usage.output);
    }
  }
}
