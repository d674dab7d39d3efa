/**
 * The shared corpus: upstream data that the project reads in place and never copies into the
 * repository (agentgateway's CRDs and CRD test fixtures, agentgateway's golden translation cases).
 * It lives in ../shared, beside the clone. CI always has it; a fresh clone on a laptop may not, and
 * `npm test` must still pass there. So the suites that need it are declared with
 * `describeWithShared`: without the corpus they are skipped with one line saying what is missing,
 * and with CI set they fail instead (a CI run that silently checked less would look green).
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const CLONE = fileURLToPath(new URL('../..', import.meta.url));

/** ../shared, beside the clone. */
export const SHARED_ROOT = new URL('../../../shared/', import.meta.url);

export interface SharedCorpus {
  /** What a suite loses without it, as the skip line says it: "CRD schemas". */
  what: string;
  /** Its folder under ../shared. */
  dir: URL;
}

function corpus(what: string, path: string): SharedCorpus {
  return { what, dir: new URL(path, SHARED_ROOT) };
}

/** agentgateway's and the Gateway API's CustomResourceDefinitions (crds/agentgateway, crds/gateway-api). */
export const CRDS = corpus('CRD schemas', 'crds/');
/** agentgateway's own CRD test fixtures (`*_valid.yaml`, `*_invalid.yaml` with `_err`). */
export const CRD_FIXTURES = corpus("agentgateway's CRD test fixtures", 'crds/agentgateway-examples/');
/** agentgateway's golden translation cases (insta snapshots). */
export const GOLDEN = corpus('agentgateway golden translation cases', 'conformance/agentgateway-golden/');

export function sharedAvailable(needs: SharedCorpus): boolean {
  return existsSync(needs.dir);
}

/** The corpus's folder as a person would type it from the clone: `../shared/crds`. */
export function shownPath(needs: SharedCorpus): string {
  return relative(CLONE, fileURLToPath(needs.dir));
}

/** CI must run every suite: `CI` set to anything but empty, 0 or false (as CI services set it). */
export function sharedRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * "CRD schemas — ../shared/crds is not beside this clone". A corpus inside another missing one is
 * named with it ("CRD schemas and agentgateway's CRD test fixtures — ../shared/crds ..."): the
 * folder to bring is the outer one.
 */
export function missingLine(missing: readonly SharedCorpus[]): string {
  // m's own folder, or the shortest missing folder that contains it.
  const outermost = (m: SharedCorpus) => missing.filter((o) => m.dir.href.startsWith(o.dir.href)).reduce((a, b) => (b.dir.href.length < a.dir.href.length ? b : a));
  const groups = new Map<SharedCorpus, string[]>();
  for (const m of missing) {
    const o = outermost(m);
    groups.set(o, [...(groups.get(o) ?? []), m.what]);
  }
  const parts = [...groups].map(([o, whats]) => `${whats.join(' and ')} — ${shownPath(o)}`);
  return `${parts.join('; ')} ${parts.length > 1 ? 'are' : 'is'} not beside this clone`;
}

/**
 * `describe(name, fn)` when every corpus in `needs` is there. Otherwise `fn` is never called (its
 * collection would already read the missing files), and the suite is one test: skipped, with one
 * line on stderr naming what is missing; or, with CI set, failing with that line.
 */
export function describeWithShared(name: string, needs: SharedCorpus | readonly SharedCorpus[], fn: () => void): void {
  const missing = [needs].flat().filter((n) => !sharedAvailable(n));
  if (missing.length === 0) describe(name, fn);
  else describeUnavailable(name, `needs ${missing.map((m) => m.what).join(' and ')}`, missingLine(missing), 'CI must have ../shared');
}

/**
 * A suite whose prerequisite is missing: one test, skipped with one line on stderr saying why (a
 * clone without it still passes `npm test`); or, with CI set, failing with that line, because CI
 * provides it and a green run that checked less would mislead.
 */
export function describeUnavailable(name: string, test: string, why: string, ciHasIt: string): void {
  if (sharedRequired()) {
    describe(name, () => {
      it(test, () => {
        throw new Error(`${why}, and CI is set: ${ciHasIt}, so this suite fails rather than being skipped`);
      });
    });
    return;
  }
  // Written directly, not through console: vitest would add a header line to a console message,
  // and the default reporter does not print the names of skipped tests.
  process.stderr.write(`skipped: ${why} (CI has it): suite "${name}"\n`);
  describe(name, () => {
    it.skip(`skipped: ${why} (CI has it)`, () => {});
  });
}
