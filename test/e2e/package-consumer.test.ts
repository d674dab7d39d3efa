/**
 * modelgate as a user gets it: `npm pack`, installed into a project laid out as `pulumi new
 * typescript` lays one out, type-checked with that project's own tsconfig and TypeScript 5 (what
 * the template's `"typescript": "^5.0.0"` installs), and a program using all four components on
 * both platforms run under Pulumi's mocks by each way a Pulumi program gets run: compiled by tsc
 * and run by plain node (CommonJS), ts-node registered as `pulumi up` registers it (the 7.0.1 that
 * @pulumi/pulumi vendors, which a template project without ts-node gets, and a project's own
 * ts-node 10), and tsx. Then `npx modelgate --version` from the project.
 *
 * The project (test/e2e/package-consumer/: index.ts, tsconfig.json and the rest) is CommonJS, as
 * the template's package.json has no "type": its `require('modelgate')` loads an ES module
 * package, which Node 22.12+ allows (package.json's engines).
 *
 * Fast and off the network: the tarball goes in with `npm install --prefer-offline` (its own
 * dependencies, a handful, come from npm's cache, filled by the clone's `npm ci`), and the large
 * packages the project itself depends on (@pulumi/*, typescript, ts-node, tsx, @types/node) are
 * links to the clone's node_modules — TypeScript 5 is the clone's `typescript-5` alias, since the
 * clone's own is 7, which has no compiler API for ts-node and no `moduleResolution: node`.
 *
 * It packs what the global setup built (`--ignore-scripts`: npm pack would otherwise run prepare
 * and rebuild dist/ while other test files spawn dist/cli.js). Slow by nature — a full type-check
 * of @pulumi/aws's declarations, as the template (no skipLibCheck) does, is most of it — so its
 * steps run one at a time, leaving the other core to the rest of the suite.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const FIXTURE = fileURLToPath(new URL('./package-consumer/', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * As a terminal would run a command: without the npm_* variables an outer `npm test` exports (they
 * would point an inner npm at the clone), this node first on PATH, ts-node's cache kept in `dir`.
 */
function userEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(npm_|TS_NODE_)/i.test(name) && name !== 'INIT_CWD') env[name] = value;
  return { ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, TS_NODE_CACHE_DIRECTORY: join(dir, '.ts-node-cache') };
}

/** Runs a command to its end, or kills its process group after `ms`. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; ms: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`${command} ${args.join(' ')} took over ${options.ms} ms:\n${stdout}\n${stderr}`));
    }, options.ms);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function shown(ran: Ran): string {
  return `exit ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`;
}

/** What index.ts prints: the resource types it registered, where the Lambda's code comes from. */
interface Result {
  gatewayType: string;
  moduleSystem: string;
  types: Record<string, number>;
  lambdaCode: Record<string, string | null>;
  awsUrl: string;
}

describe('the npm package, installed into a `pulumi new typescript` project', () => {
  let dir: string;
  let app: string;
  let env: NodeJS.ProcessEnv;
  let packed: { filename: string; size: number; files: Array<{ path: string }> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelgate-consumer-'));
    env = userEnv(dir);
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env, ms: 60_000 });
    expect(pack.code, shown(pack)).toBe(0);
    packed = (JSON.parse(pack.stdout) as Array<typeof packed>)[0]!;

    app = join(dir, 'app');
    mkdirSync(app);
    // The tarball alone first: --legacy-peer-deps keeps npm from installing the @pulumi/* peers,
    // which are linked below instead of being unpacked (hundreds of MB) for every run.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'modelgate-consumer', main: 'index.ts' }, null, 4));
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--legacy-peer-deps', join(dir, packed.filename)], { cwd: app, env, ms: 90_000 });
    expect(install.code, shown(install)).toBe(0);
    const installed = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

    // The template's package.json (pulumi/templates typescript/, with the @pulumi/aws and
    // @pulumi/kubernetes ranges of its aws- and kubernetes-typescript siblings), plus modelgate and
    // what runs the program here. @types/node is ^22, not the template's ^18: the clone's, linked.
    const manifest = {
      name: 'modelgate-consumer',
      main: 'index.ts',
      devDependencies: { '@types/node': '^22', 'ts-node': '^10.9.2', tsx: '^4.0.0', typescript: '^5.0.0' },
      dependencies: { '@pulumi/aws': '^7.0.0', '@pulumi/kubernetes': '^4.0.0', '@pulumi/pulumi': '^3.113.0', modelgate: installed.dependencies.modelgate },
    };
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 4)}\n`);
    const links: Record<string, string> = {
      '@pulumi/pulumi': '@pulumi/pulumi',
      '@pulumi/aws': '@pulumi/aws',
      '@pulumi/kubernetes': '@pulumi/kubernetes',
      '@types/node': '@types/node',
      typescript: 'typescript-5',
      'ts-node': 'ts-node',
      tsx: 'tsx',
    };
    for (const [name, from] of Object.entries(links)) {
      mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', from), join(app, 'node_modules', name), 'dir');
    }
    for (const file of ['index.ts', 'tsconfig.json', 'tsconfig.commonjs.json', 'Pulumi.yaml', 'pulumi-run.cjs']) cpSync(join(FIXTURE, file), join(app, file));
  }, 150_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the tarball holds the compiled components, the Lambda bundle, the CLI and examples, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const needed of [
      'package.json',
      'README.md',
      'lib/index.js',
      'lib/index.d.ts',
      'lib/components/gateway.js',
      'lib/functions/bundle.js',
      'dist/cli.js',
      'dist/handler.mjs',
      'examples/tutorial-failover.yaml',
      'PulumiPlugin.yaml',
      'lib/components/provider/main.js',
    ]) {
      expect(files).toContain(needed);
    }
    const unexpected = files.filter(
      (f) =>
        !/^(package\.json|README\.md|LICENSE|PulumiPlugin\.yaml|lib\/.+\.(js|d\.ts)|dist\/(cli\.js|handler\.mjs|handler-chunks\/[^/]+\.(mjs|cjs))|examples\/[^/]+\.yaml)$/.test(f),
    );
    expect(unexpected, 'files beyond what users run').toEqual([]);
    // The Lambda code is handler.mjs plus the chunks it loads on first use (and those they load): all packed.
    const needed = new Set<string>();
    const visit = (file: string, pattern: RegExp) => {
      for (const [, name] of readFileSync(join(ROOT, file), 'utf8').matchAll(pattern)) {
        if (needed.has(name!)) continue;
        needed.add(name!);
        visit(`dist/handler-chunks/${name}`, /["']\.\/([\w.-]+\.[mc]js)["']/g);
      }
    };
    visit('dist/handler.mjs', /handler-chunks\/([\w.-]+\.[mc]js)/g);
    expect(needed.size).toBeGreaterThan(0);
    for (const chunk of needed) expect(files).toContain(`dist/handler-chunks/${chunk}`);
    // Source maps (7.7 MB) and sources are out: about 1.5 MB packed today, half of it the Lambda's lazily loaded chunks (Google / Azure auth, STS, ...).
    expect(packed.size).toBeLessThan(2_000_000);
  });

  it('`npx modelgate --version` runs the installed CLI', async () => {
    const ran = await run('npx', ['--no-install', 'modelgate', '--version'], { cwd: app, env, ms: 30_000 });
    expect(ran.code, shown(ran)).toBe(0);
    expect(ran.stdout.trim()).toBe(PACKAGE.version);
  }, 40_000);

  it('a plain CommonJS script require()s it and an ES module imports it, both lib/index.js', async () => {
    const show = (from: string) => `console.log(JSON.stringify({ gateway: typeof m.Gateway, type: m.GATEWAY_TYPE, from: ${from} }))`;
    const cjs = await run(process.execPath, ['-e', `const m = require('modelgate'); ${show("require.resolve('modelgate')")}`], { cwd: app, env, ms: 30_000 });
    const esm = await run(process.execPath, ['--input-type=module', '-e', `const m = await import('modelgate'); ${show("new URL(import.meta.resolve('modelgate')).pathname")}`], {
      cwd: app,
      env,
      ms: 30_000,
    });
    const entry = realpathSync(join(app, 'node_modules/modelgate/lib/index.js'));
    for (const ran of [cjs, esm]) {
      expect(ran.code, shown(ran)).toBe(0);
      const seen = JSON.parse(ran.stdout) as { gateway: string; type: string; from: string };
      expect({ ...seen, from: realpathSync(seen.from) }).toEqual({ gateway: 'function', type: 'modelgate:index:Gateway', from: entry });
    }
    // require() of an ES module is stable in this Node: no ExperimentalWarning to alarm users with.
    expect(cjs.stderr).toBe('');
  }, 40_000);

  // The template's tsconfig as `pulumi new typescript` writes it today (module and
  // moduleResolution nodenext), no skipLibCheck: modelgate's declarations and everything they reach
  // are checked. Emits bin/index.js, CommonJS, for the plain-node run below.
  it('type-checks and compiles with the template tsconfig and TypeScript 5', async () => {
    const ran = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: app, env, ms: 150_000 });
    expect(ran.code, shown(ran)).toBe(0);
    expect(existsSync(join(app, 'bin/index.js'))).toBe(true);
  }, 160_000);

  // The template before 2026 (module commonjs, moduleResolution node — which reads package.json's
  // top-level "types", not "exports"). skipLibCheck: under this resolution without esModuleInterop,
  // zod's own declarations fail (zod/v4/locales/*.d.cts, TS1259, colinhacks/zod#5160), with or
  // without modelgate; modelgate's declarations still have to parse and type index.ts.
  it('type-checks with the pre-2026 template tsconfig (commonjs, moduleResolution node)', async () => {
    const ran = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.commonjs.json', '--noEmit', '--skipLibCheck'], { cwd: app, env, ms: 90_000 });
    expect(ran.code, shown(ran)).toBe(0);
  }, 100_000);

  const runners: Array<[string, string[], NodeJS.ProcessEnv, number]> = [
    ['node, compiled by tsc', ['bin/index.js'], {}, 30_000],
    ['tsx', ['node_modules/tsx/dist/cli.mjs', 'index.ts'], {}, 40_000],
    // What `pulumi up` does in a template project (no ts-node of its own), type-checking included.
    ['ts-node 7.0.1 as pulumi registers it', ['pulumi-run.cjs'], { PULUMI_TS_NODE: 'vendored' }, 90_000],
    // A project with ts-node installed: pulumi takes that one. Transpile only (PULUMI_NODEJS_TRANSPILE_ONLY):
    // TypeScript 5's checks ran above, twice; this is about loading.
    ['ts-node 10 as pulumi registers it', ['pulumi-run.cjs'], { PULUMI_TS_NODE: 'project', PULUMI_NODEJS_TRANSPILE_ONLY: 'true' }, 40_000],
  ];

  it.each(runners)(
    'runs Gateway, Backend, Policy and Route on kubernetes and aws under mocks: %s',
    async (_name, args, extra, ms) => {
      if (args[0] === 'bin/index.js') expect(existsSync(join(app, 'bin/index.js')), 'bin/index.js, from the tsc test above').toBe(true);
      const ran = await run(process.execPath, args, { cwd: app, env: { ...env, ...extra }, ms });
      expect(ran.code, shown(ran)).toBe(0);
      const line = ran.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      expect(line, shown(ran)).toBeDefined();
      const result = JSON.parse(line!.slice('RESULT '.length)) as Result;

      expect(result.gatewayType).toBe('modelgate:index:Gateway');
      // The program is CommonJS under every runner: modelgate, an ES module package, came through require().
      expect(result.moduleSystem).toBe('commonjs');
      expect(result.types).toMatchObject({
        'modelgate:index:Gateway': 2,
        'modelgate:index:Backend': 2,
        'modelgate:index:Policy': 2,
        'modelgate:index:Route': 2,
      });
      const expected = [
        // kubernetes: the Gateway API and agentgateway objects, and the provider key's Secret.
        'kubernetes:gateway.networking.k8s.io/v1:Gateway',
        'kubernetes:gateway.networking.k8s.io/v1:HTTPRoute',
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend',
        'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayPolicy',
        'kubernetes:core/v1:Secret',
        // aws: the function behind its URL, its table, role and logs, the key in Secrets Manager.
        'aws:lambda/function:Function',
        'aws:lambda/functionUrl:FunctionUrl',
        'aws:dynamodb/table:Table',
        'aws:dynamodb/tableItem:TableItem',
        'aws:iam/role:Role',
        'aws:cloudwatch/logGroup:LogGroup',
        'aws:secretsmanager/secret:Secret',
      ];
      expect(
        expected.filter((type) => !result.types[type]),
        `registered: ${JSON.stringify(result.types)}`,
      ).toEqual([]);
      expect(result.awsUrl).toMatch(/^https:\/\/.+\.lambda-url\.us-east-1\.on\.aws/);

      // The Lambda deploys the prebuilt bundle from the installed package, found from lib/ in node_modules.
      const bundle = realpathSync(join(app, 'node_modules/modelgate/dist/handler.mjs'));
      // ... and the chunks it loads on first use, from the installed package too.
      const chunksDir = realpathSync(join(app, 'node_modules/modelgate/dist/handler-chunks'));
      const chunks = readdirSync(chunksDir).filter((f) => /\.(mjs|cjs)$/.test(f));
      expect(chunks.length).toBeGreaterThan(0);
      expect(result.lambdaCode).toEqual({ 'handler.mjs': bundle, ...Object.fromEntries(chunks.map((f) => [`handler-chunks/${f}`, join(chunksDir, f)])) });
    },
    100_000,
  );
});
