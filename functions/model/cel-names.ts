/**
 * The names a CEL condition may use: the variables modelgate hands it (CelContext in cel.ts) with
 * their CEL types, and the ones agentgateway documents that modelgate does not provide. A name
 * outside both is a typo (`response.status` for `response.code`); either way the condition could
 * never be true, so it is refused at load, naming the field, instead of silently counting as false
 * on every answer.
 */
import { nearest, oneOf } from './suggest.js';

/**
 * CelContext as CEL types: what cel.ts declares, so a typed check knows every field. Integers are
 * CEL `int`s, as in agentgateway (`response.code / 100 == 5` divides as integers); cel.ts hands
 * them over as BigInt.
 */
export const CEL_VARIABLES = {
  request: { method: 'string', path: 'string', host: 'string', headers: 'map<string, string>' },
  response: { code: 'int', headers: 'map<string, string>' },
  llm: {
    provider: 'string',
    requestModel: 'string',
    responseModel: 'string',
    streaming: 'bool',
    inputTokens: 'int',
    outputTokens: 'int',
    totalTokens: 'int',
  },
} as const satisfies Record<string, Record<string, string>>;

type Variable = keyof typeof CEL_VARIABLES;

/**
 * What agentgateway's CEL context has beyond CEL_VARIABLES (its cel/types.rs `Executor`,
 * `RequestRef`, `ResponseRef`, `LLMContext`): a condition written for agentgateway may use them, and
 * deserves to hear that modelgate lacks them rather than that they do not exist.
 */
const AGENTGATEWAY_ONLY = {
  variables: ['source', 'destination', 'jwt', 'apiKey', 'basicAuth', 'backend', 'proxy', 'env', 'mcp', 'llmRequest', 'extauthz', 'extproc', 'mcpGuardrails', 'metadata'],
  fields: {
    request: ['uri', 'pathAndQuery', 'scheme', 'version', 'body', 'bodyPrefix', 'startTime', 'endTime'],
    response: ['grpcStatus', 'body', 'bodyPrefix'],
    llm: [
      'providerInputTokens',
      'inputImageTokens',
      'inputTextTokens',
      'inputAudioTokens',
      'cachedInputTokens',
      'cacheCreationInputTokens',
      'outputImageTokens',
      'outputTextTokens',
      'outputAudioTokens',
      'reasoningTokens',
      'providerTotalTokens',
      'serviceTier',
      'timeToFirstToken',
      'timePerOutputToken',
      'countTokens',
      'prompt',
      'completion',
      'toolCalls',
      'params',
      'cost',
      'costRates',
    ],
  } satisfies Record<Variable, string[]>,
};

const VARIABLE_NAMES = Object.keys(CEL_VARIABLES) as Variable[];

/** The parts of cel-js's ASTNode (lib/parser.js) this walk reads. */
interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly meta: { readonly alternate?: Node; readonly macro?: { readonly var?: unknown; readonly val?: Node; readonly exp?: Node } };
}

/**
 * Every variable and field of a context variable that `ast` names and modelgate does not provide,
 * as messages (`unknown field response.status in CEL expression (response has code, headers)`).
 * `isName` says whether cel-js knows an identifier anyway (a type such as `int`, the `cel`
 * namespace).
 */
export function unknownNames(ast: unknown, isName: (name: string) => boolean): string[] {
  const problems = new Set<string>();
  walk(ast as Node, new Set(), isName, problems);
  return [...problems];
}

function walk(node: Node, bound: ReadonlySet<string>, isName: (name: string) => boolean, problems: Set<string>): void {
  const alternate = node.meta.alternate;
  if (alternate?.op === 'comprehension' && node.op === 'rcall') {
    // `range.all(x, body)`: the range outside the iteration variable's scope, the rest inside it
    // (the first argument is the variable itself).
    const [, receiver, args] = node.args as [string, Node, Node[]];
    const inner = new Set(bound).add((alternate.args as { iterVarName: string }).iterVarName);
    walk(receiver, bound, isName, problems);
    for (const arg of args.slice(1)) walk(arg, inner, isName, problems);
    return;
  }
  const macro = node.meta.macro;
  if (typeof macro?.var === 'string' && macro.val && macro.exp) {
    // cel.bind(name, value, expression)
    walk(macro.val, bound, isName, problems);
    walk(macro.exp, new Set(bound).add(macro.var), isName, problems);
    return;
  }
  switch (node.op) {
    case 'id': {
      const name = node.args as string;
      if (!bound.has(name) && !isName(name)) problems.add(variableProblem(name));
      return;
    }
    case '.':
    case '.?': {
      const [left, field] = node.args as [Node, string];
      checkField(left, field, bound, problems);
      break;
    }
    case '[]':
    case '[?]': {
      // `response["status"]` names a field as surely as `response.status` does.
      const [left, index] = node.args as [Node, Node];
      if (index.op === 'value' && typeof index.args === 'string') checkField(left, index.args, bound, problems);
      break;
    }
  }
  for (const child of childNodes(node.args)) walk(child, bound, isName, problems);
}

function checkField(left: Node, field: string, bound: ReadonlySet<string>, problems: Set<string>): void {
  if (left.op !== 'id') return;
  const variable = left.args as string;
  if (bound.has(variable) || !Object.hasOwn(CEL_VARIABLES, variable)) return;
  const fields = Object.keys(CEL_VARIABLES[variable as Variable]);
  if (fields.includes(field)) return;
  const has = `${variable} has ${fields.join(', ')}`;
  if ((AGENTGATEWAY_ONLY.fields[variable as Variable] as readonly string[]).includes(field)) {
    problems.add(`${variable}.${field} is not provided by modelgate (${has})`);
    return;
  }
  const guess = nearest(field, fields);
  problems.add(`unknown field ${variable}.${field} in CEL expression (${has})${guess.length ? `: did you mean ${oneOf(guess.map((g) => `${variable}.${g}`))}?` : ''}`);
}

function variableProblem(name: string): string {
  const provided = `modelgate provides ${VARIABLE_NAMES.join(', ')}`;
  if (AGENTGATEWAY_ONLY.variables.includes(name)) return `${name} is not provided by modelgate (${provided})`;
  const guess = nearest(name, VARIABLE_NAMES);
  return `unknown variable ${name} in CEL expression (${provided})${guess.length ? `: did you mean ${oneOf(guess)}?` : ''}`;
}

/** The AST nodes among a node's args: a node, an array of nodes, a call's argument list, a map's entries. */
function childNodes(args: unknown): Node[] {
  if (isNode(args)) return [args];
  if (!Array.isArray(args)) return [];
  return args.flatMap((a: unknown) => (isNode(a) ? [a] : Array.isArray(a) ? childNodes(a) : []));
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}
