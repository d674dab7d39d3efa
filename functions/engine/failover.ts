/**
 * One request in a client's API (OpenAI chat completions or Anthropic Messages), from route to
 * answer: read eviction state once, order the candidates, and try them until one answers or the
 * failover rules say stop. Every response — answer or error, buffered or streamed — says who
 * served it and what was tried. The client's API decides only the shapes: how the request is
 * read, which adapter serves it from each provider, and how errors look.
 */
import type { CelContext } from '../model/cel.js';
import type { CompiledBackend, CompiledProvider, CompiledRule } from '../model/config.js';
import { RequestNotExpressible } from '../providers/types.js';
import type { ProviderState } from '../state/store.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { candidateOrder } from './choose.js';
import { errorResponseFor, type ClientApiSpec } from './client-api.js';
import { Deadline, sleep } from './deadline.js';
import { BadRequest } from './errors.js';
import { evictionFor } from './eviction.js';
import { formatDuration } from '../model/duration.js';
import { retryAfterMs } from './retry-after.js';
import type { EngineContext } from './context.js';
import type { RequestOutcome } from './outcome.js';
import type { GatewayRequest, GatewayResponse } from './types.js';
import { judge } from './verdict.js';

export const SERVED_BY = { provider: 'x-modelgate-provider', model: 'x-modelgate-model', attempts: 'x-modelgate-attempts' } as const;

/** The served-by model header and the log carry at most this much of a model name an upstream chose. */
const MAX_SERVED_MODEL_CHARS = 256;

/** Headers of a final upstream answer worth passing on: when to come back. */
const PASSED_HEADERS = ['retry-after', 'retry-after-ms'];

/**
 * Serves one request of `api`. A request the client must fix throws BadRequest, which the engine
 * answers with a 400 in the API's own error shape, with no upstream call.
 */
export async function handleApiRequest<Req>(api: ClientApiSpec<Req>, ctx: EngineContext, req: GatewayRequest, rule: CompiledRule, outcome: RequestOutcome): Promise<GatewayResponse> {
  const parsed = api.parse(req.body);
  const backend = pickBackend(rule, ctx.random);
  if (!backend) return errorResponseFor(api, 500, 'The route has no backend to send this request to.', 'server_error', 'no_backend');
  outcome.backend = backend.id;
  outcome.streaming = api.stream(parsed);
  const asked = api.model(parsed);
  // The client's words: bounded and redacted before a log or a metric label sees them.
  if (asked !== undefined) outcome.requestModel = ctx.redact(asked.slice(0, MAX_SERVED_MODEL_CHARS));

  const requestDeadline = new Deadline(req.signal, rule.requestTimeoutMs, 'route request timeout');
  let res: GatewayResponse | undefined;
  try {
    res = await failover(api, ctx, req, rule, backend, parsed, requestDeadline, outcome);
    return res;
  } finally {
    // A streamed answer outlives this function and keeps the request deadline running; the
    // stream's end disposes it.
    if (typeof res?.body !== 'object') requestDeadline.dispose();
  }
}

async function failover<Req>(
  api: ClientApiSpec<Req>,
  ctx: EngineContext,
  req: GatewayRequest,
  rule: CompiledRule,
  backend: CompiledBackend,
  parsed: Req,
  requestDeadline: Deadline,
  outcome: RequestOutcome,
): Promise<GatewayResponse> {
  const started = ctx.now();
  const states = await ctx.readStates(backend);
  for (const p of backend.providers) {
    ctx.stats.noteEviction(p.id, states.get(p.id)?.evictedUntil ?? 0, started, p.health.eviction?.restoreHealth);
  }
  const order = candidateOrder(backend, states, ctx.stats, started, ctx.random);
  const maxAttempts = Math.min(rule.retry.attempts !== undefined ? rule.retry.attempts + 1 : order.length, ctx.limits.maxAttempts);
  const trail: string[] = [];
  const stream = api.stream(parsed);

  let last: AttemptResult | undefined;
  for (let i = 0; i < maxAttempts; i++) {
    const provider = order[i % order.length]!;
    if (i > 0 && rule.retry.backoffMs) {
      try {
        await sleep(rule.retry.backoffMs, requestDeadline.signal);
      } catch {
        break;
      }
    }
    const request = api.applyAiPolicy(parsed, provider.ai);
    let result: AttemptResult;
    ctx.stats.begin(provider.id);
    try {
      result = await runAttempt({
        api,
        provider,
        adapter: api.adapter(provider.target),
        request,
        stream,
        clientHeaders: req.headers,
        requestSignal: requestDeadline.signal,
        timeoutMs: Math.min(provider.requestTimeoutMs ?? Infinity, rule.attemptTimeoutMs ?? Infinity, ctx.limits.attemptTimeoutMs),
        streamIdleMs: ctx.limits.streamIdleMs,
        now: ctx.now,
        redact: ctx.redact,
        budget: ctx.buffers,
        onStreamEnd: (end) => {
          requestDeadline.dispose();
          outcome.streamEnd = end.kind;
          if (end.usage) outcome.usage = end.usage;
          if (end.kind === 'broken') {
            ctx.logger.log('warn', 'stream_broken', `stream from ${provider.name} broke after the answer started: ${end.reason}`, { requestId: req.id, provider: provider.name });
          }
        },
      });
    } catch (error) {
      ctx.stats.end(provider.id);
      // The adapter refused to build the call (e.g. no model to send): the client must fix it.
      // Anything else is a bug, and must look like one (a 500), not like the client's mistake.
      if (error instanceof RequestNotExpressible) throw new BadRequest(error.message, error.param);
      throw error;
    }
    ctx.stats.end(provider.id);
    // An attempt cut by the route's own request timeout is a timeout, in the trail's words
    // (connect/timeout/reset); `aborted` is left for a client that went away.
    // A 200 whose body could not be read is not a 200 in the trail.
    const word = result.failure === 'aborted' && requestDeadline.timedOut ? 'timeout' : result.failure;
    trail.push(`${provider.name}:${result.failure === 'malformed' ? 'malformed' : (result.status ?? word)}`);
    last = result;

    if (result.failure === 'aborted') break; // the client left or the request's deadline passed
    if (result.failure === 'overloaded') break; // this process is full; no provider is to blame
    const verdict = judge({
      status: result.ok ? result.status : result.failure === 'status' || result.failure === 'stream' || result.failure === 'malformed' ? result.status : undefined,
      failure: result.failure,
      health: provider.health,
      retry: rule.retry,
      context: () => celContext(req, api.model(request), provider, result, stream),
    });
    const evictedForMs = await record(ctx, req, provider, result, verdict.unhealthy, states.get(provider.id));
    outcome.attempts.push({
      provider: provider.name,
      ...(result.status !== undefined && result.failure !== 'malformed' && { status: result.status }),
      ...(result.failure !== undefined && result.failure !== 'status' && { failure: result.failure }),
      latencyMs: result.latencyMs,
      unhealthy: verdict.unhealthy,
      ...(evictedForMs !== undefined && { evictedForMs }),
    });

    if (result.ok) {
      if (result.firstContentAt !== undefined) outcome.firstContentAt = result.firstContentAt;
      return respond(result, trail, api.model(parsed), outcome, ctx.redact);
    }
    const next = order[(i + 1) % order.length];
    const canRetry = (verdict.unhealthy || verdict.retryable) && i + 1 < maxAttempts && !requestDeadline.signal.aborted;
    if (!canRetry) break;
    // The text log prints the message only: a connection that failed says why there (the JSON log
    // has it as `reason` too), or "connect" alone leaves DNS, refusal and TLS looking the same.
    const why = connectionReason(result);
    const what = why === undefined ? `answered ${result.status ?? result.failure}` : `failed with ${result.failure}: ${why}`;
    ctx.logger.log('info', 'failover', `failover ${backend.name}: ${provider.name} ${what} (${verdict.unhealthy ? 'unhealthy' : 'retryable'}); trying ${next!.name}`, {
      requestId: req.id,
      backend: backend.id,
      from: provider.name,
      to: next!.name,
      status: result.status ?? null,
      failure: result.failure ?? null,
      unhealthy: verdict.unhealthy,
      reason: result.reason,
    });
  }
  if (!last) return errorResponseFor(api, 504, 'The request timed out before any provider answered.', 'timeout_error', 'request_timeout');
  if (last.failure === 'aborted' && requestDeadline.timedOut) {
    return withServedBy(errorResponseFor(api, 504, 'The request timed out.', 'timeout_error', 'request_timeout'), last, trail, api.model(parsed), outcome, ctx.redact);
  }
  return respond(last, trail, api.model(parsed), outcome, ctx.redact);
}

function respond(result: AttemptResult, trail: readonly string[], clientModel: string | undefined, outcome: RequestOutcome, redact: (text: string) => string): GatewayResponse {
  const headers: Record<string, string> = { 'content-type': result.reply.contentType };
  if (result.reply.contentType === 'text/event-stream') headers['cache-control'] = 'no-cache';
  if (!result.ok) {
    for (const name of PASSED_HEADERS) {
      const value = result.upstreamHeaders[name];
      if (value !== undefined) headers[name] = headerSafe(redact(value)).slice(0, 64);
    }
  }
  if (result.usage) outcome.usage = result.usage;
  return withServedBy({ status: result.reply.status, headers, body: result.reply.body }, result, trail, clientModel, outcome, redact);
}

function withServedBy(res: GatewayResponse, result: AttemptResult, trail: readonly string[], clientModel: string | undefined, outcome: RequestOutcome, redact: (text: string) => string): GatewayResponse {
  outcome.provider = result.provider.name;
  outcome.providerKind = result.provider.target.kind;
  // The upstream names the model in its body: bounded and redacted before it is logged or echoed.
  const model = result.model ?? result.provider.target.model ?? clientModel;
  outcome.model = model === undefined ? undefined : redact(model.slice(0, MAX_SERVED_MODEL_CHARS));
  res.headers[SERVED_BY.provider] = result.provider.name;
  // The model name comes from the upstream's body or the client's request: either can hold
  // characters a header cannot (a CJK name, a newline), and an invalid header value made the
  // Node adapter's writeHead throw — an unhandled rejection that took the server down.
  res.headers[SERVED_BY.model] = headerSafe(outcome.model ?? '');
  res.headers[SERVED_BY.attempts] = trail.join(',');
  return res;
}

/** Percent-encodes (as UTF-8) every character outside printable ASCII, so any string is a valid header value. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/gu, (c) => Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/**
 * Eviction bookkeeping for one attempt: shared counters in the store, this instance's scores in
 * memory. Returns how long the provider was evicted for, when this attempt evicted it.
 */
async function record(
  ctx: EngineContext,
  req: GatewayRequest,
  provider: CompiledProvider,
  result: AttemptResult,
  unhealthy: boolean,
  known: ProviderState | undefined,
): Promise<number | undefined> {
  const now = ctx.now();
  if (!unhealthy) {
    ctx.stats.recordHealthy(provider.id, result.latencyMs);
    ctx.resetState(provider, known, now);
    return undefined;
  }
  const health = ctx.stats.get(provider.id).health;
  const reason = connectionReason(result);
  ctx.stats.recordUnhealthy(provider.id, { what: String(result.status ?? result.failure ?? 'unhealthy'), ...(reason !== undefined && { reason: ctx.redact(reason) }), at: now });
  const retryAfter = result.status === 429 || result.status === 503 ? retryAfterMs(result.upstreamHeaders, now) : undefined;
  const failure = await ctx.recordFailure(
    provider,
    (before) => evictionFor({ eviction: provider.health.eviction, before, health, retryAfterMs: retryAfter }),
    now,
  );
  const evictedForMs = failure?.evictedForMs;
  if (failure === undefined || evictedForMs === undefined) return undefined;
  ctx.stats.noteEviction(provider.id, failure.state.evictedUntil, now, provider.health.eviction?.restoreHealth);
  ctx.logger.log('warn', 'eviction', `evicted ${provider.name} of ${provider.backendId} for ${formatDuration(evictedForMs)} after ${result.status ?? result.failure} (eviction #${failure.state.timesEvicted}, ${failure.state.consecutiveFailures} consecutive failure${failure.state.consecutiveFailures === 1 ? '' : 's'})`, {
    requestId: req.id,
    backend: provider.backendId,
    provider: provider.name,
    evictedForMs,
    evictedUntil: new Date(failure.state.evictedUntil).toISOString(),
    timesEvicted: failure.state.timesEvicted,
    consecutiveFailures: failure.state.consecutiveFailures,
    status: result.status ?? null,
    failure: result.failure ?? null,
  });
  return evictedForMs;
}

/** A reason this long is a sentence already; past it, the JSON log's `reason` field has the rest. */
const MAX_SHORT_REASON_CHARS = 160;

/**
 * Why a connection failed, in the network stack's words: only for connect, reset and timeout
 * failures, whose reason is never an upstream's body. Node's `ENOTFOUND: getaddrinfo ENOTFOUND
 * host` says its code twice; once is enough.
 */
function connectionReason(result: AttemptResult): string | undefined {
  if (result.failure !== 'connect' && result.failure !== 'reset' && result.failure !== 'timeout') return undefined;
  const doubled = /^([A-Z][A-Z0-9_]+): (.*\b\1\b.*)$/s.exec(result.reason.slice(0, 1_000));
  const text = doubled ? doubled[2]! : result.reason;
  return text.length <= MAX_SHORT_REASON_CHARS ? text : `${text.slice(0, MAX_SHORT_REASON_CHARS)}…`;
}

function celContext(req: GatewayRequest, sentModel: string | undefined, provider: CompiledProvider, result: AttemptResult, streaming: boolean): CelContext {
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

/** Gateway API weights: a backend is chosen in proportion to its weight; weight 0 is never chosen. */
function pickBackend(rule: CompiledRule, random: () => number): CompiledBackend | undefined {
  if (rule.backends.length === 1) return rule.backends[0]!.weight > 0 ? rule.backends[0]!.backend : undefined;
  const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
  if (total <= 0) return undefined;
  let at = random() * total;
  for (const b of rule.backends) {
    at -= b.weight;
    if (at < 0) return b.backend;
  }
  return rule.backends.at(-1)!.backend;
}
