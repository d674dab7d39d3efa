/**
 * The data plane's entry point, the same in a Node server and in a Lambda: a plain request in,
 * a plain response out. It routes, dispatches by endpoint, and turns every client mistake into an
 * error in the client's API's shape (OpenAI's, or Anthropic's on the Messages endpoint) — before
 * any upstream is called.
 */
import type { CompiledConfig, CompiledRule } from '../model/config.js';
import { MemoryStore } from '../state/memory.js';
import type { EvictionStore } from '../state/store.js';
import { errorResponseFor } from './client-api.js';
import { apiForPath, endpointByRoutes, endpointOf, servedPaths } from './endpoints.js';
import { checkClientKey } from './client-auth.js';
import { checkTrafficAuth } from './traffic-auth.js';
import { DEFAULT_LIMITS, storeAccess, type EngineContext, type EngineLimits } from './context.js';
import { handleApiRequest } from './failover.js';
import { storedResponseAnswer } from './responses-api.js';
import { BadRequest } from './errors.js';
import { LoadStats } from './load-stats.js';
import { redactingLogger, silentLogger, truncate, type Logger } from '../core/log.js';
import { normalisePath } from './path.js';
import { MemoryBudget } from './memory-budget.js';
import { HedgeState } from './hedging.js';
import { redactorFor } from './redact.js';
import { rateLimitStoreOf, RequestRateLimit } from './rate-limit.js';
import type { RateLimitStore } from '../state/store.js';
import { presentedKey } from './client-auth.js';
import { listModels } from './models.js';
import { findRule } from './route.js';
import { findModelRule, modelListRule, type ModelRouting } from './model-route.js';
import { answerWithHttpTraffic, directAnswerPastPolicies, preflightAnswer, preflightModelRule } from './http-traffic.js';
import type { MetricsSink } from './metrics.js';
import { newOutcome, type RequestOutcome } from './outcome.js';
import { statusOf, type StatusSnapshot } from './status.js';
import { isPumpable, type AfterAnswer, type GatewayRequest, type GatewayResponse, type PumpHandle, type Pumpable, type StreamSink } from './types.js';

/** The largest request body accepted (the Lambda function URL's own limit for a buffered request). */
export const MAX_REQUEST_BODY = 6 * 1024 * 1024;

export interface EngineOptions {
  /** The config to serve; a reload swaps it with `setConfig`. */
  config: CompiledConfig;
  store?: EvictionStore;
  logger?: Logger;
  now?: () => number;
  random?: () => number;
  limits?: Partial<EngineLimits>;
  /** Where per-request metrics go (the Lambda writes CloudWatch EMF); none by default. */
  metrics?: MetricsSink;
}

export class Engine {
  private current: CompiledConfig;
  private readonly ctx: EngineContext;
  private readonly metrics: MetricsSink | undefined;
  /** `traffic.rateLimit` counters: the store's (shared through its table) or this process's. */
  private readonly rateLimits: RateLimitStore;

  constructor(options: EngineOptions) {
    this.current = options.config;
    this.metrics = options.metrics;
    this.rateLimits = rateLimitStoreOf(options.store);
    const now = options.now ?? Date.now;
    // Every engine line is redacted by value with the keys of the config being served.
    const logger = redactingLogger(options.logger ?? silentLogger, () => redactorFor(this.current).redact);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.ctx = {
      now,
      random: options.random ?? Math.random,
      stats: new LoadStats(),
      logger,
      limits,
      redact: (text: string) => text,
      buffers: new MemoryBudget(limits.bufferedBytes),
      hedges: new HedgeState(),
      ...storeAccess(options.store ?? new MemoryStore(), logger, now),
    };
  }

  get config(): CompiledConfig {
    return this.current;
  }

  /** Swaps the config; requests in flight finish on the one they started with. */
  setConfig(config: CompiledConfig): void {
    this.current = config;
  }

  /**
   * Every provider's eviction state as this instance's store has it (one read per backend: the
   * store's cache applies, as on the request path) and this instance's own scores.
   */
  status(): Promise<StatusSnapshot> {
    return statusOf(this.current, { read: (backend) => this.ctx.readStates(backend), stats: this.ctx.stats }, this.ctx.now(), { source: 'engine' });
  }

  /**
   * Answers one request. The request's log line and metrics are work the client need not wait for:
   * `afterAnswer` takes them, to run once the answer is written (the Node server does; without it,
   * as on Lambda, they run before this returns, or before a stream's end).
   */
  async handle(incoming: GatewayRequest, afterAnswer?: AfterAnswer): Promise<GatewayResponse> {
    const started = this.ctx.now();
    const outcome = newOutcome();
    let req = incoming;
    let res: GatewayResponse;
    let rule: CompiledRule | undefined;
    const rateLimit = new RequestRateLimit(this.rateLimits, this.ctx.now, this.ctx.logger);
    try {
      // Routing, endpoint and logs all see one normal form of the path (see path.ts).
      const normal = normalisePath(incoming.path);
      if (!normal.ok) throw new BadRequest(`Invalid request path: ${normal.reason}.`, undefined, 400, 'invalid_path');
      if (normal.path !== incoming.path) req = { ...incoming, path: normal.path };
      // Models first: a request naming a model an AgentgatewayModel matches is that model's, whatever its path (model-route.ts).
      const byModel = findModelRule(this.current, req);
      rule = byModel?.rule ?? findRule(this.current, req) ?? modelListRule(this.current, req) ?? preflightModelRule(this.current, req);
      if (rule) outcome.route = rule.id;
      res = rateLimit.decorate(await this.dispatch(req, rule, outcome, byModel?.parsed, rateLimit));
    } catch (error) {
      // A path that `ai.routes` maps to an API answers in that API's shape.
      const routes = rule?.aiRoutes;
      const api = (routes && endpointByRoutes(req.path, routes).api) || apiForPath(req.path);
      if (error instanceof BadRequest) res = errorResponseFor(api, error.status, error.message, 'invalid_request_error', error.code, {}, error.param);
      else {
        this.ctx.logger.log('error', 'internal_error', `internal error on ${req.method} ${req.path}: ${(error as Error).stack ?? String(error)}`, { requestId: req.id });
        res = errorResponseFor(api, 500, 'modelgate failed to handle the request.', 'server_error', 'internal_error');
      }
    }
    const logged = req;
    const done = () => {
      if (outcome.firstContentAt !== undefined) outcome.timeToFirstTokenMs = Math.max(0, outcome.firstContentAt - started);
      const ms = this.ctx.now() - started;
      const report = () => this.requestDone(logged, res, outcome, ms);
      if (afterAnswer) afterAnswer(report);
      else report();
      // Token limits are charged before the answer ends, so the next request (and, on Lambda, the next invocation) sees it.
      return rateLimit.settle(outcome.usage);
    };
    // CORS headers and the rule's response header changes (http-traffic.ts); the log keeps the engine's own answer.
    const sent = answerWithHttpTraffic(rule, req, res, outcome);
    if (typeof sent.body === 'string') {
      await done();
      return sent;
    }
    // A stream is over when its last byte went out (or the client left): log and count it then.
    return { ...sent, body: finishing(sent.body, done) };
  }

  private async dispatch(
    req: GatewayRequest,
    rule: CompiledRule | undefined,
    outcome: RequestOutcome,
    parsed?: ModelRouting['parsed'],
    rateLimit?: RequestRateLimit,
  ): Promise<GatewayResponse> {
    const routes = rule?.aiRoutes;
    const endpoint = routes ? endpointByRoutes(req.path, routes) : endpointOf(req.path);
    const api = endpoint?.api ?? apiForPath(req.path);
    if (!rule) return errorResponseFor(api, 404, `No route matches ${req.method} ${req.path}.`, 'invalid_request_error', 'route_not_found');
    // A CORS preflight is the gateway's to answer, before authentication: browsers send no credentials on one.
    const preflight = preflightAnswer(rule, req);
    if (preflight) return preflight;
    if (rule.clientAuth) {
      const result = checkClientKey(rule.clientAuth, req);
      if (result !== 'ok') {
        return errorResponseFor(
          api,
          401,
          result === 'missing' ? 'This gateway needs an API key: send it as `Authorization: Bearer <key>` (or `x-api-key`).' : 'The API key is not valid for this gateway.',
          'authentication_error',
          'invalid_api_key',
          { 'www-authenticate': 'Bearer' },
        );
      }
    }
    if (rule.trafficAuth) {
      // JWT, basic authentication, authorization (traffic-auth.ts): a refusal, or the request without its verified credentials.
      const passed = await checkTrafficAuth(rule.trafficAuth, req, api, this.ctx);
      if ('response' in passed) return passed.response;
      req = passed.req;
    }
    // Past the request policies: a direct response answers here, with no upstream (http-traffic.ts).
    const direct = directAnswerPastPolicies(rule, req, api, outcome);
    if (direct) return direct;
    const stored = storedResponseAnswer(req);
    if (stored) return stored;
    if (!endpoint) {
      return errorResponseFor(api, 404, `Unknown endpoint ${req.path}: modelgate serves ${servedPaths()}.`, 'invalid_request_error', 'unknown_endpoint');
    }
    if (req.method !== endpoint.method) {
      return errorResponseFor(api, 405, `Method ${req.method} is not allowed on ${req.path}; use ${endpoint.method}.`, 'invalid_request_error', 'method_not_allowed', {
        allow: endpoint.method,
      });
    }
    if (req.body.length > MAX_REQUEST_BODY) {
      return errorResponseFor(api, 413, `The request body is larger than ${MAX_REQUEST_BODY} bytes.`, 'invalid_request_error', 'request_too_large');
    }
    // Counted after authentication and the request's own checks, before any upstream call.
    const limited = await rateLimit?.check(rule, req, api);
    if (limited) return limited;
    if (!endpoint.api) return listModels(rule, this.current.models);
    // Routing by model parsed the body with this API's parser already: served from that reading.
    return handleApiRequest(endpoint.api, this.requestContext(req, rule), req, rule, outcome, parsed?.api === endpoint.api ? parsed.value : undefined);
  }

  /**
   * The context of one request: the shared one, plus what redacts this request's upstream bytes —
   * every provider key of the config, and the key the client presented.
   */
  private requestContext(req: GatewayRequest, rule: CompiledRule): EngineContext {
    return { ...this.ctx, redact: redactorFor(this.current).withValue(presentedKey(rule.clientAuth, req)) };
  }

  /** One log line per request (route, backend, attempts, provider, model, status, latency, tokens), and its metrics. */
  private requestDone(req: GatewayRequest, res: GatewayResponse, outcome: RequestOutcome, ms: number): void {
    const attempts = res.headers['x-modelgate-attempts'];
    const usage = outcome.usage;
    const streamed = outcome.streamEnd ? ` (streamed, ${outcome.streamEnd})` : '';
    this.ctx.logger.log(
      res.status >= 500 || outcome.streamEnd === 'broken' ? 'warn' : 'info',
      'request',
      `${truncate(req.method, 16)} ${truncate(req.path, 256)} ${res.status}${outcome.provider ? ` via ${outcome.provider} (${truncate(outcome.model ?? '?', 256)})` : ''}${attempts ? ` attempts=${attempts}` : ''} ${Math.round(ms)}ms${usage ? ` tokens=${usage.input}/${usage.output}` : ''}${streamed}`,
      {
        requestId: req.id,
        method: req.method,
        path: req.path,
        status: res.status,
        route: outcome.route ?? null,
        backend: outcome.backend ?? null,
        provider: outcome.provider ?? null,
        model: outcome.model ?? null,
        attempts: attempts ?? null,
        latencyMs: Math.round(ms),
        inputTokens: usage?.input ?? null,
        outputTokens: usage?.output ?? null,
        streamEnd: outcome.streamEnd ?? null,
      },
    );
    this.metrics?.requestDone(outcome, res.status, ms);
  }
}

/**
 * Passes a stream through and calls `done` once, however it ends — also when the writer lets go of
 * it before reading anything (a drain that answered first, a client gone before the first write):
 * a generator's `finally` never runs if it never started, and the request's log line, metrics and
 * token charge would be lost.
 */
function finishing(body: AsyncIterable<string>, done: () => Promise<void>): AsyncIterableIterator<string> & Partial<Pumpable> {
  return isPumpable(body) ? new PumpableFinishing(body, done) : new Finishing(body, done);
}

class Finishing implements AsyncIterableIterator<string> {
  private readonly inner: AsyncIterator<string>;
  private finished: Promise<void> | undefined;

  constructor(
    body: AsyncIterable<string>,
    private readonly done: () => Promise<void>,
  ) {
    this.inner = body[Symbol.asyncIterator]();
  }

  protected finish(): Promise<void> {
    this.finished ??= this.done();
    return this.finished;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<string>> {
    let step: IteratorResult<string>;
    try {
      step = await this.inner.next();
    } catch (error) {
      await this.finish();
      throw error;
    }
    if (step.done) await this.finish();
    return step;
  }

  async return(value?: unknown): Promise<IteratorResult<string>> {
    try {
      await this.inner.return?.(value);
    } finally {
      await this.finish();
    }
    return { done: true, value: undefined };
  }
}

/**
 * The same for a body that can be pumped, passing the pump through: `done` once, after the last
 * piece and before the answer is ended. A class of its own, `pump` on its prototype: a function
 * made per request and stored on the wrapper led V8 to pretenure whole requests into the old
 * generation (stream-relay.ts, RelayBody).
 */
class PumpableFinishing extends Finishing implements Pumpable {
  constructor(
    private readonly body: AsyncIterable<string> & Pumpable,
    done: () => Promise<void>,
  ) {
    super(body, done);
  }

  pump(sink: StreamSink): PumpHandle {
    const handle = this.body.pump({
      write: (text) => sink.write(text),
      onDrain: (resume) => sink.onDrain(resume),
      end: () => {
        // Called from the upstream's event callbacks: whatever `done` does, the answer still ends.
        let finished: Promise<void>;
        try {
          finished = this.finish();
        } catch {
          finished = Promise.resolve();
        }
        void finished.then(
          () => sink.end(),
          () => sink.end(),
        );
      },
    });
    return {
      cancel: () => {
        handle.cancel();
        try {
          void this.finish().catch(() => {});
        } catch {
          // as at the end: nothing `done` does may throw out of an event callback
        }
      },
    };
  }
}
