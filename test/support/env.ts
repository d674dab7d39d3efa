/**
 * Environment variables for one test file: set (or, given undefined, unset) before its tests,
 * restored after (deleted when they were not set). `afterSet` runs once they are in place, e.g. to drop a credential provider
 * that cached the old ones.
 */
import { afterAll, beforeAll } from 'vitest';

export function useEnv(vars: Readonly<Record<string, string | undefined>>, afterSet?: () => void): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    afterSet?.();
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}
