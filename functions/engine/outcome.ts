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
  model?: string;
  usage?: TokenUsage;
  streaming: boolean;
  /** How a streamed answer ended: complete, broken after it started, or cut by the client. */
  streamEnd?: 'done' | 'broken' | 'cancelled';
}

export const newOutcome = (): RequestOutcome => ({ attempts: [], streaming: false });
