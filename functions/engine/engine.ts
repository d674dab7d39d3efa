/**
 * The data plane's entry point, the same in a Node server and in a Lambda: a plain request in,
 * a plain response out. It routes, dispatches by endpoint, and turns every client mistake into an
 * error in the OpenAI shape — before any upstream is called.
 */
import type { CompiledConfig, CompiledRule } from '../model/config.js';
import { MemoryStore } from '../state/memory.js';
import type { EvictionStore } from '../state/store.js';
import { handleChat } from './chat.js';
import { DEFAULT_LIMITS, failOpen, type EngineContext, type EngineLimits } from './context.js';
import { BadRequest, errorResponse } from './errors.js';
import { LoadStats } from './load-stats.js';
import { silentLogger, type Logger } from './log.js';
import { listModels } from './models.js';
import { findRule } from './route.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

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
}

type Endpoint = { name: 'chat'; method: 'POST' } | { name: 'models'; method: 'GET' };

/** Endpoints by path suffix, as agentgateway recognises them under any route prefix. */
function endpointOf(path: string): Endpoint | undefined {
  if (path.endsWith('/chat/completions')) return { name: 'chat', method: 'POST' };
  if (path.endsWith('/models')) return { name: 'models', method: 'GET' };
  return undefined;
}

export class Engine {
  private current: CompiledConfig;
  private readonly ctx: EngineContext;

  constructor(options: EngineOptions) {
    this.current = options.config;
    const now = options.now ?? Date.now;
    const logger = options.logger ?? silentLogger;
    this.ctx = {
      now,
      random: options.random ?? Math.random,
      stats: new LoadStats(),
      logger,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      ...failOpen(options.store ?? new MemoryStore(), logger, now),
    };
  }

  get config(): CompiledConfig {
    return this.current;
  }

  /** Swaps the config; requests in flight finish on the one they started with. */
  setConfig(config: CompiledConfig): void {
    this.current = config;
  }

  async handle(req: GatewayRequest): Promise<GatewayResponse> {
    const started = this.ctx.now();
    let res: GatewayResponse;
    let rule: CompiledRule | undefined;
    try {
      rule = findRule(this.current, req);
      res = await this.dispatch(req, rule);
    } catch (error) {
      if (error instanceof BadRequest) res = error.toResponse();
      else {
        this.ctx.logger.log('error', 'internal_error', `internal error on ${req.method} ${req.path}: ${(error as Error).stack ?? String(error)}`, { requestId: req.id });
        res = errorResponse(500, 'modelgate failed to handle the request.', 'server_error', 'internal_error');
      }
    }
    this.logRequest(req, res, rule, this.ctx.now() - started);
    return res;
  }

  private async dispatch(req: GatewayRequest, rule: CompiledRule | undefined): Promise<GatewayResponse> {
    if (!rule) return errorResponse(404, `No route matches ${req.method} ${req.path}.`, 'invalid_request_error', 'route_not_found');
    const endpoint = endpointOf(req.path);
    if (!endpoint) {
      return errorResponse(404, `Unknown endpoint ${req.path}: modelgate serves /v1/chat/completions and /v1/models.`, 'invalid_request_error', 'unknown_endpoint');
    }
    if (req.method !== endpoint.method) {
      return errorResponse(405, `Method ${req.method} is not allowed on ${req.path}; use ${endpoint.method}.`, 'invalid_request_error', 'method_not_allowed', { allow: endpoint.method });
    }
    if (req.body.length > MAX_REQUEST_BODY) {
      return errorResponse(413, `The request body is larger than ${MAX_REQUEST_BODY} bytes.`, 'invalid_request_error', 'request_too_large');
    }
    return endpoint.name === 'chat' ? handleChat(this.ctx, req, rule) : listModels(rule);
  }

  private logRequest(req: GatewayRequest, res: GatewayResponse, rule: CompiledRule | undefined, ms: number): void {
    const provider = res.headers['x-modelgate-provider'];
    const attempts = res.headers['x-modelgate-attempts'];
    this.ctx.logger.log(
      res.status >= 500 ? 'warn' : 'info',
      'request',
      `${req.method} ${req.path} ${res.status}${provider ? ` via ${provider} (${res.headers['x-modelgate-model'] || '?'})` : ''}${attempts ? ` attempts=${attempts}` : ''} ${Math.round(ms)}ms${typeof res.body === 'object' ? ' (streaming)' : ''}`,
      {
        requestId: req.id,
        method: req.method,
        path: req.path,
        status: res.status,
        route: rule?.id ?? null,
        provider: provider ?? null,
        model: res.headers['x-modelgate-model'] ?? null,
        attempts: attempts ?? null,
        latencyMs: Math.round(ms),
      },
    );
  }
}
