// The esbuild settings of the Lambda bundle (dist/handler.mjs), shared by scripts/build.mjs and the
// bench's baseline (bench/processes/lambda-sdk-baseline.mjs: the AWS SDK clients alone, built the
// same way), so the two cold imports the bench compares differ only in what they contain.

/** Some dependencies still call require() for Node built-ins; give the ESM bundle one. */
export const REQUIRE_BANNER = "import { createRequire as __mgCreateRequire } from 'node:module'; const require = __mgCreateRequire(import.meta.url);";

export const LAMBDA_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: REQUIRE_BANNER },
  minify: true,
  // bowser (34 KB) is the browser user-agent parser the AWS SDK's client core reaches only in a
  // browser, through a dynamic import; Node never loads it, so it stays out of the bundle.
  external: ['bowser'],
  // The AWS credential chain: inside Lambda the role's credentials are in the environment, so the
  // bundle takes only that source (functions/http/lambda-credentials.ts), not SSO/STS/ini/IMDS.
  alias: { '@aws-sdk/credential-provider-node': './functions/http/lambda-credentials.ts' },
};
