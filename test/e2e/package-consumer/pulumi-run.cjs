// Runs index.ts as `pulumi up` runs a TypeScript program in a CommonJS project (the language host's
// @pulumi/pulumi/cmd/run/run.js), minus the engine: ts-node registered with the project's
// typescript, type-checking on unless PULUMI_NODEJS_TRANSPILE_ONLY=true or the tsconfig's noCheck
// says otherwise, the tsconfig's compilerOptions over Pulumi's defaults (nodenext from TypeScript
// 4.7 on), then `require(program)`. Which ts-node: Pulumi takes the project's when it has one, else the 7.0.1 it
// vendors (the template lists no ts-node); PULUMI_TS_NODE=vendored|project picks.
//
// run.js finds typescript and ts-node with require() from @pulumi/pulumi's own folder; this scratch
// project links @pulumi/pulumi from the clone, where that would find the clone's TypeScript 7 (no
// compiler API), so the project's are resolved from here instead: what run.js finds in a real install.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const project = process.cwd();
const typescript = require.resolve('typescript', { paths: [project] });
const ts = require(typescript);
const which = process.env.PULUMI_TS_NODE ?? 'vendored';
const tsnode =
  which === 'vendored'
    ? path.join(path.dirname(require.resolve('@pulumi/pulumi/package.json', { paths: [project] })), 'vendor', 'ts-node@7.0.1')
    : require.resolve('ts-node', { paths: [project] });

// tsutils.loadTypeScriptCompilerOptions: the tsconfig's compilerOptions as written.
const tsconfig = 'tsconfig.json';
const compilerOptions = ts.parseConfigFileTextToJson(tsconfig, fs.readFileSync(tsconfig, 'utf8')).config?.compilerOptions ?? {};
const [major, minor] = ts.version.split('.').map(Number);
const useNodeNext = major > 4 || (major === 4 && minor >= 7);

const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
require(tsnode).register({
  compiler: typescript,
  transpileOnly: transpileOnlyEnv ? transpileOnlyEnv === 'true' : compilerOptions.noCheck,
  project: tsconfig,
  skipProject: false,
  compilerOptions: {
    target: 'ES2020',
    module: useNodeNext ? 'nodenext' : 'commonjs',
    moduleResolution: useNodeNext ? 'nodenext' : 'node',
    sourceMap: 'true',
    ...compilerOptions,
  },
});
process.stderr.write(`pulumi-run: ts-node ${require(tsnode).VERSION} (${which}), typescript ${ts.version}${transpileOnlyEnv === 'true' ? ', transpile only' : ''}\n`);

require(path.join(project, 'index.ts'));
