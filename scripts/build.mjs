// Builds what the package ships (`npm run build`; `npm ci` runs it through prepare):
// - lib/: the Pulumi components as ESM JavaScript with .d.ts (tsc -p tsconfig.build.json), what
//   `import`/`require('modelgate')` loads. One ESM build serves CommonJS programs too: Node 22.12+
//   require()s ES modules without top-level await, and lib/ has none.
// - dist/: esbuild bundles, one ESM file each for Node 22 with dependencies included: the command
//   line (dist/cli.js) and the Lambda handler (dist/handler.mjs, minified, with dist/handler-chunks/:
//   what only some gateways use, loaded on first use).
// `--bundles` builds dist/ alone (npm start, npm run demo: they run the CLI, not the components).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAMBDA_BUNDLE_OPTIONS, REQUIRE_BANNER } from './lambda-bundle-options.mjs';

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
  banner: { js: REQUIRE_BANNER },
};

/**
 * The Lambda handler is dist/handler.mjs plus dist/handler-chunks/: what only some gateways use is
 * loaded on first use, so a cold start parses only what every request path needs (the budget,
 * DESIGN.md: 1 MB). Dynamic imports (jose, bcryptjs, Google's and Azure's auth libraries, STS)
 * become chunks; re2js and cel-js are used synchronously while a config compiles, so each is a
 * CommonJS file (`file`.cjs) required on first use (`lazyRequirePlugin`). cel-js is only needed by a
 * config with a CEL expression (functions/model/cel.ts makes its Environments on first use); at a
 * cold start it cost ~10 ms of the import.
 */
const HANDLER_CHUNKS = 'handler-chunks';
const LAZY_SYNC = {
  re2js: { file: 're2js', objects: ['RE2JS'], classes: ['RE2JSException'] },
  '@marcbachmann/cel-js': { file: 'cel-js', constructors: ['Environment'] },
};

/**
 * `import { RE2JS } from 're2js'` in the handler: the module is required the first time one of its
 * members is used (`objects`: property reads; `classes`: instanceof; `constructors`: `new`, statics).
 */
const lazyRequirePlugin = {
  name: 'lazy-require',
  setup(b) {
    const names = Object.keys(LAZY_SYNC).map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'lazy-require' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, ({ path }) => {
      const { file: base, objects = [], classes = [], constructors = [] } = LAZY_SYNC[path];
      // This code may land in the entry or in a chunk: the file is found from wherever it is, with a
      // require of its own (esbuild's shared one resolves from the chunk that defines it).
      const lines = [
        "import { createRequire } from 'node:module';",
        `const file = new URL('.', import.meta.url).pathname.endsWith('/${HANDLER_CHUNKS}/') ? './${base}.cjs' : './${HANDLER_CHUNKS}/${base}.cjs';`,
        'let m; const load = () => (m ??= createRequire(import.meta.url)(file));',
      ];
      for (const name of objects) {
        lines.push(`export const ${name} = new Proxy({}, { get: (_, k) => { const t = load().${name}; const v = t[k]; return typeof v === 'function' ? v.bind(t) : v; } });`);
      }
      for (const name of classes) lines.push(`export class ${name} { static [Symbol.hasInstance](v) { return v instanceof load().${name}; } }`);
      for (const name of constructors) {
        lines.push(
          `export const ${name} = new Proxy(function ${name}() {}, { construct: (_, args) => new (load().${name})(...args), get: (_, k) => load().${name}[k], has: (_, k) => k in load().${name} });`,
        );
      }
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/**
 * `import http from 'node:http'` in an ES module costs ~38 ms at a cold start (measured alone): Node
 * builds the module's ESM facade by reading every export, and `http.WebSocket` & co. are getters
 * that load undici (Node's fetch), which the handler never uses. `require('node:http')` returns the
 * same module without touching those getters (~4 ms), so the handler's bundle takes http through require.
 */
const requireBuiltinsPlugin = {
  name: 'require-builtins',
  setup(b) {
    // Its own require of the module is left to esbuild (an external built-in), not taken again here.
    b.onResolve({ filter: /^(node:)?http$/ }, (args) => (args.namespace === 'require-builtin' ? undefined : { path: 'node:http', namespace: 'require-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'require-builtin' }, ({ path }) => ({
      // A CommonJS module: esbuild's interop then serves every import form (default, named, `* as`,
      // require) from the module itself, with no list of names to keep up to date.
      contents: `module.exports = require(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};

// Emptied first: a chunk of an earlier build (its name carries a hash) must not linger and ship.
rmSync(join(root, 'dist', HANDLER_CHUNKS), { recursive: true, force: true });
for (const [name, { file }] of Object.entries(LAZY_SYNC)) {
  await build({ ...common, banner: {}, format: 'cjs', entryPoints: [name], outfile: `dist/${HANDLER_CHUNKS}/${file}.cjs`, minify: true, sourcemap: false });
}

const outputs = [
  { entryPoints: ['functions/cli.ts'], outfile: 'dist/cli.js', minify: true, banner: { js: `#!/usr/bin/env node\n${common.banner.js}` } },
  // The Lambda bundle: minified, the AWS SDK included so its version is ours, not the runtime's
  // (scripts/lambda-bundle-options.mjs, which the bench's SDK-only baseline shares).
  {
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: { handler: 'functions/handler.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: `${HANDLER_CHUNKS}/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    plugins: [lazyRequirePlugin, requireBuiltinsPlugin],
  },
];

for (const o of outputs) {
  const result = await build({ ...common, ...o });
  const main = o.outfile ?? 'dist/handler.mjs';
  const start = o.splitting ? `, ${(coldStartBytes(result.metafile, main) / 1024).toFixed(0)} KiB with the chunks it imports at start` : '';
  if (!quiet) console.log(`${main}: ${(statSync(`${root}/${main}`).size / 1024).toFixed(0)} KiB${start}`);
}

/** Bytes a cold start loads: the entry and the chunks it imports statically (not those imported on first use). */
function coldStartBytes(metafile, entry) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const imp of metafile.outputs[queue.pop()].imports) {
      if (imp.kind === 'import-statement' && metafile.outputs[imp.path] && !seen.has(imp.path)) {
        seen.add(imp.path);
        queue.push(imp.path);
      }
    }
  }
  return [...seen].reduce((sum, o) => sum + metafile.outputs[o].bytes, 0);
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
