/**
 * What translating a client's JSON schemas for Gemini may cost, per request.
 *
 * Gemini takes no `$ref`, so every reference is replaced by a copy of its definition. Copies
 * multiply: a 2 KB `$defs` chain whose definitions each refer to the next one twice expands to
 * 2^depth copies (depth 20: ten seconds of blocked event loop and a quarter of a gigabyte). So the
 * copy is charged as it is built, and the translation stops the moment it runs over: refusing
 * costs no more than the budget, whatever the schema would have expanded to.
 *
 * One budget covers every schema of a request (each tool's parameters and the response schema):
 * per-schema limits would let a request multiply them by sending many small tools.
 */
import { RequestNotExpressible } from '../types.js';

/**
 * Schema nodes (every value in a schema position: the root, `properties` values, `items`,
 * `anyOf`/`allOf` members) the request's schemas may come to once their `$ref`s are inlined.
 * Tool sets of real agents come to a few thousand; Gemini refuses far smaller schemas as too
 * complex than what would take this gateway noticeable time to build.
 */
export const MAX_SCHEMA_NODES = 10_000;

/**
 * How deep the translation may go, in levels: each nested schema and each `$ref` followed is one.
 * It bounds the recursion (a deeply nested schema must be a 400, not a stack overflow and a 500),
 * and it is the depth allowed for the values schemas carry (`default`, `enum`).
 */
export const MAX_SCHEMA_DEPTH = 64;

/**
 * The size the request's schemas may come to, in characters: string values and property names
 * by their length, every other value as one. Node counting alone would let one long
 * `description` be copied ten thousand times. It is above the request-body limit (6 MiB,
 * `MAX_REQUEST_BODY`), so a schema as the client wrote it never reaches it; only copies can.
 */
export const MAX_SCHEMA_CHARS = 8 * 1024 * 1024;

interface SchemaLimits {
  nodes: number;
  depth: number;
  chars: number;
}

const SCHEMA_LIMITS: Readonly<SchemaLimits> = { nodes: MAX_SCHEMA_NODES, depth: MAX_SCHEMA_DEPTH, chars: MAX_SCHEMA_CHARS };

/**
 * A schema over the budget. A `RequestNotExpressible`, so that wherever it surfaces it is the
 * client's 400; the request builder replaces it with one that names the tool.
 */
export class SchemaTooComplex extends RequestNotExpressible {
  constructor(reason: string) {
    super(reason);
    this.name = 'SchemaTooComplex';
  }
}

export class SchemaBudget {
  private nodes = 0;
  private chars = 0;

  constructor(readonly limits: Readonly<SchemaLimits> = SCHEMA_LIMITS) {}

  /** One more schema node, `depth` levels down. */
  node(depth: number): void {
    this.level(depth);
    if (++this.nodes > this.limits.nodes) {
      throw new SchemaTooComplex(
        `comes to more than ${this.limits.nodes} schema nodes with its $refs inlined (Gemini takes no $ref, so each reference becomes a copy of its definition), counting every schema of the request`,
      );
    }
  }

  /** Fails when `depth` is past the limit. */
  level(depth: number): void {
    if (depth > this.limits.depth) throw new SchemaTooComplex(`nests deeper than ${this.limits.depth} levels (nested schemas and $refs followed)`);
  }

  /** `n` more characters of output. */
  spend(n: number): void {
    this.chars += n;
    if (this.chars > this.limits.chars) {
      throw new SchemaTooComplex(
        `comes to more than ${this.limits.chars} characters with its $refs inlined (Gemini takes no $ref, so each reference becomes a copy of its definition), counting every schema of the request`,
      );
    }
  }
}
