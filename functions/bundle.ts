/**
 * Where the Lambda bundle is, for the Pulumi components that deploy it. `npm run build` (run by
 * `npm ci` through `prepare`) writes it; the published package ships it prebuilt. The handler is
 * `handler.handler` in `handler.mjs`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `<package root>/dist/`, with a trailing separator. This module runs from functions/bundle.ts in a
 * checkout (tests, tsx), from lib/functions/bundle.js once compiled (the published package, in a
 * user's node_modules), and inside the dist/ bundles: the depth from here to the root differs, so
 * the root is the nearest folder above that holds a package.json (functions/, lib/ and dist/ have
 * none of their own). Symlinked installs (npm link, pnpm) still land in the real package: Node
 * gives `import.meta.url` as the resolved path.
 */
function bundleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; ) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist') + sep;
    const parent = dirname(dir);
    // No package.json above (a copied file): the checkout's layout, functions/ beside dist/.
    if (parent === dir) return join(here, '..', 'dist') + sep;
    dir = parent;
  }
}

// Pure, so that esbuild drops it from dist/handler.mjs (which imports HANDLER_ENV only): the Lambda
// has no use for the lookup and need not touch its file system for it at cold start.
export const HANDLER_BUNDLE_DIR = /* @__PURE__ */ bundleDir();
export const HANDLER_FILE = 'handler.mjs';
/**
 * Beside the handler: what only some gateways use (JWT, bcrypt, Google / Azure / STS credentials,
 * RE2), loaded on first use so a cold start parses less (scripts/build.mjs writes it; same name there).
 * The function's code is the handler and this folder.
 */
export const HANDLER_CHUNKS_DIR = 'handler-chunks';
export const HANDLER_ENTRY = 'handler.handler';
/** The settings the handler reads (see functions/handler.ts); none of them holds a secret. */
export const HANDLER_ENV = {
  table: 'MODELGATE_TABLE',
  configRefreshMs: 'MODELGATE_CONFIG_REFRESH_MS',
  stateStalenessMs: 'MODELGATE_STATE_STALENESS_MS',
  logLevel: 'MODELGATE_LOG_LEVEL',
  metricsNamespace: 'MODELGATE_METRICS_NAMESPACE',
  /** The bundle's sha256: config items carrying a validated copy for it are not validated again (config/validated-copy.ts). */
  configBuild: 'MODELGATE_CONFIG_BUILD',
} as const;
