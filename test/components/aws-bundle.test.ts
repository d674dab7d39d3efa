/**
 * The Lambda asset knows its build, under Pulumi mocks: inside a checkout (the package's
 * `functions/**\/*.ts` next to the bundle) a `dist/handler.mjs` older than any of them is refused
 * with the command that rebuilds it; installed from a tarball (no sources, or sources all stamped
 * with npm's one fixed time) there is nothing to check. The bundle directory is pointed at a
 * scratch package, so the repository's own build is never touched.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { one, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';

const root = vi.hoisted(() => `${process.env.TMPDIR ?? '/tmp'}/modelgate-bundle-test-${process.pid}-${Date.now()}`);

vi.mock('../../functions/bundle.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../functions/bundle.js')>()),
  HANDLER_BUNDLE_DIR: `${root}/dist/`,
}));

let recorded: Recorded[];
let c: Components;

const BUNDLE = join(root, 'dist', 'handler.mjs');
const SOURCE = join(root, 'functions', 'engine', 'failover.ts');
const OTHER = join(root, 'functions', 'handler.ts');
const CONTENT = 'export const handler = async () => ({ statusCode: 200 });\n';
/** npm gives every file of a tarball this time. */
const NPM_TIME = new Date('1985-10-26T08:15:00Z');

const at = (path: string, time: Date) => utimesSync(path, time, time);

useComponents((loaded) => ({ recorded, c } = loaded));

beforeEach(() => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  mkdirSync(join(root, 'functions', 'engine'), { recursive: true });
  writeFileSync(BUNDLE, CONTENT);
  writeFileSync(SOURCE, 'export {};\n');
  writeFileSync(OTHER, 'export {};\n');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('aws: a stale Lambda bundle is refused inside a checkout', () => {
  it('a bundle newer than every source deploys, its SHA-256 an output and in the description', async () => {
    at(SOURCE, new Date('2026-01-01T00:00:00Z'));
    at(OTHER, new Date('2026-01-01T00:00:00Z'));
    at(BUNDLE, new Date('2026-01-02T00:00:00Z'));
    const gateway = new c.Gateway('fresh', { platform: 'aws' });
    await settle(gateway.urn);
    const sha256 = createHash('sha256').update(CONTENT).digest('hex');
    expect(await valueOf(gateway.bundleSha256)).toBe(sha256);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.description).toBe(`modelgate gateway fresh (bundle sha256:${sha256})`);
  });

  it('a source newer than the bundle: refused at construction, naming the source and `npm run build`', () => {
    at(BUNDLE, new Date('2026-01-02T00:00:00Z'));
    at(OTHER, new Date('2026-01-01T00:00:00Z'));
    at(SOURCE, new Date('2026-01-03T00:00:00Z'));
    const error = thrown(() => new c.Gateway('stale', { platform: 'aws' }));
    expect(error.message).toBe(
      `modelgate:index:Gateway stale: the Lambda bundle ${BUNDLE} is older than its source ${join('functions', 'engine', 'failover.ts')}: it would deploy a build without your changes; rebuild it with \`npm run build\``,
    );
    // Nothing was created from it.
    expect(recorded.filter((r) => r.type.startsWith('aws:'))).toEqual([]);
  });

  it('installed from a tarball: no sources, no check', async () => {
    rmSync(join(root, 'functions'), { recursive: true });
    at(BUNDLE, NPM_TIME);
    await settle(new c.Gateway('installed', { platform: 'aws' }).urn);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.description).toContain('bundle sha256:');
  });

  it('a tarball that ships the sources too: npm stamps every file with the same time, so none is newer', async () => {
    for (const path of [BUNDLE, SOURCE, OTHER]) at(path, NPM_TIME);
    await settle(new c.Gateway('tarball', { platform: 'aws' }).urn);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.description).toContain('bundle sha256:');
  });

  it('no bundle at all: refused, with the same command', () => {
    rmSync(BUNDLE);
    expect(thrown(() => new c.Gateway('unbuilt', { platform: 'aws' })).message).toBe(
      `modelgate:index:Gateway unbuilt: the Lambda bundle ${BUNDLE} is missing; run \`npm run build\` (npm ci does it) first`,
    );
  });

  it('the kubernetes platform deploys no bundle, and checks none', async () => {
    at(SOURCE, new Date('2027-01-01T00:00:00Z'));
    await settle(new c.Gateway('k8s', { platform: 'kubernetes' }).urn);
    expect(recorded.filter((r) => r.type === 'kubernetes:gateway.networking.k8s.io/v1:Gateway')).toHaveLength(1);
  });
});
