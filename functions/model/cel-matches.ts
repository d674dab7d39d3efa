/**
 * CEL's `matches()` on RE2 (regex.ts) instead of cel-js's JavaScript RegExp, which backtracks:
 * `request.headers["x"].matches("^(a+)+$")` against 40 bytes of `a…a!` would take about an hour.
 *
 * cel-js registers `string.matches(string)` in its global registry, and an Environment refuses an
 * overload that overlaps a built-in one, so it cannot be replaced. Instead the Environment gets a
 * function of another name, and each parsed expression's `matches` calls are renamed to it before
 * their first type check (which is when cel-js resolves a call to a function). Literal patterns are
 * compiled then, so one RE2 refuses (a backreference, a lookaround) is refused at load.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { compileLinearRegex, LinearRegexError, MAX_PROGRAM_SIZE, type LinearRegex } from './regex.js';

/** What `matches` is renamed to; a name no CEL built-in uses. */
export const LINEAR_MATCHES = 'modelgateLinearMatches';

/** A `matches()` literal RE2 refuses; the message says why. */
export class MatchesPatternError extends Error {}

/** Patterns of `matches()` literals, compiled at load; a pattern computed at evaluation is compiled then. */
const literals = new Map<string, LinearRegex>();
/** Far more than the literals of any real config; past it, literals compile per call (still linear). */
const MAX_CACHED = 1_024;

/** Adds the RE2 `matches` to `env`. */
export function registerLinearMatches(env: Environment): Environment {
  return env.registerFunction(
    `string.${LINEAR_MATCHES}(string): bool`,
    // A pattern RE2 refuses throws: an evaluation error, so the condition counts as false.
    (input: string, pattern: string) => (literals.get(pattern) ?? compileLinearRegex(pattern, 'search')).test(input),
    { async: false },
  );
}

/** The parts of cel-js's ASTNode (lib/parser.js) this walk reads and writes. */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
}

/**
 * Points every `x.matches(p)` in `ast` at the RE2 function and compiles each literal `p`; throws
 * MatchesPatternError for a literal RE2 refuses. Macro expansions (`all`, `map`, ...) reuse the
 * nodes of their arguments, so walking the arguments reaches every call.
 */
export function useLinearMatches(ast: unknown): void {
  const node = ast as AstNode;
  if (node.op === 'rcall') {
    const args = node.args as [string, AstNode, AstNode[]];
    if (args[0] === 'matches' && args[2].length === 1) {
      const pattern = args[2][0]!;
      if (pattern.op === 'value' && typeof pattern.args === 'string') compileLiteral(pattern.args);
      args[0] = LINEAR_MATCHES;
    }
  }
  for (const child of childNodes(node.args)) useLinearMatches(child);
}

/** The RE2 program size of a literal compiled by useLinearMatches; the limit for anything else. */
export function programSize(literal: string | undefined): number {
  return (literal !== undefined && literals.get(literal)?.programSize) || MAX_PROGRAM_SIZE;
}

function compileLiteral(pattern: string): void {
  if (literals.has(pattern)) return;
  let regex: LinearRegex;
  try {
    regex = compileLinearRegex(pattern, 'search');
  } catch (error) {
    if (!(error instanceof LinearRegexError)) throw error;
    throw new MatchesPatternError(error.message);
  }
  if (literals.size < MAX_CACHED) literals.set(pattern, regex);
}

/** The AST nodes among a node's args: a node, an array of nodes, a call's argument list, a map's entries. */
function childNodes(args: unknown): AstNode[] {
  if (isNode(args)) return [args];
  if (!Array.isArray(args)) return [];
  return args.flatMap((a: unknown) => (isNode(a) ? [a] : Array.isArray(a) ? childNodes(a) : []));
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}
