// Builds what the package ships (`npm run build`; `npm ci` runs it through prepare):
// - lib/: the Pulumi components as ESM JavaScript with .d.ts (tsc -p tsconfig.build.json), what
//   `import`/`require('modelgate')` loads. One ESM build serves CommonJS programs too: Node 22.12+
//   require()s ES modules without top-level await, and lib/ has none.
// - dist/: esbuild bundles, one ESM file each for Node 22 with dependencies included: the command
//   line (dist/cli.js) and the Lambda handler (dist/handler.mjs, minified).
// `--bundles` builds dist/ alone (npm start, npm run demo: they run the CLI, not the components).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = process.argv.includes('--quiet');
const bundlesOnly = process.argv.includes('--bundles');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Maps for debugging in the clone; package.json's files leaves them out of the tarball (7.7 MB).
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Some dependencies still call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __mgCreateRequire } from 'node:module'; const require = __mgCreateRequire(import.meta.url);" },
};

const outputs = [
  { entryPoints: ['functions/cli.ts'], outfile: 'dist/cli.js', minify: true, banner: { js: `#!/usr/bin/env node\n${common.banner.js}` } },
  // The Lambda bundle: minified (budget 1 MB), the AWS SDK included so its version is ours, not the runtime's.
  // bowser (34 KB) is the browser user-agent parser the AWS SDK's client core reaches only in a
  // browser, through a dynamic import; Node never loads it, so it stays out of the bundle.
  // The AWS credential chain: inside Lambda the role's credentials are in the environment, so the
  // bundle takes only that source (functions/http/lambda-credentials.ts), not SSO/STS/ini/IMDS.
  {
    entryPoints: ['functions/handler.ts'],
    outfile: 'dist/handler.mjs',
    minify: true,
    metafile: true,
    external: ['bowser'],
    alias: { '@aws-sdk/credential-provider-node': './functions/http/lambda-credentials.ts' },
  },
];

for (const o of outputs) {
  await build({ ...common, ...o });
  if (!quiet) console.log(`${o.outfile}: ${(statSync(`${root}/${o.outfile}`).size / 1024).toFixed(0)} KiB`);
}
// package.json's bin: executable in the tarball too, for installers that do not set the mode themselves.
chmodSync(join(root, 'dist/cli.js'), 0o755);

if (!bundlesOnly) {
  // Emptied first: a module removed from the sources must not linger in lib/ and get published.
  rmSync(join(root, 'lib'), { recursive: true, force: true });
  // The repo's own TypeScript (the tsc that `npm run typecheck` runs), whatever PATH holds; found
  // through its package.json's bin, as its exports map does not list bin/tsc.
  const manifest = createRequire(import.meta.url).resolve('typescript/package.json');
  const tsc = join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin.tsc);
  const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (status !== 0) {
    // A type error fails the build (npm run build; prepare, so npm ci and npm publish) — but not
    // vitest's global setup, which builds before every test run: there it is printed, lib/ is
    // emitted anyway, and the test run goes on (npm run typecheck, which CI runs too, fails on it).
    if (process.env.VITEST !== 'true') process.exit(status ?? 1);
    console.warn('scripts/build.mjs: lib/ was emitted with the type errors above (npm run build would fail)');
  }
  if (!quiet) {
    const files = readdirSync(join(root, 'lib'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const bytes = files.reduce((sum, f) => sum + statSync(join(f.parentPath, f.name)).size, 0);
    console.log(`lib/: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB`);
  }
}
