/**
 * `npm start` and `npm run demo` pass signals through. npm runs a script with `sh -c "a && b"` and
 * forwards SIGTERM/SIGINT to that shell only: unless the script `exec`s its last command, the shell
 * dies and the gateway (and the demo's simulator) keep running, orphaned. Each case spawns the
 * real npm script, signals the npm process alone (as a service manager or `kill <pid>` does), and
 * looks with `ps` for what is left. Loopback only, on ports found free. Each script builds first,
 * which takes a second alone but far longer beside a CPU-heavy test file: hence the generous bounds.
 *
 * The scripts run in a copy of package.json and scripts/ (functions/, examples/ and node_modules
 * linked), because each script builds first: in the clone itself that would rewrite dist/ while
 * other test files are spawning dist/cli.js.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TUTORIAL_ENV } from '../support/cli.js';
import { freePort } from '../support/ports.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Node processes running the built CLI with this (unique) port argument, as `ps` lists them; not
 * the `sh -c` that npm may run them in, whose arguments hold the same text.
 */
function cliProcesses(port: number): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => {
    const [, program = '', ...args] = line.trim().split(/\s+/);
    return /(^|\/)node$/.test(program) && /(^|\/)dist\/cli\.js$/.test(args[0] ?? '') && args.join(' ').includes(`--port ${port}`);
  });
}

/** Polls `check` until it holds; `what` is read on timeout, so it can show the latest state. */
async function until(what: () => string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm scripts pass signals through', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelgate-npm-signals-'));
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    // Copied, not linked: build.mjs finds the root from its own (real) path and writes dist/ there.
    cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
    for (const shared of ['functions', 'examples', 'node_modules']) symlinkSync(join(ROOT, shared), join(dir, shared));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * As a terminal would run npm: without the npm_* variables an outer `npm test` exports (they
   * would point the inner npm at the clone), and with the npm on PATH running on this node.
   */
  function scriptEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name) && name !== 'INIT_CWD') env[name] = value;
    return { ...env, ...TUTORIAL_ENV, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  }

  async function stopsEverything(script: string[], signal: 'SIGTERM' | 'SIGINT', ports: number[]) {
    const [port] = ports;
    const npm = spawn('npm', script, {
      cwd: dir,
      env: scriptEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    npm.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    npm.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    let exited = false;
    npm.once('exit', () => (exited = true));
    try {
      await signalled(
        npm,
        signal,
        ports,
        () => output,
        () => exited,
      );
    } finally {
      // Whatever a failed case left: npm was started as a process group of its own, and an orphan
      // stays in it (which also keeps the group's id from being reused), so this ends exactly
      // what this case started.
      if (!exited || cliProcesses(port!).length > 0) {
        try {
          process.kill(-npm.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }

  async function signalled(npm: ChildProcess, signal: 'SIGTERM' | 'SIGINT', ports: number[], output: () => string, exited: () => boolean) {
    const [port] = ports;
    await until(
      () => `"serving http://127.0.0.1:${port}" from npm ${npm.spawnargs.slice(1).join(' ')}:\n${output()}`,
      () => output().includes(`serving http://127.0.0.1:${port}`),
      60_000,
    );
    const running = cliProcesses(port!);
    expect(running.length, running.join('\n')).toBe(1);

    npm.kill(signal); // the npm process only, not its group
    await until(() => `npm to exit after ${signal}:\n${output()}`, exited, 10_000);
    // The signal reached the gateway itself: it drained, rather than being left behind or killed.
    expect(output()).toContain(`${signal}: draining`);
    await until(
      () => `no dist/cli.js left with --port ${port}, but: ${cliProcesses(port!).join('; ')}`,
      () => cliProcesses(port!).length === 0,
      5_000,
    );
    for (const p of ports) expect(await accepts(p), `port ${p} still accepts`).toBe(false);
  }

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'npm run demo: %s to npm stops the gateway and its simulator',
    async (signal) => {
      const port = await freePort();
      const simulatorPort = await freePort();
      await stopsEverything(['run', 'demo', '--', '--port', String(port), '--simulator-port', String(simulatorPort)], signal, [port, simulatorPort]);
    },
    90_000,
  );

  it('npm start: SIGTERM to npm stops the gateway', async () => {
    const port = await freePort();
    await stopsEverything(['start', '--', '--port', String(port)], 'SIGTERM', [port]);
  }, 90_000);
});
