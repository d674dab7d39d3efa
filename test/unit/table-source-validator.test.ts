/**
 * TableConfigSource when the validator itself cannot be loaded (in the Lambda, a missing or broken
 * chunk): items with a copy validated for this build still load, since they need no validator; an
 * item without one is a logged error, and the last good config (or none) stays, as after a failed
 * table read. The validator module is made to fail on import here; nothing else in this file loads it.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SecretsLoader } from '../../functions/config/table-source.js';
import { validatedConfigItem } from '../../functions/config/validated-item.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { manifestSecrets } from '../../functions/model/compile.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { configItem } from '../../functions/state/table-layout.js';
import { backendRef, gateway, route, rule } from '../support/manifests.js';

const BUILD = 'build-under-test';
const OBJECTS = [
  gateway('gw', { namespace: 'v' }),
  {
    apiVersion: 'agentgateway.dev/v1alpha1',
    kind: 'AgentgatewayBackend',
    metadata: { name: 'llm', namespace: 'v' },
    spec: { ai: { provider: { host: '127.0.0.1', port: 9, openai: { model: 'gpt-x' } } }, policies: { auth: { key: 'sk-test-validator-0123' } } },
  },
  route('route', [rule([backendRef('llm')])], { namespace: 'v', parents: [{ name: 'gw' }] }),
] as unknown as ManifestObject[];

// The items are written with the real validator; then a fresh TableConfigSource is loaded whose
// validator fails to import.
const COPIED = OBJECTS.map((o) => validatedConfigItem(o, BUILD));
vi.resetModules();
vi.doMock('../../functions/model/validate.js', () => {
  throw new Error('the validator chunk is missing');
});
const { TableConfigSource } = await import('../../functions/config/table-source.js');

function source(items: Array<Record<string, { S: string }>>) {
  const logger = new MemoryLogger();
  const client = { send: async () => ({ Items: items }) };
  const secrets: SecretsLoader = { prepare: async () => undefined, source: (objects) => manifestSecrets(objects) };
  return { logger, source: new TableConfigSource({ client: client as never, table: 't', secrets, logger, build: BUILD }) };
}

describe('TableConfigSource without a validator', () => {
  it('items validated for this build load all the same', async () => {
    const { source: s, logger } = source(COPIED);
    const config = await s.current();
    expect(config.backends.map((b) => b.id)).toEqual(['v/llm']);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('an item that needs validating: an error logged, nothing served, nothing thrown', async () => {
    const { source: s, logger } = source([...COPIED.slice(0, 2), configItem(OBJECTS[2]!)]);
    await expect(s.refresh()).resolves.toBeUndefined();
    await expect(s.current()).rejects.toThrow(/no usable config/);
    // (vitest words the import's error its own way; the line is what matters.)
    expect(logger.entries[0]).toMatchObject({
      level: 'error',
      event: 'config_error',
      message: expect.stringMatching(/^config: the validator could not be loaded \(.+\); keeping the config loaded \(none yet\)$/),
    });
  });
});
