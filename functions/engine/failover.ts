/**
 * One request in a client's API (OpenAI chat completions or Anthropic Messages), from route to
 * answer, one step per module: choose a backend and order its candidates (choose.ts), try them
 * (attempt.ts) until one answers or the verdict (verdict.ts) says stop, record what each attempt
 * means for its provider (record.ts), and respond (respond.ts). The client's API decides only the
 * shapes: how the request is read, which adapter serves it from each provider, and how errors look.
 */
import type { CompiledBackend, CompiledProvider, CompiledRule } from '../model/config.js';
import { RequestNotExpressible } from '../providers/types.js';
import type { ProviderState } from '../state/store.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { candidateOrder, pickBackend } from './choose.js';
import { errorResponseFor, type CandidateSkip, type ClientApiSpec } from './client-api.js';
import type { EngineContext } from './context.js';
import { Deadline, sleep } from './deadline.js';
import type { AttemptRecord, RequestOutcome } from './outcome.js';
import { connectionReason, record } from './record.js';
import { MAX_SERVED_MODEL_CHARS, respond, withServedBy } from './respond.js';
import type { GatewayRequest, GatewayResponse } from './types.js';
import { celContext, judge } from './verdict.js';
import { applyProviderPolicy } from './transformations.js';
import { guardRequest } from './prompt-guard.js';
import { guardAnswer, guardCallFor, rejectionResponse } from './prompt-guard-answer.js';

/** One request on its way through the steps: what every step may read of it. */
interface Run<Req> {
  api: ClientApiSpec<Req>;
  ctx: EngineContext;
  req: GatewayRequest;
  rule: CompiledRule;
  backend: CompiledBackend;
  /** The client's request, parsed and checked. */
  parsed: Req;
  stream: boolean;
  /** The route's request timeout, and the client going away. */
  deadline: Deadline;
  outcome: RequestOutcome;
}

/**
 * Serves one request of `api`. A request the client must fix throws BadRequest, which the engine
 * answers with a 400 in the API's own error shape, with no upstream call.
 */
export async function handleApiRequest<Req>(
  api: ClientApiSpec<Req>,
  ctx: EngineContext,
  req: GatewayRequest,
  rule: CompiledRule,
  outcome: RequestOutcome,
  /** The body as this API's parser read it already (routing by model reads it), so it is not parsed twice. */
  preParsed?: Req,
): Promise<GatewayResponse> {
  const parsed = preParsed ?? api.parse(req.body);
  const backend = pickBackend(rule, ctx.random);
  if (!backend) return errorResponseFor(api, 500, 'The route has no backend to send this request to.', 'server_error', 'no_backend');
  outcome.backend = backend.id;
  outcome.streaming = api.stream(parsed);
  const asked = api.model(parsed);
  // The client's words: bounded and redacted before a log or a metric label sees them.
  if (asked !== undefined) outcome.requestModel = ctx.redact(asked.slice(0, MAX_SERVED_MODEL_CHARS));

  const deadline = new Deadline(req.signal, rule.requestTimeoutMs, 'route request timeout');
  let res: GatewayResponse | undefined;
  try {
    res = await failover({ api, ctx, req, rule, backend, parsed, stream: api.stream(parsed), deadline, outcome });
    return res;
  } finally {
    // A streamed answer outlives this function and keeps the request deadline running; the
    // stream's end disposes it.
    if (typeof res?.body !== 'object') deadline.dispose();
  }
}

/** The steps, strung together: choose, then attempt -> verdict -> record until one answers, then respond. */
async function failover<Req>(run: Run<Req>): Promise<GatewayResponse> {
  const { api, ctx, rule, parsed, outcome } = run;
  const { order: ranked, states } = await candidates(run);
  // Providers this request cannot go to (no such API; embeddings of another model) are left out
  // before any attempt: named in the trail, never counted against their health.
  const skipped = api.skips?.(parsed, run.backend, ranked) ?? new Map<string, CandidateSkip>();
  const order = ranked.filter((p) => !skipped.has(p.id));
  const trail: string[] = ranked.filter((p) => skipped.has(p.id)).map((p) => `${p.name}:${skipped.get(p.id)!.word}`);
  if (skipped.size > 0) logSkipped(run, skipped);
  if (order.length === 0) return noneCanServe(run, skipped, trail);
  const maxAttempts = Math.min(rule.retry.attempts !== undefined ? rule.retry.attempts + 1 : order.length, ctx.limits.maxAttempts);
  let last: AttemptResult | undefined;
  /** The first provider that could not carry the request (a field, a content part), and why. */
  let refused: { provider: CompiledProvider; error: RequestNotExpressible } | undefined;
  for (let i = 0; i < maxAttempts; i++) {
    const provider = order[i % order.length]!;
    if (i > 0 && !(await backoff(run))) break;
    // Prompt guards are per provider (its merged `ai.promptGuard`); a rejection answers at once, before any upstream call:
    // the guard's verdict on the prompt, not a provider failure, so no failover and nothing recorded.
    const guards = guardCallFor(ctx, run.req, run.deadline.signal, provider);
    const guarded = await guardRequest(api.name, applyProviderPolicy(api, parsed, provider.ai, run.req), provider.ai.promptGuard, guards);
    if ('rejected' in guarded) return rejectionResponse(api, guarded.rejected, { 'x-modelgate-attempts': [...trail, `${provider.name}:guard`].join(',') });
    const request = guarded.request;
    let result: AttemptResult;
    try {
      result = await attempt(run, provider, request);
    } catch (error) {
      // This provider cannot carry the request: it is passed over (no upstream call, nothing
      // recorded against its health) and the next one is tried. Only when no provider that was
      // tried could carry it is the refusal the answer (a 400 below); a fallback that cannot carry
      // it never hides an earlier provider's real answer.
      if (!(error instanceof RequestNotExpressible)) throw error;
      refused ??= { provider, error };
      trail.push(`${provider.name}:unsupported`);
      ctx.logger.log('info', 'unsupported', `${run.backend.name}: ${provider.name} cannot carry this request (${error.param ?? 'request'}); passed over`, {
        requestId: run.req.id,
        backend: run.backend.id,
        provider: provider.name,
        param: error.param ?? null,
      });
      continue;
    }
    trail.push(trailEntry(run, provider, result));
    last = result;

    if (result.failure === 'aborted') break; // the client left or the request's deadline passed
    if (result.failure === 'overloaded') break; // this process is full; no provider is to blame
    const verdict = judge({
      status: result.ok ? result.status : result.failure === 'status' || result.failure === 'stream' || result.failure === 'malformed' ? result.status : undefined,
      failure: result.failure,
      health: provider.health,
      retry: rule.retry,
      context: () => celContext(run.req, api.model(request), provider, result, run.stream),
    });
    const evictedForMs = await record(ctx, run.req, provider, result, verdict.unhealthy, states.get(provider.id));
    outcome.attempts.push(attemptOutcome(provider, result, verdict.unhealthy, evictedForMs));

    if (result.ok) {
      if (result.firstContentAt !== undefined) outcome.firstContentAt = result.firstContentAt;
      return respond(await guardAnswer(api, result, provider.ai.promptGuard, guards), trail, api.model(parsed), outcome, ctx.redact);
    }
    const next = order[(i + 1) % order.length];
    const canRetry = (verdict.unhealthy || verdict.retryable) && i + 1 < maxAttempts && !run.deadline.signal.aborted;
    if (!canRetry) break;
    logFailover(run, provider, next!, result, verdict.unhealthy);
  }
  if (!last && refused) {
    const { provider, error } = refused;
    const named = error.message.includes(`"${provider.name}"`) ? error.message : `provider "${provider.name}" (${provider.target.kind}): ${error.message}`;
    // The trail says which providers were passed over, as on every other answer.
    return errorResponseFor(api, 400, named, 'invalid_request_error', 'invalid_request', { 'x-modelgate-attempts': trail.join(',') }, error.param);
  }
  return finalResponse(run, last, trail);
}

/** Reads the backend's eviction state once and orders its providers for this request. */
async function candidates(run: Run<unknown>): Promise<{ order: CompiledProvider[]; states: ReadonlyMap<string, ProviderState> }> {
  const { ctx, backend } = run;
  const started = ctx.now();
  const states = await ctx.readStates(backend);
  for (const p of backend.providers) {
    ctx.stats.noteEviction(p.id, states.get(p.id)?.evictedUntil ?? 0, started, p.health.eviction?.restoreHealth);
  }
  return { order: candidateOrder(backend, states, ctx.stats, started, ctx.random), states };
}

/** The route's backoff between attempts; false when the request's deadline passed meanwhile. */
async function backoff(run: Run<unknown>): Promise<boolean> {
  if (!run.rule.retry.backoffMs) return true;
  try {
    await sleep(run.rule.retry.backoffMs, run.deadline.signal);
    return true;
  } catch {
    return false;
  }
}

/** One attempt on `provider`, counted in its load while it runs. */
async function attempt<Req>(run: Run<Req>, provider: CompiledProvider, request: Req): Promise<AttemptResult> {
  const { api, ctx, req, rule, deadline, outcome } = run;
  ctx.stats.begin(provider.id);
  // Errors go up as they are: the adapter refusing to build the call (e.g. no model to send) is the client's to fix,
  // RequestNotExpressible makes the loop pass over this provider, and anything else is a bug that must look like one (a 500).
  try {
    return await runAttempt({
      api,
      provider,
      adapter: api.adapter(provider.target),
      request,
      stream: run.stream,
      clientHeaders: req.headers,
      requestSignal: deadline.signal,
      timeoutMs: Math.min(provider.requestTimeoutMs ?? Infinity, rule.attemptTimeoutMs ?? Infinity, ctx.limits.attemptTimeoutMs),
      streamIdleMs: ctx.limits.streamIdleMs,
      now: ctx.now,
      redact: ctx.redact,
      budget: ctx.buffers,
      onStreamEnd: (end) => {
        deadline.dispose();
        outcome.streamEnd = end.kind;
        if (end.usage) outcome.usage = end.usage;
        if (end.kind === 'broken') {
          ctx.logger.log('warn', 'stream_broken', `stream from ${provider.name} broke after the answer started: ${end.reason}`, { requestId: req.id, provider: provider.name });
        }
      },
    });
  } finally {
    ctx.stats.end(provider.id);
  }
}

/** `provider:status` or `provider:failure`, for the attempts header. */
function trailEntry(run: Run<unknown>, provider: CompiledProvider, result: AttemptResult): string {
  // An attempt cut by the route's own request timeout is a timeout, in the trail's words
  // (connect/timeout/reset); `aborted` is left for a client that went away.
  // A 200 whose body could not be read is not a 200 in the trail.
  const word = result.failure === 'aborted' && run.deadline.timedOut ? 'timeout' : result.failure;
  return `${provider.name}:${result.failure === 'malformed' ? 'malformed' : (result.status ?? word)}`;
}

function attemptOutcome(provider: CompiledProvider, result: AttemptResult, unhealthy: boolean, evictedForMs: number | undefined): AttemptRecord {
  return {
    provider: provider.name,
    ...(result.status !== undefined && result.failure !== 'malformed' && { status: result.status }),
    ...(result.failure !== undefined && result.failure !== 'status' && { failure: result.failure }),
    latencyMs: result.latencyMs,
    unhealthy,
    ...(evictedForMs !== undefined && { evictedForMs }),
  };
}

function logFailover(run: Run<unknown>, provider: CompiledProvider, next: CompiledProvider, result: AttemptResult, unhealthy: boolean): void {
  // The text log prints the message only: a connection that failed says why there (the JSON log
  // has it as `reason` too), or "connect" alone leaves DNS, refusal and TLS looking the same.
  const why = connectionReason(result);
  const what = why === undefined ? `answered ${result.status ?? result.failure}` : `failed with ${result.failure}: ${why}`;
  run.ctx.logger.log('info', 'failover', `failover ${run.backend.name}: ${provider.name} ${what} (${unhealthy ? 'unhealthy' : 'retryable'}); trying ${next.name}`, {
    requestId: run.req.id,
    backend: run.backend.id,
    from: provider.name,
    to: next.name,
    status: result.status ?? null,
    failure: result.failure ?? null,
    unhealthy,
    reason: result.reason,
  });
}

function logSkipped(run: Run<unknown>, skipped: ReadonlyMap<string, CandidateSkip>): void {
  const reasons = [...skipped.values()].map((s) => s.reason);
  // Per request, so at debug: the request's line names the skips in its attempts, the load log the spaces.
  run.ctx.logger.log('debug', 'skipped', `${run.api.name} on ${run.backend.name}: skipped ${reasons.join('; ')}`.slice(0, 1024), {
    requestId: run.req.id,
    backend: run.backend.id,
    skipped: [...skipped.values()].map((s) => s.word).join(','),
  });
}

/** Every provider of the backend was skipped: a 400 naming why, in the client's shape, with no upstream call. */
function noneCanServe(run: Run<unknown>, skipped: ReadonlyMap<string, CandidateSkip>, trail: readonly string[]): GatewayResponse {
  const reasons = [...skipped.values()].map((s) => s.reason).join('; ');
  const message = `No provider of backend ${run.backend.name} can serve ${run.req.path}: ${reasons}.`.slice(0, 2048);
  return errorResponseFor(run.api, 400, message, 'invalid_request_error', 'no_provider_for_api', { 'x-modelgate-attempts': trail.join(',') });
}

/** No attempt answered: the last attempt's answer, or a timeout when the request's deadline cut it. */
function finalResponse<Req>(run: Run<Req>, last: AttemptResult | undefined, trail: readonly string[]): GatewayResponse {
  const { api, ctx, parsed, outcome } = run;
  if (!last) return errorResponseFor(api, 504, 'The request timed out before any provider answered.', 'timeout_error', 'request_timeout');
  if (last.failure === 'aborted' && run.deadline.timedOut) {
    return withServedBy(errorResponseFor(api, 504, 'The request timed out.', 'timeout_error', 'request_timeout'), last, trail, api.model(parsed), outcome, ctx.redact);
  }
  return respond(last, trail, api.model(parsed), outcome, ctx.redact);
}
