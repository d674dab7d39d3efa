import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_TEMP_ROOT_ENV } from './temp.js';

export default function setup(): () => void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, stdio: 'inherit' });
  // Every test's temp files go under this one folder (test/support/temp.ts), removed when the run ends.
  const temp = mkdtempSync(join(tmpdir(), 'modelgate-test-run-'));
  process.env[TEST_TEMP_ROOT_ENV] = temp;
  return () => rmSync(temp, { recursive: true, force: true });
}
