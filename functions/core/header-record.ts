/**
 * A message's header lines as one record of lower-case names and string values, read the way
 * Node reads `message.headers`: a repeated single-valued header (`authorization`, `host`,
 * `content-length`, …) keeps its first value, repeated `cookie` lines join with "; ", and every
 * other repeated header joins with ", " (`set-cookie` too, which Node keeps as an array).
 *
 * Built from `rawHeaders` in one pass: `message.headers` is an object Node builds on first read,
 * and flattening it into strings made a second one — two objects and two walks per message, on
 * both sides of every request.
 */

/** Node's list (lib/_http_incoming.js, matchKnownFields): duplicates of these are dropped, not joined. */
const SINGLE_VALUED = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

export function headerRecord(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    // Own properties only: `constructor` and its like are on every object's prototype.
    const seen = Object.hasOwn(out, name) ? out[name] : undefined;
    if (seen === undefined) out[name] = value;
    else if (name === 'cookie') out[name] = `${seen}; ${value}`;
    else if (!SINGLE_VALUED.has(name)) out[name] = `${seen}, ${value}`;
  }
  return out;
}

/**
 * The declared length of a body, when the head gives one that is a plain number. Any number of
 * digits: Node's parser takes lengths past 2^53, and such a body is over every limit (its 413 must
 * not wait for the body to be read).
 */
export function contentLength(headers: Readonly<Record<string, string>>): number | undefined {
  const value = headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
