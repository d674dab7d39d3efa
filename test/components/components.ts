/**
 * The setup every component test file shares: the Pulumi mocks set once for the file, the
 * components imported after them (resources made before the mocks resolve to undefined, silently),
 * and the record of resources and invokes emptied before each test.
 */
import { beforeAll, beforeEach } from 'vitest';
import { clearRecorded, setupMocks, type MockOptions, type Recorded } from './mocks.js';

export type Components = typeof import('../../components/index.js');

export interface LoadedComponents {
  recorded: Recorded[];
  c: Components;
}

/**
 * Registers the hooks; `use` receives the record and the components once they are loaded, e.g.
 * `useComponents((loaded) => ({ recorded, c } = loaded))`, so the tests keep their own variables.
 */
export function useComponents(use: (loaded: LoadedComponents) => unknown, options?: MockOptions): void {
  beforeAll(async () => {
    const recorded = await setupMocks(options);
    const c = await import('../../components/index.js');
    await use({ recorded, c });
  });
  // The list of the mocks set last: a test that sets them again (other options) records into a new one.
  beforeEach(clearRecorded);
}
