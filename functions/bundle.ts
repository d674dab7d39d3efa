/**
 * Where the Lambda bundle is, for the Pulumi components that deploy it. `npm run build` (run by
 * `npm ci` through `prepare`) writes it; the handler is `handler.handler` in `handler.mjs`.
 */
import { fileURLToPath } from 'node:url';

export const HANDLER_BUNDLE_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
export const HANDLER_FILE = 'handler.mjs';
export const HANDLER_ENTRY = 'handler.handler';
/** The settings the handler reads (see functions/handler.ts); none of them holds a secret. */
export const HANDLER_ENV = {
  table: 'MODELGATE_TABLE',
  configRefreshMs: 'MODELGATE_CONFIG_REFRESH_MS',
  stateStalenessMs: 'MODELGATE_STATE_STALENESS_MS',
  logLevel: 'MODELGATE_LOG_LEVEL',
  metricsNamespace: 'MODELGATE_METRICS_NAMESPACE',
} as const;
