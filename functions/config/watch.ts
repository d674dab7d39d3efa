/**
 * Live reload for `modelgate serve`: the `-f` files are watched (and SIGHUP reloads), a valid
 * change is swapped in without touching requests in flight (they finish on the config they
 * started with), and an invalid one is logged with the same words `validate` prints while the
 * last good config keeps serving.
 *
 * The files' folders are watched, not the files: editors and `kubectl`-style tools save by
 * writing a new file and renaming it over the old one, which ends a watch on the old inode. A
 * short settle delay folds the several events of one save into one reload. Modification times
 * and sizes are polled as well, once a second, because fs.watch is not delivered on every file
 * system (network mounts, some containers).
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

/** Several events of one save arrive within a few ms; one reload after they settle. */
const SETTLE_MS = 150;
/** The fallback poll, for file systems that deliver no watch events. */
const POLL_MS = 1_000;

export interface ConfigWatcher {
  close(): void;
}

/**
 * Calls `reload` (never twice at once) after any of `paths` changes. `-` (standard input) is not
 * watched.
 */
export function watchFiles(paths: readonly string[], reload: () => Promise<void>): ConfigWatcher {
  const files = paths.filter((p) => p !== '-').map((p) => resolve(p));
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const run = () => {
    if (running) {
      again = true; // a change during a reload: one more reload after it
      return;
    }
    running = reload().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        schedule();
      }
    });
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, SETTLE_MS);
    timer.unref();
  };

  const byFolder = new Map<string, Set<string>>();
  for (const f of files) {
    const names = byFolder.get(dirname(f)) ?? new Set<string>();
    names.add(basename(f));
    byFolder.set(dirname(f), names);
  }
  for (const [folder, names] of byFolder) {
    try {
      const w = watch(folder, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString())) schedule();
      });
      w.on('error', () => {}); // the poll below still sees changes
      watchers.push(w);
    } catch {
      // No watch on this file system: the poll covers it.
    }
  }

  const seen = new Map<string, string>();
  const fingerprint = async (f: string) => {
    try {
      const s = await stat(f);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  };
  void Promise.all(files.map(async (f) => seen.set(f, await fingerprint(f))));
  const poll = setInterval(() => {
    void Promise.all(
      files.map(async (f) => {
        const now = await fingerprint(f);
        if (seen.get(f) !== now) {
          seen.set(f, now);
          schedule();
        }
      }),
    );
  }, POLL_MS);
  poll.unref();

  return {
    close() {
      for (const w of watchers) w.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
