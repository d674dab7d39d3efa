/**
 * The Lambda entry point, bundled by esbuild (`npm run build` -> dist/handler.mjs). middy in
 * response-streaming mode wraps a thin adapter: the function URL event becomes a plain request,
 * the engine answers it, and the answer streams back. Config and eviction state live in the
 * gateway's DynamoDB table; provider keys in Secrets Manager. Settings come from environment
 * variables that hold no secret:
 *   MODELGATE_TABLE                 the table (required)
 *   MODELGATE_CONFIG_REFRESH_MS     how often config items are re-read (default 10000)
 *   MODELGATE_STATE_STALENESS_MS    how old a cached eviction read may be (default 1000)
 *   MODELGATE_LOG_LEVEL             debug | info | warn | error (default info)
 *   MODELGATE_METRICS_NAMESPACE     CloudWatch namespace of the EMF metrics (default modelgate)
 *   MODELGATE_CONFIG_BUILD          this bundle's sha256: config items validated for it are taken
 *                                   as they are, the rest validated (config/validated-copy.ts)
 */
import middy from '@middy/core';
import { HANDLER_ENV } from './bundle.js';
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerLoader } from './config/secrets-manager.js';
import { TableConfigSource } from './config/table-source.js';
import { Engine } from './engine/engine.js';
import { createLogger, type LogLevel } from './core/log.js';
import { EmfMetrics } from './http/emf-metrics.js';
import { toGatewayRequest, toStreamingResult, type LambdaContextLike, type StreamingResult } from './http/lambda.js';
// The same `request` line the Node server writes for what it refuses before routing.
import { logRejected } from './http/adapter-log.js';
import { createTableClient } from './state/dynamodb-client.js';
import { DynamoDBStore } from './state/dynamodb.js';
import { errorResponseForPath } from './engine/endpoints.js';

const env = process.env;
const table = env[HANDLER_ENV.table] ?? '';
const logger = createLogger('json', undefined, (env[HANDLER_ENV.logLevel] as LogLevel | undefined) ?? 'info');
const client = createTableClient();
const config = new TableConfigSource({
  client,
  table,
  secrets: new SecretsManagerLoader(new SecretsManagerClient({})),
  logger,
  refreshMs: Number(env[HANDLER_ENV.configRefreshMs] ?? 10_000),
  ...(env[HANDLER_ENV.configBuild] && { build: env[HANDLER_ENV.configBuild] }),
});
const store = new DynamoDBStore({ client, table, logger, stalenessMs: Number(env[HANDLER_ENV.stateStalenessMs] ?? 1_000) });
const metrics = new EmfMetrics(env[HANDLER_ENV.metricsNamespace] ?? 'modelgate');
let engine: Engine | undefined;
// Start loading the config during the init phase (which Lambda runs with a full CPU, before the
// first invocation): the first request then waits for what is left of it, if anything.
void config.refresh();

async function serve(event: unknown, context: LambdaContextLike): Promise<StreamingResult> {
  const started = Date.now();
  const converted = toGatewayRequest(event, context);
  if (!converted.ok) {
    // An event the engine cannot take (not an object, fields of the wrong type, bad base64, too
    // large): answered and logged here, never thrown, so the runtime sees a normal answer.
    const r = converted.refused;
    logRejected(logger, { id: r.id, method: r.method, path: r.path, status: r.status, latencyMs: Date.now() - started, reason: r.reason });
    return toStreamingResult(errorResponseForPath(r.path, r.status, r.message, 'invalid_request_error', r.code), () => {});
  }
  const { request, dispose } = converted;
  try {
    const current = await config.current();
    if (!engine) engine = new Engine({ config: current, store, logger, metrics });
    else if (engine.config !== current) engine.setConfig(current);
    return toStreamingResult(await engine.handle(request), dispose);
  } catch (error) {
    dispose();
    logger.log('error', 'internal_error', `request ${request.id} failed before routing: ${(error as Error).message}`, { requestId: request.id });
    logRejected(logger, { id: request.id, method: request.method, path: request.path, status: 503, latencyMs: Date.now() - started, reason: 'no usable configuration' });
    return toStreamingResult(errorResponseForPath(request.path, 503, 'The gateway has no usable configuration yet.', 'server_error', 'config_unavailable'), () => {});
  }
}

export const handler = middy({ executionMode: executionModeStreamifyResponse }).handler((event: unknown, context: LambdaContextLike) => serve(event, context));
