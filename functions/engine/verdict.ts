/**
 * Two questions about one attempt, kept apart on purpose:
 * - unhealthy? (the health policy) — counts toward eviction, affects later requests;
 * - retryable? (the retry policy) — fails over now, within this request, and nothing else.
 * A 429 is retryable but, by default, not unhealthy; the tutorial's condition makes 404 unhealthy.
 */
import type { CelContext } from '../model/cel.js';
import type { CompiledProvider, HealthSettings, RetrySettings } from '../model/config.js';
import type { AttemptFailure, AttemptResult } from './attempt.js';
import type { GatewayRequest } from './types.js';

interface Verdict {
  unhealthy: boolean;
  retryable: boolean;
}

export interface VerdictInput {
  /** The HTTP status (or the status an in-stream error stands for); undefined when nothing answered. */
  status: number | undefined;
  failure: AttemptFailure | undefined;
  health: HealthSettings;
  retry: RetrySettings;
  /** Built only when a CEL expression needs it. */
  context: () => CelContext;
}

/**
 * Default retryable statuses: the upstream timed out (408), rate limited (429), and every server
 * error (529 overloaded included) — what a retry policy would list.
 */
const isDefaultRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

export function judge({ status, failure, health, retry, context }: VerdictInput): Verdict {
  // No answer at all (refused, reset, timed out, broken stream): unhealthy and retryable whatever
  // the condition says — a CEL condition judges answers, and there is none. (agentgateway lets the
  // condition's evaluation error call it healthy; modelgate does not park traffic on a dead host.)
  if (status === undefined) return { unhealthy: true, retryable: true };
  const malformed = failure === 'malformed';
  // The CEL context is built once, and only when a condition is evaluated.
  let ctx: CelContext | undefined;
  const celContext = (): CelContext => {
    ctx ??= context();
    return ctx;
  };
  const unhealthy = health.condition ? health.condition.test(celContext()) : status >= 500 || malformed;
  const retryable = malformed || (retry.codes ? retry.codes.has(status) : isDefaultRetryableStatus(status)) || retry.condition?.test(celContext()) === true;
  return { unhealthy, retryable };
}

/** What a CEL condition sees of one attempt: the request, the upstream's answer, the LLM facts. */
export function celContext(req: GatewayRequest, sentModel: string | undefined, provider: CompiledProvider, result: AttemptResult, streaming: boolean): CelContext {
  const llm: CelContext['llm'] = { provider: provider.target.kind, streaming };
  const requestModel = sentModel ?? provider.target.model;
  if (requestModel !== undefined) llm.requestModel = requestModel;
  if (result.model !== undefined) llm.responseModel = result.model;
  if (result.usage) {
    llm.inputTokens = result.usage.input;
    llm.outputTokens = result.usage.output;
    llm.totalTokens = result.usage.input + result.usage.output;
  }
  return {
    request: { method: req.method, path: req.path, host: req.headers.host ?? '', headers: req.headers },
    ...(result.status !== undefined && { response: { code: result.status, headers: result.upstreamHeaders } }),
    llm,
  };
}
