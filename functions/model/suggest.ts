/**
 * "Did you mean …?" for a name that is not one of a known set (a kind, a CEL field): a typo is far
 * cheaper to fix when the message names what was meant.
 */

/** The known names `name` most likely means, equally close, in `known`'s order (at most `max`); none when nothing is close. */
export function nearest(name: string, known: readonly string[], max = 2): string[] {
  const wanted = name.toLowerCase();
  // Up to a third of the name may be wrong (`header` for `headers`, `AgentGatewayPolicy` only in case),
  // but never so much that a short name matches anything.
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  const scored = known
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      // `model` for `requestModel`: a part of the name, written as if it were all of it.
      const part = wanted.length >= 4 && lower.includes(wanted);
      return { candidate, distance: part ? 1 : editDistance(wanted, lower) };
    })
    .filter((s) => s.distance <= limit);
  // Only the closest: `HttpRoute` means HTTPRoute, not also TCPRoute.
  const best = Math.min(...scored.map((s) => s.distance));
  return scored
    .filter((s) => s.distance === best)
    .slice(0, max)
    .map((s) => s.candidate);
}

/** `a or b`, `a, b or c`. */
export function oneOf(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}

/** Levenshtein distance; names here are short, so the quadratic table is cheap. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
