/**
 * Temporary directories for tests, all under one root per test run that the global setup removes
 * when the run ends (test/support/global-setup.ts): a run leaves nothing behind in the system's
 * temp folder, however its tests end.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The run's root (set by the global setup); the system temp folder when a file runs outside vitest's setup. */
export const TEST_TEMP_ROOT_ENV = 'MODELGATE_TEST_TMP';

export function tempDir(prefix: string): string {
  const root = process.env[TEST_TEMP_ROOT_ENV] ?? tmpdir();
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}
