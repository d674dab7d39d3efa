/**
 * The bounds that keep a CEL condition from blocking the event loop, in one place because they
 * only hold together: the context CEL is handed is cut to CEL_CONTEXT_LIMITS (boundContext), the
 * cost estimate assumes exactly that shape (CONTEXT_SHAPE), and an expression whose estimate
 * passes CEL_COST_LIMIT is refused at load.
 */
import type { CelContext } from './cel.js';
import { SCALAR, type Shape } from './cel-cost.js';

/**
 * Most cost units (cel-cost.ts: about one AST node evaluated, or ten characters scanned) one
 * evaluation may take. Measured on cel-js 8 / Node 22, a unit takes 20-40 ns, so an accepted
 * condition runs in a few milliseconds at worst. For scale: `response.code == 404` costs 5;
 * `request.headers.exists(k, request.headers[k].contains("x"))` about 11,000;
 * `request.headers["x"].split(",").exists(p, p.trim() == "a")` about 10,000. Refused: two nested
 * comprehensions over 150-element literals (about 185,000), three (about 28 million; 3.4 million
 * steps, a quarter to half a second per evaluation), and `x.matches(request.headers["p"])` (about
 * 230,000: a client's pattern compiled on every answer).
 */
export const CEL_COST_LIMIT = 100_000;

/**
 * cel-js's parse-time limits (its defaults: 100,000 nodes, depth 250, 1,000 list elements, 1,000
 * map entries, 32 call arguments). A config expression is at most 16 KiB; real conditions are a
 * few dozen nodes.
 */
export const CEL_PARSE_LIMITS = { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 8 } as const;

/**
 * What CEL is handed at most: the first `headers` headers of the request and of the response
 * (Envoy's default max_headers_count is 100), leaving out names longer than `nameChars`, and every
 * string (header values, path, host, method, provider and model names) cut to `valueChars`
 * characters. A condition reading past these bounds sees the cut value, or no header.
 */
export const CEL_CONTEXT_LIMITS = { headers: 100, nameChars: 256, valueChars: 1_024 } as const;

const { headers: MAX_HEADERS, nameChars: MAX_NAME_CHARS, valueChars: MAX_VALUE_CHARS } = CEL_CONTEXT_LIMITS;

const text: Shape = { size: MAX_VALUE_CHARS };
const headers: Shape = { size: MAX_HEADERS, key: { size: MAX_NAME_CHARS }, elem: text };

/** The bounded context, as the cost estimate sees it. */
export const CONTEXT_SHAPE: Readonly<Record<string, Shape>> = {
  request: { size: 4, fields: { method: text, path: text, host: text, headers } },
  response: { size: 2, fields: { code: SCALAR, headers } },
  llm: {
    size: 7,
    fields: { provider: text, requestModel: text, responseModel: text, streaming: SCALAR, inputTokens: SCALAR, outputTokens: SCALAR, totalTokens: SCALAR },
  },
};

/** Nothing in the bounded context is larger than this, at any depth. */
export const CONTEXT_BOUND = Math.max(MAX_HEADERS, MAX_NAME_CHARS, MAX_VALUE_CHARS);

/** `context` within CEL_CONTEXT_LIMITS; costs only what it keeps, however much the request carried. */
export function boundContext(context: CelContext): CelContext {
  const { request, response, llm } = context;
  const out: CelContext = {
    request: { method: clip(request.method), path: clip(request.path), host: clip(request.host), headers: boundHeaders(request.headers) },
    llm: {
      ...llm,
      provider: clip(llm.provider),
      ...(llm.requestModel !== undefined && { requestModel: clip(llm.requestModel) }),
      ...(llm.responseModel !== undefined && { responseModel: clip(llm.responseModel) }),
    },
  };
  if (response) out.response = { code: response.code, headers: boundHeaders(response.headers) };
  return out;
}

function boundHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Array<[string, string]> = [];
  // for...in stops early: thousands of headers cost only the ones kept.
  for (const name in headers) {
    if (kept.length === MAX_HEADERS) break;
    if (name.length <= MAX_NAME_CHARS) kept.push([name, clip(headers[name]!)]);
  }
  // fromEntries defines own properties, so a header named __proto__ stays a header.
  return Object.fromEntries(kept);
}

function clip(value: string): string {
  return value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
}
