/**
 * The body's nesting check (parseJsonBody): strings are skipped to their closing quote with a
 * native search, so its verdict is checked against the plain byte-by-byte reading of the same rule
 * on thousands of random bodies — brackets inside strings, runs of backslashes before quotes,
 * multibyte text, unterminated strings, nesting around the limit.
 */
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from '../../functions/engine/chat-request.js';
import { BadRequest } from '../../functions/engine/errors.js';
import { seededRandom } from '../support/seeded.js';

/** The rule read the slow way: depth of `[`/`{` outside strings; in a string a backslash takes the next byte. */
function referenceDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) max = Math.max(max, ++depth);
    else if (b === 0x5d || b === 0x7d) depth--;
  }
  return max;
}

const PIECES = ['[', ']', '{', '}', '"', '\\', '\\\\', '\\"', 'é', '😀', 'a', ',', ':', ' ', '"[[[{"', '"\\\\"', '"\\\\\\""'];

/** What parseJsonBody makes of a body: deeper than allowed, not JSON, or parsed. */
function verdict(body: Uint8Array): 'deep' | 'invalid' | 'ok' {
  try {
    parseJsonBody(body);
    return 'ok';
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    return /deeper than/.test(error.message) ? 'deep' : 'invalid';
  }
}

describe('the nesting check of a request body', () => {
  it('agrees with the byte-by-byte rule on 3,000 random bodies', () => {
    const r = seededRandom(2026);
    let deep = 0;
    for (let n = 0; n < 3000; n++) {
      const open = r() < 0.5 ? MAX_JSON_DEPTH - 2 + Math.floor(r() * 5) : Math.floor(r() * 20);
      const parts: string[] = ['['.repeat(open)];
      for (let k = Math.floor(r() * 40); k > 0; k--) parts.push(PIECES[Math.floor(r() * PIECES.length)]!);
      parts.push(']'.repeat(open));
      const body = new TextEncoder().encode(parts.join(''));
      const expected = referenceDepth(body) > MAX_JSON_DEPTH ? 'deep' : undefined;
      const got = verdict(body);
      if (expected) deep++;
      expect(got === 'deep' ? 'deep' : undefined, new TextDecoder().decode(body)).toBe(expected);
    }
    expect(deep).toBeGreaterThan(300); // the limit was crossed often enough to mean something
  });

  it('brackets inside strings, escaped quotes included, do not count', () => {
    const inside = `"${'[{'.repeat(500)}\\"${'['.repeat(500)}"`;
    expect(verdict(new TextEncoder().encode(`{"a":${inside}}`))).toBe('ok');
    // An even run of backslashes ends the string: the brackets after it count.
    expect(verdict(new TextEncoder().encode(`["x\\\\",${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}]`))).toBe('deep');
    expect(verdict(new TextEncoder().encode(`["x\\\\",${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}]`))).toBe('ok');
  });
});
