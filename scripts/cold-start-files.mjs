// The files a Lambda cold start loads: dist/handler.mjs and every chunk it imports statically,
// transitively (a chunk imported with `import("./...")` loads on first use, not at start).
// Used by the bench and the bundle test; scripts/build.mjs prints the same figure from esbuild's metafile.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** Path (relative to `dist`) -> file text, for the handler and its static imports. */
export function coldStartFiles(dist, entry = 'handler.mjs') {
  const files = new Map();
  const visit = (path) => {
    if (files.has(path)) return;
    const text = readFileSync(join(dist, path), 'utf8');
    files.set(path, text);
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*)"(\.\/[^"]+\.mjs)"/g)) {
      visit(normalize(join(dirname(path), m[1])));
    }
  };
  visit(entry);
  return files;
}

export function coldStartBytes(dist, entry) {
  return [...coldStartFiles(dist, entry).values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);
}
