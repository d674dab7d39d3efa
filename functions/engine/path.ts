/**
 * The request path as routing sees it, normalised the way Envoy does with `normalize_path` and
 * `merge_slashes` (agentgateway routes on the same normal form): percent-encoded unreserved
 * characters decoded, dot segments removed (RFC 3986 §5.2.4), runs of slashes merged. Without
 * this, `/fake/../v1/chat/completions` was routed by the `/fake` rule and `/v1/%2e%2e/fake/…` by
 * `/v1` — while the same text means another path to anything behind the gateway.
 *
 * An encoded slash or backslash (`%2F`, `%5C`) or a raw backslash has no single meaning (is it a
 * separator or not?), so it is refused, as Envoy can be told to do, rather than guessed at.
 */

type NormalisedPath = { ok: true; path: string } | { ok: false; reason: string };

/** Longest path accepted; a request line longer than this is not an API call. */
const MAX_PATH_CHARS = 8_192;

/** RFC 3986 unreserved characters: their percent-encoded form means the same as the character. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function normalisePath(raw: string): NormalisedPath {
  if (raw.length > MAX_PATH_CHARS) return { ok: false, reason: `the path is longer than ${MAX_PATH_CHARS} characters` };
  if (!raw.startsWith('/')) return { ok: false, reason: 'the path must start with "/"' };
  if (raw.includes('\\')) return { ok: false, reason: 'the path holds a backslash' };
  let decoded = raw;
  if (raw.includes('%')) {
    let bad: string | undefined;
    decoded = raw.replace(/%(.{0,2})/g, (match, hex: string) => {
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bad ??= 'the path holds a malformed percent-encoding';
        return match;
      }
      const c = String.fromCharCode(parseInt(hex, 16));
      if (c === '/' || c === '\\') bad ??= 'the path holds an encoded slash or backslash';
      // Other escapes keep their meaning (a space stays %20), in one spelling: upper-case hex.
      return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
    });
    if (bad) return { ok: false, reason: bad };
  }
  return { ok: true, path: removeDotSegments(decoded.replace(/\/{2,}/g, '/')) };
}

/** RFC 3986 §5.2.4 on a path that starts with `/`; the result starts with `/` too. */
function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '..') {
      out.pop();
      if (last) out.push('');
    } else if (segment === '.') {
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  });
  return `/${out.join('/')}`;
}
