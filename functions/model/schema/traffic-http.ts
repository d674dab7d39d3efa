/**
 * `traffic.cors`, `traffic.headerModifiers` and `traffic.directResponse` of an AgentgatewayPolicy,
 * with the CRD's limits and rules and its messages. A little stricter than the CRD where a value
 * could only fail later: a header value with a line break or a character HTTP cannot carry, a
 * header name to remove that could never match, a header modelgate frames itself (Content-Length,
 * Host, ...), an origin port outside 1-65535, an unknown field under `cors` (the CRD keeps unknown
 * fields there; here it is most likely a typo). Compiled in compile-traffic-http.ts.
 */
import * as z from 'zod';
import { atLeastOne, countPresent } from './common.js';

/** An HTTP header name (RFC 9110 token), as the CRD's pattern has it. */
export const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** The pattern as the CRD prints it (a backtick is `\x60` there). */
const TOKEN_TEXT = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";

/** Tab, visible ASCII, space and Latin-1 (obs-text): what Node sends in a header value; no CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Headers the gateway frames itself, in either direction: a modifier cannot change them without
 * breaking the message (a wrong Content-Length, a hop-by-hop header). `host` is the upstream's, from
 * the provider's URL.
 */
export const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'host']);

const headerName = z.string().min(1).max(256).regex(HEADER_TOKEN, `should match '${TOKEN_TEXT}'`);

const headerValue = z
  .string()
  .min(1)
  .max(4096)
  .regex(HEADER_VALUE, 'must be a valid HTTP header value: visible characters, spaces and tabs only (no line breaks or control characters)');

/** An `x-kubernetes-list-type: set`: at most `max` items, no duplicates (the API server's "Duplicate value"). */
function setOf<T extends z.ZodType<string>>(item: T, max: number) {
  return z
    .array(item)
    .max(max)
    .superRefine((list, ctx) => {
      list.forEach((v, i) => {
        if (list.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `Duplicate value: ${JSON.stringify(v)}` });
      });
    });
}

/** An `x-kubernetes-list-type: map` keyed by `name`: no two entries with the same name. */
function byName<T extends z.ZodType<{ name: string }>>(item: T, min: number, max: number) {
  return z
    .array(item)
    .min(min)
    .max(max)
    .superRefine((list, ctx) => {
      list.forEach((h, i) => {
        if (list.findIndex((o) => o.name === h.name) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `Duplicate value: {"name":${JSON.stringify(h.name)}}` });
      });
    });
}

/** The CRDs' `!('*' in self && self.size() > 1)`. */
function wildcardAlone(message: string) {
  return (list: readonly string[], ctx: z.RefinementCtx) => {
    if (list.includes('*') && list.length > 1) ctx.addIssue({ code: 'custom', message });
  };
}

const ORIGIN = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;

const origin = z
  .string()
  .min(1)
  .max(253)
  .regex(ORIGIN, `should match '${ORIGIN.source}'`)
  .refine((o) => {
    const port = /:(\d+)$/.exec(o)?.[1];
    return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
  }, 'the port must be 1-65535: no request origin could match it');

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '*'] as const;

export const cors = z.strictObject({
  allowCredentials: z.boolean().optional(),
  // The CRD's message says "methods" for headers too; kept as the API server prints it.
  allowHeaders: setOf(headerName, 64).superRefine(wildcardAlone("AllowHeaders cannot contain '*' alongside other methods")).optional(),
  allowMethods: setOf(z.enum(METHODS), 9).superRefine(wildcardAlone("AllowMethods cannot contain '*' alongside other methods")).optional(),
  allowOrigins: setOf(origin, 64).superRefine(wildcardAlone("AllowOrigins cannot contain '*' alongside other origins")).optional(),
  exposeHeaders: setOf(headerName, 64).optional(),
  // The CRD's default: a preflight answer may be cached for 5 seconds.
  maxAge: z.int().min(1).max(2_147_483_647).default(5),
});

const notFramed = (what: string) => (name: string) => !FRAMING_HEADERS.has(name.toLowerCase()) || `${name} cannot be changed: modelgate frames the ${what} itself`;

function headerFilter(what: 'request' | 'response') {
  const framed = notFramed(what === 'request' ? 'upstream request' : 'response to the client');
  const check = (name: string, ctx: z.RefinementCtx, path: PropertyKey[]) => {
    const ok = framed(name);
    if (ok !== true) ctx.addIssue({ code: 'custom', path, message: ok });
  };
  const header = z.strictObject({ name: headerName, value: headerValue }).superRefine((h, ctx) => check(h.name, ctx, ['name']));
  return z.strictObject({
    add: byName(header, 0, 16).optional(),
    set: byName(header, 0, 16).optional(),
    // The CRD takes any string here; one that is not a header name could never match, so it is refused.
    remove: setOf(
      z
        .string()
        .regex(HEADER_TOKEN, `must be an HTTP header name (should match '${TOKEN_TEXT}')`)
        .superRefine((name, ctx) => check(name, ctx, [])),
      16,
    ).optional(),
  });
}

export const headerModifiers = z
  .strictObject({ request: headerFilter('request').optional(), response: headerFilter('response').optional() })
  .superRefine(atLeastOne(['request', 'response']));

/** Header names are checked with the API server's own wording, which names the field: its fixture asks for it. */
const expressionHeader = z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(16_384) });

const responseFields = {
  status: z.int().min(200).max(599).optional(),
  body: z.string().min(1).max(4096).optional(),
  bodyExpression: z.string().min(1).max(16_384).optional(),
  headers: byName(expressionHeader, 1, 16).optional(),
};

const BOTH_BODIES = 'body and bodyExpression may not both be set';

const conditionalEntry = z.strictObject({
  condition: z.string().min(1).max(16_384).optional(),
  policy: z.strictObject(responseFields).superRefine((p, ctx) => {
    if (p.status === undefined) ctx.addIssue({ code: 'custom', message: 'status is required' });
    if (p.body !== undefined && p.bodyExpression !== undefined) ctx.addIssue({ code: 'custom', message: BOTH_BODIES });
  }),
});

export const directResponse = z
  .strictObject({
    ...responseFields,
    conditional: z
      .array(conditionalEntry)
      .min(1)
      .max(16)
      .superRefine((list, ctx) => {
        const fallbacks = list.filter((e) => e.condition === undefined).length;
        if (fallbacks > 1 || (fallbacks === 1 && list.at(-1)!.condition !== undefined)) {
          ctx.addIssue({ code: 'custom', message: 'conditional entries without condition must be last' });
        }
      })
      .optional(),
  })
  .superRefine((dr, ctx) => {
    if (dr.body !== undefined && dr.bodyExpression !== undefined) ctx.addIssue({ code: 'custom', message: BOTH_BODIES });
    if (dr.conditional !== undefined && countPresent(dr, ['body', 'bodyExpression', 'headers', 'status']) > 0) {
      ctx.addIssue({ code: 'custom', message: 'conditional cannot be set with any other field' });
    }
    if (dr.conditional === undefined && dr.status === undefined) ctx.addIssue({ code: 'custom', message: 'status: Required value' });
    const checkNames = (headers: ReadonlyArray<{ name: string }> | undefined, path: PropertyKey[], text: string) => {
      headers?.forEach((h, i) => {
        if (FRAMING_HEADERS.has(h.name.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path: [...path, 'headers', i, 'name'], message: `${h.name} cannot be set: modelgate frames the response to the client itself` });
        }
        if (HEADER_TOKEN.test(h.name)) return;
        const field = `spec.traffic.directResponse.${text}headers[${i}].name`;
        ctx.addIssue({ code: 'custom', path: [...path, 'headers', i, 'name'], message: `Invalid value: ${JSON.stringify(h.name)}: ${field} in body should match '${TOKEN_TEXT}'` });
      });
    };
    checkNames(dr.headers, [], '');
    dr.conditional?.forEach((e, i) => {
      checkNames(e.policy.headers, ['conditional', i, 'policy'], `conditional[${i}].policy.`);
    });
  });

export type CorsSpec = z.infer<typeof cors>;
export type HeaderModifiersSpec = z.infer<typeof headerModifiers>;
export type HeaderFilterSpec = NonNullable<HeaderModifiersSpec['request']>;
export type DirectResponseSpec = z.infer<typeof directResponse>;

/**
 * `traffic.timeouts.backendRequest`: agentgateway's proxy has a per-attempt deadline, but its
 * AgentgatewayPolicy CRD has only `timeouts.request`; refused by name (not as an unknown field) so
 * the message says where the per-attempt deadline lives.
 */
export const notInTrafficTimeouts = z.unknown().superRefine((_value, ctx) => {
  ctx.addIssue({
    code: 'custom',
    message:
      "AgentgatewayPolicy's traffic.timeouts has only `request` (the whole request's deadline, failover and streamed answer included); a per-attempt deadline is an HTTPRoute rule's `timeouts.backendRequest`",
  });
});
