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
import { presentedKey } from './client-auth.js';
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
import { withHeaderChanges } from './header-modifiers.js';
import { clientIdentityOf } from './client-identity.js';

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

/** One attempt running: its provider, its place in the trail, and how to cancel it (a hedge that lost). */
interface Flight {
  provider: CompiledProvider;
  /** Its index in the trail, reserved when it started, so the trail reads in the order attempts started. */
  slot: number;
  /** The request as this provider's guards and policies left it. */
  request: unknown;
  /** Only on a hedging backend: without hedging one attempt runs at a time and nothing cancels it but the request's own deadline. */
  abort?: AbortController;
  /** Started beside a slow attempt (a hedge), not after a failed one. */
  hedge: boolean;
  /** Set when modelgate cancelled it because another attempt answered first. */
  cancelled: boolean;
  settled: Promise<{ flight: Flight; result: AttemptResult } | { flight: Flight; refused: RequestNotExpressible }>;
  /** Resolves when a hedge beside this attempt is due (hedging backends only). */
  hedgeDue?: Promise<'hedge'>;
  cancelHedgeTimer?: () => void;
}

/**
 * The steps, strung together: choose, then attempt -> verdict -> record until one answers, then
 * respond. On a hedging backend (`modelgate.dev/hedge-after`, compile-hedging.ts) an attempt with no
 * first content by the hedge delay gets the next candidate started beside it; the first to produce
 * content wins and the others are cancelled (not counted against their providers). Without hedging,
 * one attempt runs at a time.
 */
async function failover<Req>(run: Run<Req>): Promise<GatewayResponse> {
  const { api, ctx, rule, parsed, outcome, backend } = run;
  const { order: ranked, states } = await candidates(run);
  // Providers this request cannot go to (no such API; embeddings of another model) are left out
  // before any attempt: named in the trail, never counted against their health.
  const skipped = api.skips?.(parsed, backend, ranked) ?? new Map<string, CandidateSkip>();
  const order = ranked.filter((p) => !skipped.has(p.id));
  const trail: string[] = ranked.filter((p) => skipped.has(p.id)).map((p) => `${p.name}:${skipped.get(p.id)!.word}`);
  if (skipped.size > 0) logSkipped(run, skipped);
  if (order.length === 0) return noneCanServe(run, skipped, trail);
  const maxAttempts = Math.min(rule.retry.attempts !== undefined ? rule.retry.attempts + 1 : order.length, ctx.limits.maxAttempts);
  const hedging = backend.hedging?.hedgeAfter !== undefined ? backend.hedging : undefined;
  if (hedging) ctx.hedges.noteRequest(backend.id, ctx.now());
  let last: AttemptResult | undefined;
  /** The first provider that could not carry the request (a field, a content part), and why. */
  let refused: { provider: CompiledProvider; error: RequestNotExpressible } | undefined;
  const flights: Flight[] = [];
  let started = 0;
  /** Hedges may still start: false once the budget said no, or an attempt failed (then plain failover takes over). */
  let mayHedge = hedging !== undefined;
  const hedged = () => outcome.hedges !== undefined;

  /** Starts the attempt on the next candidate; a guard's rejection is the answer, returned at once. */
  const launch = async (asHedge: boolean): Promise<GatewayResponse | undefined> => {
    const provider = order[started % order.length]!;
    started++;
    // Prompt guards are per provider (its merged `ai.promptGuard`); a rejection answers at once, before any upstream call:
    // the guard's verdict on the prompt, not a provider failure, so no failover and nothing recorded.
    const request = applyProviderPolicy(api, parsed, provider.ai, run.req);
    // Most providers have no guard: for them, no guard call is set up and nothing is awaited.
    const { promptGuard } = provider.ai;
    const guarded = promptGuard ? await guardRequest(api.name, request, promptGuard, guardCallFor(ctx, run.req, run.deadline.signal, provider)) : { request };
    if ('rejected' in guarded) {
      cancelAll(flights);
      const tried = trail.filter((t) => !t.endsWith(':pending'));
      return rejectionResponse(api, guarded.rejected, { 'x-modelgate-attempts': [...tried, `${provider.name}:guard`].join(','), ...hedgedHeader(hedged()) });
    }
    const abort = hedging ? new AbortController() : undefined;
    const flight: Flight = { provider, slot: trail.push(`${provider.name}:pending`) - 1, request: guarded.request, abort, hedge: asHedge, cancelled: false } as Flight;
    flight.settled = attempt(run, provider, guarded.request, abort?.signal).then(
      (result) => ({ flight, result }),
      (error: unknown) => {
        if (error instanceof RequestNotExpressible) return { flight, refused: error };
        throw error;
      },
    );
    if (asHedge) {
      outcome.hedges ??= { started: 0, won: false, cancelled: 0 };
      outcome.hedges.started++;
    }
    if (mayHedge && hedging) {
      const delay = ctx.hedges.hedgeDelayMs(hedging, provider.id);
      if (delay !== undefined) {
        const timer = hedgeTimer(delay);
        flight.hedgeDue = timer.due;
        flight.cancelHedgeTimer = timer.cancel;
      }
    }
    flights.push(flight);
    return undefined;
  };

  try {
    for (;;) {
      if (flights.length === 0) {
        if (started >= maxAttempts) break;
        if (started > 0 && !(await backoff(run))) break;
        const rejected = await launch(false);
        if (rejected) return rejected;
      }
      // A hedge is due when the newest attempt has had no first content for the hedge delay.
      const newest = flights[flights.length - 1]!;
      const canHedge = mayHedge && hedging && flights.length <= hedging.maxHedges && started < maxAttempts && started < order.length;
      const hedgeDue = canHedge ? newest.hedgeDue : undefined;
      // One attempt and no hedge to wait for (every backend without hedging): its own promise, no race.
      const next =
        flights.length === 1 && !hedgeDue
          ? await newest.settled
          : await Promise.race<Awaited<Flight['settled']> | 'hedge'>([...flights.map((f) => f.settled), ...(hedgeDue ? [hedgeDue] : [])]);
      if (next === 'hedge') {
        newest.hedgeDue = undefined;
        // The budget is a share of requests: a request's first hedge takes from it, its further ones (max-hedges) do not.
        if (!hedged() && !ctx.hedges.takeHedge(backend.id, hedging!, ctx.now())) {
          mayHedge = false;
          logHedgeBudget(run, newest.provider);
          continue;
        }
        logHedge(run, newest.provider, order[started % order.length]!, flights.length);
        const rejected = await launch(true);
        if (rejected) return rejected;
        continue;
      }
      const { flight } = next;
      flights.splice(flights.indexOf(flight), 1);
      flight.cancelHedgeTimer?.();
      const { provider } = flight;
      if ('refused' in next) {
        // This provider cannot carry the request: it is passed over (no upstream call, nothing
        // recorded against its health) and the next one is tried. Only when no provider that was
        // tried could carry it is the refusal the answer (a 400 below); a fallback that cannot carry
        // it never hides an earlier provider's real answer.
        refused ??= { provider, error: next.refused };
        trail[flight.slot] = `${provider.name}:unsupported`;
        logUnsupported(run, provider, next.refused);
        continue;
      }
      const { result } = next;
      if (flight.cancelled) continue; // a hedge that lost: settled by cancelAll, nothing to record
      trail[flight.slot] = trailEntry(run, provider, result);
      last = result;

      if (result.failure === 'aborted') break; // the client left or the request's deadline passed
      if (result.failure === 'overloaded') break; // this process is full; no provider is to blame
      const request = flight.request as Req;
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
        if (hedging) ctx.hedges.noteFirstContent(provider.id, result.latencyMs);
        if (flights.length > 0 || hedged()) finishHedges(run, flights, trail, flight);
        if (result.firstContentAt !== undefined) outcome.firstContentAt = result.firstContentAt;
        const { promptGuard } = provider.ai;
        const answer = promptGuard ? await guardAnswer(api, result, promptGuard, guardCallFor(ctx, run.req, run.deadline.signal, provider)) : result;
        const res = withProviderHeaders(respond(answer, trail, api.model(parsed), outcome, ctx.redact), provider);
        return hedged() ? withHeaders(res, hedgedHeader(true)) : res;
      }
      // A failed attempt ends hedging for this request: from here on it is plain failover.
      mayHedge = false;
      const canRetry = (verdict.unhealthy || verdict.retryable) && started < maxAttempts && !run.deadline.signal.aborted;
      if (flights.length > 0) continue; // another attempt is still running: it may yet answer
      if (!canRetry) break;
      logFailover(run, provider, order[started % order.length]!, result, verdict.unhealthy);
    }
  } finally {
    // However the loop ends (an answer, a guard's rejection, a bug), nothing it started keeps running.
    cancelAll(flights);
  }
  if (!last && refused) {
    const { provider, error } = refused;
    const named = error.message.includes(`"${provider.name}"`) ? error.message : `provider "${provider.name}" (${provider.target.kind}): ${error.message}`;
    // The trail says which providers were passed over, as on every other answer.
    return errorResponseFor(api, 400, named, 'invalid_request_error', 'invalid_request', { 'x-modelgate-attempts': trail.join(','), ...hedgedHeader(hedged()) }, error.param);
  }
  const res = withProviderHeaders(
    finalResponse(
      run,
      last,
      trail.filter((t) => !t.endsWith(':pending')),
    ),
    last?.provider,
  );
  return hedged() ? withHeaders(res, hedgedHeader(true)) : res;
}

/** The winner answered: every attempt still running is cancelled, marked `:hedged` in the trail and counted. */
function finishHedges(run: Run<unknown>, flights: Flight[], trail: string[], winner: Flight): void {
  run.outcome.hedges ??= { started: 0, won: false, cancelled: 0 };
  const hedges = run.outcome.hedges;
  hedges.won = winner.hedge;
  for (const f of flights) {
    trail[f.slot] = `${f.provider.name}:hedged`;
    hedges.cancelled++;
  }
  if (flights.length > 0) {
    run.ctx.logger.log('info', 'hedge_done', `hedge ${run.backend.name}: ${winner.provider.name} answered first; cancelled ${flights.map((f) => f.provider.name).join(', ')}`, {
      requestId: run.req.id,
      backend: run.backend.id,
      winner: winner.provider.name,
      cancelled: flights.map((f) => f.provider.name).join(','),
    });
  }
  cancelAll(flights);
}

/** Cancels attempts still running: their upstream requests are aborted at once, and a stream already held is released. */
function cancelAll(flights: Flight[]): void {
  for (const f of flights.splice(0)) {
    f.cancelled = true;
    f.cancelHedgeTimer?.();
    f.abort?.abort(new Error('cancelled: another attempt answered first'));
    void f.settled.then(
      (s) => {
        if ('result' in s) s.result.release();
      },
      () => {},
    );
  }
}

/** A timer for the next hedge that never keeps the process alive and can be cancelled. */
function hedgeTimer(ms: number): { due: Promise<'hedge'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<'hedge'>((resolve) => {
    timer = setTimeout(() => resolve('hedge'), ms);
    timer.unref?.();
  });
  return { due, cancel: () => clearTimeout(timer) };
}

/** An AgentgatewayModel's `policies.headers.response`, on the answer its provider gave (engine/header-modifiers.ts). */
function withProviderHeaders(res: GatewayResponse, provider: CompiledProvider | undefined): GatewayResponse {
  const changes = provider?.headers?.response;
  return changes ? { ...res, headers: withHeaderChanges(res.headers, changes) } : res;
}

const hedgedHeader = (on: boolean): Record<string, string> => (on ? { 'x-modelgate-hedged': '1' } : {});

function withHeaders(res: GatewayResponse, headers: Record<string, string>): GatewayResponse {
  return { ...res, headers: { ...res.headers, ...headers } };
}

function logUnsupported(run: Run<unknown>, provider: CompiledProvider, error: RequestNotExpressible): void {
  run.ctx.logger.log('info', 'unsupported', `${run.backend.name}: ${provider.name} cannot carry this request (${error.param ?? 'request'}); passed over`, {
    requestId: run.req.id,
    backend: run.backend.id,
    provider: provider.name,
    param: error.param ?? null,
  });
}

function logHedge(run: Run<unknown>, slow: CompiledProvider, next: CompiledProvider, running: number): void {
  run.ctx.logger.log('info', 'hedge', `hedge ${run.backend.name}: ${slow.name} has no first content yet; starting ${next.name} as well (${running + 1} running)`, {
    requestId: run.req.id,
    backend: run.backend.id,
    from: slow.name,
    to: next.name,
  });
}

function logHedgeBudget(run: Run<unknown>, slow: CompiledProvider): void {
  run.ctx.logger.log('debug', 'hedge_budget', `hedge ${run.backend.name}: ${slow.name} is slow, but the hedge budget is spent; waiting`, {
    requestId: run.req.id,
    backend: run.backend.id,
    provider: slow.name,
  });
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
async function attempt<Req>(run: Run<Req>, provider: CompiledProvider, request: Req, cancel: AbortSignal | undefined): Promise<AttemptResult> {
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
      ...((rule.http?.requestHeaders || provider.headers?.request) && { requestHeaders: [rule.http?.requestHeaders, provider.headers?.request].filter((c) => c !== undefined) }),
      // The token a client authentication policy verified (a JWT, taken out of the request), else the API key as presented.
      ...(provider.target.credential?.kind === 'passthrough' && { clientToken: clientIdentityOf(req)?.token ?? presentedKey(rule.clientAuth, req) }),
      // Cancelled with the request (its deadline, the client leaving), or alone when a hedge beside it won.
      requestSignal: cancel ? AbortSignal.any([deadline.signal, cancel]) : deadline.signal,
      // `first-token-timeout` bounds the same span as the attempt's own deadline: until the answer, or a stream's first content.
      timeoutMs: Math.min(
        provider.requestTimeoutMs ?? Infinity,
        rule.attemptTimeoutMs ?? Infinity,
        run.backend.hedging?.firstTokenTimeoutMs ?? Infinity,
        ctx.limits.attemptTimeoutMs,
      ),
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
