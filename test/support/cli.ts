/** Spawning the real `modelgate` command (dist/cli.js) in end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUTORIAL_ENV } from './manifests.js';

// The tutorial is the repository's own examples/ file; re-exported for the tests that spawn it.
export { TUTORIAL, TUTORIAL_ENV, TUTORIAL_KEY, tutorialAgainst } from './manifests.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli.js');

export interface Served {
  child: ChildProcess;
  url: string;
  logs: string[];
}

/**
 * Spawns `modelgate serve`, waits for its "serving" line, and collects every log line. By default
 * ${ANTHROPIC_API_KEY} is the tutorial's placeholder, never the developer's own key.
 */
export function serve(args: string[], stdin?: string, env: NodeJS.ProcessEnv = { ...process.env, ...TUTORIAL_ENV }): Promise<Served> {
  return launch('serve', args, stdin, env);
}

/** Spawns a serving `modelgate` command (`serve`, `demo`) and waits for its "serving" line. */
export async function launch(command: 'serve' | 'demo', args: string[], stdin?: string, env: NodeJS.ProcessEnv = { ...process.env, ...TUTORIAL_ENV }): Promise<Served> {
  const child = spawn(process.execPath, [CLI, command, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (stdin !== undefined) child.stdin!.end(stdin);
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`modelgate did not start:\n${logs.join('\n')}`)), 10_000);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logs.push(line);
        const m = /serving (http:\/\/[^\s"]+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.once('exit', (code) => reject(new Error(`modelgate exited with ${code}:\n${logs.join('\n')}`)));
  });
  return { child, url, logs };
}

export function stop(served: Served | undefined): Promise<void> {
  if (!served || served.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    served.child.once('exit', () => resolve());
    served.child.kill('SIGTERM');
  });
}

/**
 * Runs the CLI to completion: exit code and everything it printed. ANTHROPIC_API_KEY is unset
 * unless `env` sets it (e.g. TUTORIAL_ENV), so a developer's own key never changes the outcome.
 */
export function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ANTHROPIC_API_KEY: '', ...env } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
