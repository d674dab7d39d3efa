/**
 * Regular expressions from the config (HTTPRoute `RegularExpression` matches, CEL `matches()`),
 * compiled with re2js, a pure-JS port of RE2. JavaScript's own `RegExp` backtracks: `^(a+)+$`
 * against 40 bytes of `a…a!` takes about an hour, and these patterns run on client-controlled input
 * before client auth. RE2 matches in time linear in the input, as agentgateway (Rust `regex`) and
 * Envoy (RE2) do, and refuses what it cannot do that way (backreferences, lookaround).
 */
import { RE2JS, RE2JSException } from 're2js';

/**
 * Largest RE2 program a pattern may compile to. Linear time is linear in the input *times* the
 * program size: a 4 KiB pattern of bounded repeats (`[ab]{999}` chained) compiles to ~300,000
 * instructions and takes ~80 ms per KiB of header. Envoy refuses programs over 100 by default
 * (`re2.max_program_size.error_level`); route patterns seen in practice are 10-50, so 1,000
 * leaves room while bounding one match of a 16 KiB header to tens of milliseconds.
 */
export const MAX_PROGRAM_SIZE = 1_000;

export interface LinearRegex {
  readonly source: string;
  /** RE2 instructions: the worst-case work per input character (at most MAX_PROGRAM_SIZE). */
  readonly programSize: number;
  /** Whether the pattern matches `input`: the whole of it (`full`) or any part (`search`). */
  test(input: string): boolean;
}

/** `full`: the pattern must match the whole input (HTTPRoute paths); `search`: any substring (headers, query, CEL). */
export type RegexAnchoring = 'full' | 'search';

/** A pattern RE2 refuses, or one whose program is too large; the message says why. */
export class LinearRegexError extends Error {}

export function compileLinearRegex(pattern: string, anchoring: RegexAnchoring): LinearRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    throw new LinearRegexError(error.message);
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new LinearRegexError(`pattern compiles to ${size} RE2 instructions, more than the limit of ${MAX_PROGRAM_SIZE}`);
  }
  // test/testExact ask for no capture groups, so re2js may run its DFA; both stay linear.
  return anchoring === 'full'
    ? { source: pattern, programSize: size, test: (input) => re.testExact(input) }
    : { source: pattern, programSize: size, test: (input) => re.test(input) };
}
