/**
 * A static cost estimate for a parsed CEL expression, so an expression that would block the event
 * loop on every judged answer is refused at load instead. In the spirit of cel-go's
 * checker/cost.go:
 * - every node costs 1;
 * - a comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) costs its range plus the size
 *   of its range times the cost of its body;
 * - string functions cost 0.1 per character they scan, and `matches` (string size × 0.1) ×
 *   (pattern size × 0.25), cel-go's factors, the pattern's size being the larger of its length and
 *   its RE2 program;
 * - unlike cel-go, `size()` costs half the size it counts: cel-js counts a string's code points
 *   (and a map's keys) one by one.
 * Sizes are upper bounds: a list or map literal has its element count, a string literal its
 * length, a value from the context what the caller promises to enforce at evaluation
 * (cel-bounds.ts bounds the context it hands to CEL), anything else the caller's `unknownSize`.
 * Arithmetic saturates, so a huge estimate stays huge instead of turning into NaN.
 *
 * The walk reads cel-js v8's runtime AST (lib/parser.js): `op`, `args`, and `meta.alternate` (the
 * comprehension a macro such as `all` expands to) or `meta.macro` (`has`, `cel.bind`). A node it
 * does not know is refused (CelEstimateError) rather than guessed at.
 */

export interface Shape {
  /** Upper bound on the elements of a list or map, the characters of a string or bytes; 1 for a scalar. */
  readonly size: number;
  /** Elements of a list, values of a map. Absent: unknown, each at most `bound`. */
  readonly elem?: Shape;
  /** Keys of a map: what a comprehension over it binds. */
  readonly key?: Shape;
  /** Named fields of an object (the context's `request`, `response`, `llm`). */
  readonly fields?: Readonly<Record<string, Shape>>;
  /** Bound on the size of anything nested inside, when no `elem` says more. Absent: the estimator's `unknownSize`. */
  readonly bound?: number;
  /** Bound on the sum of the elements' sizes (the pieces of a split string add up to at most the string). */
  readonly total?: number;
}

/** The expression holds a node this estimator does not know, so its cost cannot be bounded. */
export class CelEstimateError extends Error {}

export const SCALAR: Shape = { size: 1 };
/** The elements of an empty literal: there are none, so merging with them changes nothing. */
const NONE: Shape = { size: 0 };

/** cel-go's common.StringTraversalCostFactor and common.RegexStringLengthCostFactor. */
const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
/** cel-js counts a string's code points one by one (and lists a map's keys): about half a node each. */
const SIZE_COUNT = 0.5;
/**
 * Compiling a pattern computed at evaluation, per character: re2js takes up to ~8 µs per
 * character (1 KiB of Unicode classes, ~6 ms), about 200 units at the rate nodes evaluate.
 */
const REGEX_COMPILE = 200;
/** Saturation: far above any limit, far below where doubles lose integers. */
const CAP = 1e15;
/**
 * Nodes the walk may visit. It visits each node once, except that the body of a comprehension over
 * split pieces is walked twice (see `comprehension`), so nesting those could take it exponentially
 * long; an expression within cel-js's parse limits needs far fewer.
 */
const MAX_VISITS = 100_000;

const add = (...xs: number[]): number =>
  Math.min(
    CAP,
    xs.reduce((a, b) => a + b, 0),
  );
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : Math.min(CAP, a * b));
/**
 * Scanning `chars` characters. Affine rather than rounded up, like every size-dependent cost here,
 * so costs stay convex in the sizes they depend on (see `comprehension`).
 */
const scan = (chars: number): number => add(mul(chars, STRING_TRAVERSAL), 1);

/** The parts of cel-js's ASTNode (lib/parser.js) this walk reads. */
interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly meta: { readonly alternate?: Node; readonly macro?: unknown };
}

/** A comprehension node's args (lib/macros.js). */
interface Comprehension {
  readonly iterable: Node;
  readonly iterVarName: string;
  readonly init: Node;
  readonly step: Node;
  readonly kind?: string;
}

interface Estimate {
  cost: number;
  shape: Shape;
}

interface Scope {
  readonly vars: ReadonlyMap<string, Shape>;
  /** The accumulator of the innermost comprehension (`map`/`filter` build a list in it). */
  readonly accu?: Shape;
}

const BINARY = new Set(['==', '!=', '<', '<=', '>', '>=', 'in', '+', '-', '*', '/', '%']);
const STRING_SEARCH = new Set(['contains', 'startsWith', 'endsWith', 'indexOf', 'lastIndexOf']);
const STRING_COPY = new Set(['lowerAscii', 'upperAscii', 'trim', 'substring']);
const CONVERSIONS = new Set(['int', 'uint', 'double', 'bool', 'type', 'timestamp', 'duration']);

export interface CostModel {
  /** The shape of each context variable, as evaluation will bound it. */
  readonly variables: Readonly<Record<string, Shape>>;
  /** Bound on the size of anything nothing else bounds (at any depth of the context). */
  readonly unknownSize: number;
  /** The names `string.matches(string)` goes by (cel.ts renames it). */
  readonly matchFunctions: ReadonlySet<string>;
  /**
   * The RE2 program size of a literal pattern, or (for `undefined`) the most a pattern computed at
   * evaluation may have. Matching is linear in the input times this, in the worst case.
   */
  programSize(literal: string | undefined): number;
}

/** The estimated cost of evaluating `ast` once. */
export function estimateCost(ast: unknown, model: CostModel): number {
  return new Estimator(model).estimate(ast as Node, { vars: new Map() }).cost;
}

class Estimator {
  private readonly variables: Readonly<Record<string, Shape>>;
  private readonly unknownSize: number;
  private visits = 0;

  constructor(private readonly model: CostModel) {
    this.variables = model.variables;
    this.unknownSize = model.unknownSize;
  }

  estimate(node: Node, scope: Scope): Estimate {
    if (++this.visits > MAX_VISITS) throw new CelEstimateError(`more than ${MAX_VISITS} steps to estimate`);
    if (node.meta.alternate) return this.estimate(node.meta.alternate, scope);
    if (node.meta.macro !== undefined) return this.macro(node, scope);
    switch (node.op) {
      case 'value':
        return { cost: 1, shape: literalShape(node.args) };
      case 'id': {
        const name = node.args as string;
        const shape = scope.vars.get(name) ?? (Object.hasOwn(this.variables, name) ? this.variables[name]! : this.unknown());
        return { cost: 1, shape };
      }
      case '.':
      case '.?': {
        const [left, name] = node.args as [Node, string];
        const l = this.estimate(left, scope);
        return { cost: add(1, l.cost), shape: this.field(l.shape, name) };
      }
      case '[]':
      case '[?]': {
        const [left, index] = node.args as [Node, Node];
        const l = this.estimate(left, scope);
        const i = this.estimate(index, scope);
        const literal = index.op === 'value' && typeof index.args === 'string' ? index.args : undefined;
        return { cost: add(1, l.cost, i.cost), shape: literal !== undefined ? this.field(l.shape, literal) : this.child(l.shape) };
      }
      case 'list': {
        const items = (node.args as Node[]).map((n) => this.estimate(n, scope));
        const elem = items.reduce<Shape>((s, e) => this.merge(s, e.shape), NONE);
        return { cost: add(1, ...items.map((e) => e.cost)), shape: { size: items.length, elem } };
      }
      case 'map': {
        const entries = (node.args as Array<[Node, Node]>).map(([k, v]) => [this.estimate(k, scope), this.estimate(v, scope)] as const);
        const key = entries.reduce<Shape>((s, [k]) => this.merge(s, k.shape), NONE);
        const elem = entries.reduce<Shape>((s, [, v]) => this.merge(s, v.shape), NONE);
        return { cost: add(1, ...entries.map(([k, v]) => add(k.cost, v.cost))), shape: { size: entries.length, key, elem } };
      }
      case '?:': {
        const [c, t, e] = (node.args as Node[]).map((n) => this.estimate(n, scope)) as [Estimate, Estimate, Estimate];
        return { cost: add(1, c.cost, Math.max(t.cost, e.cost)), shape: this.merge(t.shape, e.shape) };
      }
      case '||':
      case '&&': {
        const [l, r] = (node.args as Node[]).map((n) => this.estimate(n, scope)) as [Estimate, Estimate];
        return { cost: add(1, l.cost, r.cost), shape: SCALAR };
      }
      case '!_':
      case '-_':
        return { cost: add(1, this.estimate(node.args as Node, scope).cost), shape: SCALAR };
      case 'call': {
        const [name, args] = node.args as [string, Node[]];
        return this.call(
          name,
          undefined,
          args.map((n) => this.estimate(n, scope)),
        );
      }
      case 'rcall': {
        const [name, receiver, args] = node.args as [string, Node, Node[]];
        const r = this.estimate(receiver, scope);
        const a = args.map((n) => this.estimate(n, scope));
        if (this.model.matchFunctions.has(name) && args.length === 1) return this.matches(r, a[0]!, args[0]!);
        return this.call(name, r, a);
      }
      case 'comprehension':
        return this.comprehension(node.args as Comprehension, scope);
      case 'accuValue':
        return { cost: 1, shape: scope.accu ?? this.unknown() };
      case 'accuInc':
        return { cost: 1, shape: SCALAR };
      case 'accuPush': {
        const item = this.estimate(node.args as Node, scope);
        return { cost: add(1, item.cost), shape: { size: (scope.accu ?? this.unknown()).size, elem: item.shape } };
      }
      default:
        if (BINARY.has(node.op)) return this.binary(node.op, node.args as [Node, Node], scope);
        throw new CelEstimateError(`cannot estimate the cost of '${node.op}'`);
    }
  }

  /** A comprehension runs its body once per element of its range (or key of a map). */
  private comprehension(c: Comprehension, scope: Scope): Estimate {
    const range = this.estimate(c.iterable, scope);
    const init = this.estimate(c.init, scope);
    const quantifier = c.kind === 'quantifier';
    // `map`/`filter` push at most one element per step onto their initial (empty) list.
    const accu: Shape = quantifier ? SCALAR : { size: add(init.shape.size, range.shape.size), elem: this.child(init.shape) };
    const item = this.iterated(range.shape);
    const body = (bound: Shape) => this.estimate(c.step, { vars: new Map(scope.vars).set(c.iterVarName, bound), accu });
    const step = body(item);
    const n = range.shape.size;
    const total = range.shape.total;
    let steps: number;
    if (total !== undefined && !hasChildren(item) && item.size > 0) {
      // Elements whose sizes share a total (a split string's pieces) cannot all be as large as one
      // may be. Every cost here is convex in the sizes it depends on, so the body's cost f(s) for
      // an element of size s <= S lies under the chord f(0) + (f(S) - f(0)) * s / S; summed over
      // the n elements that is n * f(0) + (f(S) - f(0)) * total / S (which is again convex).
      const empty = body({ size: 0 }).cost;
      steps = add(mul(n, add(empty, 1)), mul(Math.max(0, step.cost - empty), total / item.size));
    } else {
      steps = mul(n, add(step.cost, 1));
    }
    return {
      cost: add(1, range.cost, init.cost, steps),
      shape: quantifier ? SCALAR : { size: accu.size, elem: this.child(step.shape) },
    };
  }

  private macro(node: Node, scope: Scope): Estimate {
    const macro = node.meta.macro as { var?: unknown; val?: Node; exp?: Node; args?: Node[] };
    if (typeof macro.var === 'string' && macro.val && macro.exp) {
      // cel.bind(name, value, expression): the value once, the expression with the name bound.
      const val = this.estimate(macro.val, scope);
      const exp = this.estimate(macro.exp, { ...scope, vars: new Map(scope.vars).set(macro.var, val.shape) });
      return { cost: add(1, val.cost, exp.cost), shape: exp.shape };
    }
    if (node.op === 'call' && (node.args as [string])[0] === 'has' && macro.args?.length === 1) {
      return { cost: add(1, this.estimate(macro.args[0]!, scope).cost), shape: SCALAR };
    }
    throw new CelEstimateError(`cannot estimate the cost of macro '${String((node.args as [unknown])[0])}'`);
  }

  private binary(op: string, [left, right]: [Node, Node], scope: Scope): Estimate {
    const l = this.estimate(left, scope);
    const r = this.estimate(right, scope);
    const base = add(1, l.cost, r.cost);
    switch (op) {
      case '+': {
        // String and list concatenation copy both sides; numbers come out with a harmless size of 2.
        const size = add(l.shape.size, r.shape.size);
        const nested = hasChildren(l.shape) || hasChildren(r.shape);
        return { cost: add(base, scan(size)), shape: nested ? { size, elem: this.merge(this.child(l.shape), this.child(r.shape)) } : { size } };
      }
      case 'in':
        // A list is scanned, each element compared with the needle (a map lookup is cheaper; counted the same).
        return { cost: add(base, mul(r.shape.size, add(1, scan(this.weight(l.shape))))), shape: SCALAR };
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        // Both sides rather than the smaller: a sum keeps the cost convex (see `comprehension`).
        return { cost: add(base, scan(add(this.weight(l.shape), this.weight(r.shape)))), shape: SCALAR };
      default:
        return { cost: base, shape: SCALAR };
    }
  }

  private call(name: string, receiver: Estimate | undefined, args: Estimate[]): Estimate {
    const base = add(1, receiver?.cost ?? 0, ...args.map((a) => a.cost));
    const r = receiver?.shape;
    const a0 = args[0]?.shape;
    if (r !== undefined) {
      if (name === 'size') return { cost: add(base, mul(r.size, SIZE_COUNT)), shape: SCALAR };
      if (name === 'at') return { cost: base, shape: SCALAR };
      if (STRING_SEARCH.has(name)) return { cost: add(base, scan(add(r.size, a0?.size ?? 0))), shape: SCALAR };
      if (STRING_COPY.has(name) || name === 'string') return { cost: add(base, scan(r.size)), shape: { size: r.size } };
      if (name === 'split') return { cost: add(base, scan(r.size)), shape: { size: add(r.size, 1), elem: { size: r.size }, total: r.size } };
      if (name === 'join') {
        const length = add(mul(r.size, this.child(r).size), mul(Math.max(0, r.size - 1), a0?.size ?? 0));
        return { cost: add(base, scan(length)), shape: { size: length } };
      }
      if (name === 'hex') return { cost: add(base, scan(r.size)), shape: { size: mul(r.size, 2) } };
      if (name === 'base64') return { cost: add(base, scan(r.size)), shape: { size: add(mul(r.size, 4 / 3), 5) } };
      // bytes.json(): nothing in the parsed value is larger than the text it came from.
      if (name === 'json') return { cost: add(base, scan(r.size)), shape: { size: r.size, bound: r.size } };
    } else {
      if (name === 'size') return { cost: add(base, mul(a0?.size ?? 0, SIZE_COUNT)), shape: SCALAR };
      if (name === 'dyn' && a0) return { cost: base, shape: a0 };
      if ((name === 'string' || name === 'bytes') && a0) return { cost: add(base, scan(a0.size)), shape: { size: Math.max(a0.size, 32) } };
      if (CONVERSIONS.has(name)) return { cost: add(base, scan(a0?.size ?? 0)), shape: SCALAR };
    }
    // Anything else (timestamp getters, or a name CEL will not find): a scan of its inputs, and a
    // result no larger than twice the largest of them.
    const sizes = [r?.size ?? 0, ...args.map((a) => a.shape.size)];
    return { cost: add(base, scan(add(...sizes))), shape: { size: mul(Math.max(1, ...sizes), 2) } };
  }

  /**
   * cel-go charges (string × 0.1) × (pattern length × 0.25); the pattern's RE2 program is a truer
   * measure of the work per character, so the larger of the two counts. A pattern computed at
   * evaluation is also compiled then.
   */
  private matches(input: Estimate, pattern: Estimate, patternNode: Node): Estimate {
    const literal = patternNode.op === 'value' && typeof patternNode.args === 'string' ? patternNode.args : undefined;
    const size = Math.max(pattern.shape.size, this.model.programSize(literal));
    const compile = literal === undefined ? mul(pattern.shape.size, REGEX_COMPILE) : 0;
    return { cost: add(1, input.cost, pattern.cost, compile, mul(scan(input.shape.size), add(mul(size, REGEX_LENGTH), 1))), shape: SCALAR };
  }

  private unknown(bound = this.unknownSize): Shape {
    return { size: bound, bound };
  }

  /** What indexing `s` (or iterating a list) yields. */
  private child(s: Shape): Shape {
    if (s.elem) return s.elem;
    if (s.fields) return Object.values(s.fields).reduce<Shape>((m, f) => this.merge(m, f), NONE);
    return this.unknown(s.bound);
  }

  private field(s: Shape, name: string): Shape {
    return s.fields && Object.hasOwn(s.fields, name) ? s.fields[name]! : this.child(s);
  }

  /** What a comprehension over `s` binds: the keys of a map, the elements of a list. */
  private iterated(s: Shape): Shape {
    if (s.key) return s.key;
    if (s.fields) return { size: Math.max(0, ...Object.keys(s.fields).map((k) => k.length)) };
    return this.child(s);
  }

  /** Elements times their own weight: what a deep comparison may walk. */
  private weight(s: Shape): number {
    return hasChildren(s) ? mul(s.size, add(1, this.weight(this.child(s)))) : s.size;
  }

  /** The smallest shape that bounds both `a` and `b` (the two branches of `?:`). */
  private merge(a: Shape, b: Shape): Shape {
    if (a === b || b === NONE) return a;
    if (a === NONE) return b;
    const size = Math.max(a.size, b.size);
    if (!hasChildren(a) && !hasChildren(b)) {
      return a.bound === undefined && b.bound === undefined ? { size } : { size, bound: Math.max(a.bound ?? this.unknownSize, b.bound ?? this.unknownSize) };
    }
    // One side at least spells out its children, so each step down consumes part of its tree.
    const out: { -readonly [K in keyof Shape]: Shape[K] } = { size, elem: this.merge(this.child(a), this.child(b)) };
    if (a.key || b.key) out.key = this.merge(this.iterated(a), this.iterated(b));
    if (a.fields || b.fields) {
      const names = new Set([...Object.keys(a.fields ?? {}), ...Object.keys(b.fields ?? {})]);
      out.fields = Object.fromEntries([...names].map((n) => [n, this.merge(this.field(a, n), this.field(b, n))]));
    }
    return out;
  }
}

function hasChildren(s: Shape): boolean {
  return s.elem !== undefined || s.key !== undefined || s.fields !== undefined;
}

function literalShape(value: unknown): Shape {
  if (typeof value === 'string' || value instanceof Uint8Array) return { size: value.length };
  return SCALAR;
}
