/**
 * Where a client credential is read: the `location` of `apiKeyAuthentication`,
 * `jwtAuthentication` and `basicAuthentication`. A header (with an optional prefix), a query
 * parameter, a cookie, or — as agentgateway's `AuthorizationLocation::Expression` — a CEL
 * expression over `request` whose string result is the credential (anything else, or an
 * evaluation error, means no credential was presented). The expression is compiled at load with
 * the machinery of cel.ts (RE2 `matches()`, name checks, the cost estimate); unlike a condition it
 * sees header values uncut up to CREDENTIAL_CHARS, since a JWT is often longer than a condition's
 * 1,024 characters.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { CEL_CONTEXT_LIMITS, CEL_PARSE_LIMITS } from './cel-bounds.js';
import type { CostModel, Shape } from './cel-cost.js';
import { LINEAR_MATCHES, programSize, registerLinearMatches } from './cel-matches.js';
import { CEL_VARIABLES, unknownNames } from './cel-names.js';
import { checkCost, lazyEnvironment, parse } from './cel.js';

/** The longest credential read (and the longest header value an expression sees): far above any real token. */
export const CREDENTIAL_CHARS = 16 * 1024;

/** The request as a credential expression sees it. */
export interface CredentialRequest {
  method: string;
  path: string;
  host: string;
  headers: Readonly<Record<string, string>>;
}

/** A class with the program in a private field, so a dump of the config shows the source only. */
export class CredentialExpression {
  readonly #program: ParseResult;

  constructor(
    readonly source: string,
    program: ParseResult,
  ) {
    this.#program = program;
  }

  /** The credential: the expression's value when it is a non-empty string. */
  extract(request: CredentialRequest): string | undefined {
    try {
      const value = this.#program({ request: boundRequest(request) });
      return typeof value === 'string' && value.length > 0 && value.length <= CREDENTIAL_CHARS ? value : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A `location` as compiled: at most one of the four is set (validation checks it). */
export interface CredentialLocation {
  header?: { name: string; prefix?: string | undefined };
  queryParameter?: { name: string };
  cookie?: { name: string };
  expression?: CredentialExpression;
}

/** A `location` as the schema has it. */
export interface CredentialLocationSpec {
  header?: { name: string; prefix?: string | undefined } | undefined;
  queryParameter?: { name: string } | undefined;
  cookie?: { name: string } | undefined;
  expression?: string | undefined;
}

const env = lazyEnvironment(() => registerLinearMatches(new Environment({ limits: CEL_PARSE_LIMITS }).registerVariable({ name: 'request', schema: CEL_VARIABLES.request })));

const value: Shape = { size: CREDENTIAL_CHARS };
const COST_MODEL: CostModel = {
  variables: {
    request: {
      size: 4,
      fields: { method: value, path: value, host: value, headers: { size: CEL_CONTEXT_LIMITS.headers, key: { size: CEL_CONTEXT_LIMITS.nameChars }, elem: value } },
    },
  },
  unknownSize: CREDENTIAL_CHARS,
  matchFunctions: new Set([LINEAR_MATCHES]),
  programSize,
};

/** `spec` compiled; a bad expression is a problem at `where` (and the location is then left out). */
export function compileCredentialLocation(spec: CredentialLocationSpec | undefined, where: string, problems: string[]): CredentialLocation | undefined {
  if (!spec) return undefined;
  if (spec.expression === undefined) {
    const { expression: _, ...rest } = spec;
    return rest as CredentialLocation;
  }
  try {
    return { expression: compileCredentialExpression(spec.expression) };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    problems.push(`${where}.expression: ${error.message}`);
    return undefined;
  }
}

export function compileCredentialExpression(source: string): CredentialExpression {
  const program = parse(env(), source);
  const unknown = unknownNames(program.ast, (name) => env().hasVariable(name));
  if (unknown.length > 0) throw new Error(unknown.join('; '));
  const checked = program.check();
  if (!checked.valid) throw new Error(`invalid CEL expression: ${checked.error?.summary ?? 'does not type-check'}`);
  if (checked.type !== 'string' && checked.type !== 'dyn') throw new Error(`a credential expression must evaluate to a string, not ${checked.type}`);
  checkCost(program, COST_MODEL, `header values count as up to ${CREDENTIAL_CHARS} characters`);
  return new CredentialExpression(source, program);
}

/** At most CEL_CONTEXT_LIMITS.headers headers (names up to nameChars), each value cut to CREDENTIAL_CHARS. */
function boundRequest(request: CredentialRequest): CredentialRequest {
  const kept: Array<[string, string]> = [];
  for (const name in request.headers) {
    if (kept.length === CEL_CONTEXT_LIMITS.headers) break;
    if (name.length <= CEL_CONTEXT_LIMITS.nameChars) kept.push([name, clip(request.headers[name]!)]);
  }
  return { method: clip(request.method), path: clip(request.path), host: clip(request.host), headers: Object.fromEntries(kept) };
}

const clip = (s: string) => (s.length > CREDENTIAL_CHARS ? s.slice(0, CREDENTIAL_CHARS) : s);
