/**
 * What happened to one request, filled in as it goes and read once it is over (for a stream: when
 * the last byte went out): the request log line and the metrics are both written from it.
 */
import type { TokenUsage } from '../providers/types.js';

export interface AttemptRecord {
  provider: string;
  /** HTTP status, or the status an in-stream error stands for. */
  status?: number;
  /** connect / timeout / reset / malformed / ... when there was no usable answer. */
  failure?: string;
  latencyMs: number;
  unhealthy: boolean;
  /** Set when this attempt evicted the provider. */
  evictedForMs?: number;
}

export interface RequestOutcome {
  route?: string;
  backend?: string;
  attempts: AttemptRecord[];
  /** The provider and model that answered (or gave the final error). */
  provider?: string;
  /** That provider's kind (`anthropic`, `openai`, ...): OpenTelemetry's `gen_ai.system`. */
  providerKind?: string;
  model?: string;
  /** The model the client asked for (bounded and redacted, as `model` is). */
  requestModel?: string;
  /** Engine clock time at which the answering stream's first content event arrived (streams only). */
  firstContentAt?: number;
  /** From the request's start to that first content event; set by the engine once the request is over. */
  timeToFirstTokenMs?: number;
  usage?: TokenUsage;
  streaming: boolean;
  /** How a streamed answer ended: complete, broken after it started, or cut by the client. */
  streamEnd?: 'done' | 'broken' | 'cancelled';
  /** Set when a hedge ran (engine/failover.ts): hedges started, whether one of them answered, attempts cancelled. */
  hedges?: { started: number; won: boolean; cancelled: number };
}

export const newOutcome = (): RequestOutcome => ({ attempts: [], streaming: false });
