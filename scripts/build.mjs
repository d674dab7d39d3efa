// Bundles with esbuild, one ESM file each for Node 22 with dependencies included: the command line
// (dist/cli.js) and the Lambda handler (dist/handler.mjs, minified).
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = process.argv.includes('--quiet');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Some dependencies still call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __mgCreateRequire } from 'node:module'; const require = __mgCreateRequire(import.meta.url);" },
};

const outputs = [
  { entryPoints: ['functions/cli.ts'], outfile: 'dist/cli.js', minify: true, banner: { js: '#!/usr/bin/env node\n' + common.banner.js } },
  // The Lambda bundle: minified (budget 1 MB), the AWS SDK included so its version is ours, not the runtime's.
  // bowser (34 KB) is the browser user-agent parser the AWS SDK's client core reaches only in a
  // browser, through a dynamic import; Node never loads it, so it stays out of the bundle.
  { entryPoints: ['functions/handler.ts'], outfile: 'dist/handler.mjs', minify: true, metafile: true, external: ['bowser'] },
];

for (const o of outputs) {
  await build({ ...common, ...o });
  if (!quiet) console.log(`${o.outfile}: ${(statSync(`${root}/${o.outfile}`).size / 1024).toFixed(0)} KiB`);
}
