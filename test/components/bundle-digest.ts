/**
 * The SHA-256 the AWS Gateway reports for its Lambda code, computed independently from the built
 * files: handler.mjs, then each chunk of handler-chunks/ (sorted by name) as its name and content.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR, HANDLER_FILE } from '../../functions/bundle.js';

export function builtBundleSha256(): string {
  const hash = createHash('sha256').update(readFileSync(join(HANDLER_BUNDLE_DIR, HANDLER_FILE)));
  const dir = join(HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR);
  const chunks = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mjs') || f.endsWith('.cjs')) : [];
  for (const chunk of chunks.sort()) hash.update(chunk).update(readFileSync(join(dir, chunk)));
  return hash.digest('hex');
}
