import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/cli.js once, so end-to-end tests spawn the real `modelgate` command.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: more workers only contend, and network tests want their loopback ports quiet.
    maxWorkers: 2,
  },
});
