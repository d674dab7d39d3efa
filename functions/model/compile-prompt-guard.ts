/**
 * `ai.promptGuard` -> PromptGuardSettings: regex guards compiled with RE2 (re2js, linear time, as
 * regex.ts) at load, each pattern checked there so a bad one is refused naming its field; webhook
 * guards with the URL their `backendRef` names; OpenAI moderation and Bedrock guardrails guards with
 * their endpoint and credential (`policies.auth`, read as a backend's auth is). Model Armor guards
 * are refused by the schema (policies.ts) as not supported yet; tool-call scopes and webhook
 * `headers` (CEL) are refused here, named.
 */
import { RE2JS, RE2JSException } from 're2js';
import { MAX_PROGRAM_SIZE } from './regex.js';
import { parseDuration } from '../core/duration.js';
import { resolveApiKey, type SecretSource } from './compile-secrets.js';

/** agentgateway's built-in patterns (the CRD's enum). Written for modelgate, RE2 syntax, each bounded in length. */
export const BUILTIN_PATTERNS = {
  // US SSN: 3-2-4 digits with `-`, `.` or space, not 000/666/9xx area, 00 group or 0000 serial.
  Ssn: {
    placeholder: '<SSN>',
    pattern: String.raw`\b(?:00[1-9]|0[1-9]\d|[1-578]\d{2}|6[0-57-9]\d|66[0-57-9])[- .](?:0[1-9]|[1-9]\d)[- .](?:000[1-9]|00[1-9]\d|0[1-9]\d{2}|[1-9]\d{3})\b`,
  },
  // Card numbers of 13 to 19 digits, optionally grouped by spaces or dashes (Visa, Mastercard, Amex, Discover, ...).
  CreditCard: { placeholder: '<CREDIT_CARD>', pattern: String.raw`\b(?:\d[ -]?){12,18}\d\b` },
  // North American and international numbers: +country, area code in parentheses or not, separators `-`, `.`, space.
  PhoneNumber: { placeholder: '<PHONE_NUMBER>', pattern: String.raw`(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]?\d{3}[ .-]?\d{4}\b` },
  Email: { placeholder: '<EMAIL_ADDRESS>', pattern: String.raw`\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b` },
  // Canadian SIN: 3-3-3 digits, separated by `-`, space or nothing.
  CaSin: { placeholder: '<CA_SIN>', pattern: String.raw`\b\d{3}[- ]?\d{3}[- ]?\d{3}\b` },
} as const;

export type BuiltinName = keyof typeof BUILTIN_PATTERNS;

/** What a custom `matches` pattern is replaced with. */
export const CUSTOM_PLACEHOLDER = '<masked>';

export interface GuardPattern {
  /** Replaces a match when the action is Mask. */
  placeholder: string;
  source: string;
  /** Not enumerable: /config_dump shows `source`, not the RE2 program. */
  re: RE2JS;
}

/** A pattern with its compiled RE2 out of enumeration (see GuardPattern.re). */
function withRegex<T extends object>(fields: T, re: RE2JS): T & { re: RE2JS } {
  return Object.defineProperty(fields, 're', { value: re, enumerable: false }) as T & { re: RE2JS };
}

export interface RegexGuard {
  kind: 'regex';
  action: 'Mask' | 'Reject';
  patterns: readonly GuardPattern[];
  /** `scope`: which parts of a request it reads; responses always read the answer's text. */
  systemPrompt: boolean;
  messages: boolean;
  /** `response`: what a Reject answers. */
  reject: { status: number; message: string };
}

/** A webhook guard: agentgateway's guardrail webhook API (prompt-guard-webhook.ts), POST `<url>/request` or `<url>/response`. */
export interface WebhookGuard {
  kind: 'webhook';
  /** `http://<host>:<port>`, no trailing slash. */
  url: string;
  /** `failureMode`: FailOpen lets the request on when the webhook cannot answer; FailClosed (the default) rejects it. */
  failOpen: boolean;
  /** `forwardHeaderMatches`: which client request headers go to the webhook. */
  forwardHeaders: ReadonlyArray<{ name: string; exact?: string; regex?: string; re?: RE2JS }>;
  systemPrompt: boolean;
  messages: boolean;
  /** `response`: what a FailClosed failure answers. */
  reject: { status: number; message: string };
}

/**
 * Where a guard service's key goes (`policies.auth.location`; default `Authorization: Bearer <key>`).
 * The key itself is `value`, not enumerable, so /config_dump never shows it.
 */
export interface GuardKey {
  header?: { name: string; prefix?: string };
  queryParameter?: string;
  cookie?: string;
  readonly value: string;
}

/** The default time a guard service call may take (agentgateway's own default for guard calls); `policies.http.requestTimeout` sets another. */
export const GUARD_SERVICE_TIMEOUT_MS = 10_000;

/** OpenAI's moderation endpoint on the request's text (prompt-guard-moderation.ts): `flagged` rejects. */
export interface ModerationGuard {
  kind: 'moderation';
  model: string;
  key?: GuardKey;
  timeoutMs: number;
  systemPrompt: boolean;
  messages: boolean;
  /** `response`: what a flagged prompt answers. */
  reject: { status: number; message: string };
}

/** AWS Bedrock's ApplyGuardrail API (prompt-guard-bedrock.ts): SigV4 from the AWS credential chain, or `key` when `policies.auth` has one. */
export interface BedrockGuard {
  kind: 'bedrock';
  identifier: string;
  version: string;
  region: string;
  key?: GuardKey;
  timeoutMs: number;
  systemPrompt: boolean;
  messages: boolean;
  /** `response`: what an intervention that blocks answers. */
  reject: { status: number; message: string };
}

/** A guard that calls a service: its verdict comes over the network (prompt-guard-remote.ts). */
export type RemoteGuard = WebhookGuard | ModerationGuard | BedrockGuard;

export type Guard = RegexGuard | RemoteGuard;

export interface PromptGuardSettings {
  request: readonly Guard[];
  response: readonly Guard[];
  /** `streaming: Enabled`: response guards also apply to streamed answers (agentgateway's default is off). */
  streaming: boolean;
}

export interface PromptGuardSpec {
  request?: ReadonlyArray<GuardSpec> | undefined;
  response?: ReadonlyArray<GuardSpec> | undefined;
  streaming?: 'Enabled' | undefined;
}

interface WebhookSpec {
  backendRef: { group?: string | undefined; kind?: string | undefined; name: string; namespace?: string | undefined; port?: number | undefined };
  failureMode?: 'FailClosed' | 'FailOpen' | undefined;
  forwardHeaderMatches?: ReadonlyArray<{ name: string; type?: 'Exact' | 'RegularExpression' | undefined; value: string }> | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

interface GuardServiceAuthSpec {
  key?: string | undefined;
  secretRef?: { name: string; key?: string | undefined } | undefined;
  location?:
    | { header?: { name: string; prefix?: string | undefined } | undefined; queryParameter?: { name: string } | undefined; cookie?: { name: string } | undefined }
    | undefined;
  aws?: unknown;
}

interface GuardServicePoliciesSpec {
  auth?: GuardServiceAuthSpec | undefined;
  http?: { requestTimeout?: string | undefined } | undefined;
}

interface GuardSpec {
  webhook?: WebhookSpec | undefined;
  openAIModeration?: { model?: string | undefined; policies?: GuardServicePoliciesSpec | undefined } | undefined;
  bedrockGuardrails?: { identifier: string; version: string; region: string; policies?: GuardServicePoliciesSpec | undefined } | undefined;
  regex?: { action?: 'Mask' | 'Reject' | undefined; builtins?: readonly BuiltinName[] | undefined; matches?: readonly string[] | undefined } | undefined;
  response?: { message?: string | undefined; statusCode?: number | undefined } | undefined;
  scope?: readonly string[] | undefined;
}

const DEFAULT_MESSAGE = 'The request was rejected due to inappropriate content';

/** What compiling a guard needs besides its spec: where problems go, the policy's namespace (a `backendRef` or `secretRef` without one), the Secrets. */
interface GuardContext {
  problems: string[];
  namespace: string;
  secrets: SecretSource | undefined;
}

/** `namespace`: the policy's, for a webhook `backendRef` or a `secretRef` without one; `secrets`: where a guard service's `secretRef` is read. */
export function compilePromptGuard(
  spec: PromptGuardSpec | undefined,
  where: string,
  problems: string[],
  namespace = 'default',
  secrets?: SecretSource,
): PromptGuardSettings | undefined {
  if (!spec) return undefined;
  const ctx: GuardContext = { problems, namespace, secrets };
  const side = (list: ReadonlyArray<GuardSpec> | undefined, name: string): Guard[] =>
    (list ?? []).flatMap((g, i) => {
      const guard = compileGuard(g, `${where}.${name}[${i}]`, ctx);
      return guard ? [guard] : [];
    });
  return { request: side(spec.request, 'request'), response: side(spec.response, 'response'), streaming: spec.streaming === 'Enabled' };
}

function compileGuard(spec: GuardSpec, where: string, ctx: GuardContext): Guard | undefined {
  const { problems, namespace } = ctx;
  const scope = spec.scope ?? ['SystemPrompt', 'Messages'];
  const tools = scope.filter((s) => s === 'ToolInput' || s === 'ToolOutput');
  if (tools.length > 0) problems.push(`${where}.scope: ${tools.join(', ')} is not supported by modelgate yet (tool call arguments and results are not inspected)`);
  const reject = { status: spec.response?.statusCode ?? 403, message: spec.response?.message ?? DEFAULT_MESSAGE };
  const scoped = { systemPrompt: scope.includes('SystemPrompt'), messages: scope.includes('Messages'), reject };
  if (spec.webhook) return compileWebhook(spec.webhook, `${where}.webhook`, problems, namespace, reject);
  if (spec.openAIModeration) {
    const m = spec.openAIModeration;
    const key = compileGuardKey(m.policies?.auth, `${where}.openAIModeration.policies.auth`, ctx);
    if (!m.policies?.auth) problems.push(`${where}.openAIModeration.policies.auth: OpenAI's moderation endpoint needs a key (auth.key or auth.secretRef)`);
    return { kind: 'moderation', model: m.model ?? DEFAULT_MODERATION_MODEL, ...(key && { key }), timeoutMs: serviceTimeout(m.policies), ...scoped };
  }
  if (spec.bedrockGuardrails) {
    const b = spec.bedrockGuardrails;
    if (!/^[a-z0-9-]{1,64}$/.test(b.region)) problems.push(`${where}.bedrockGuardrails.region: "${b.region.slice(0, 64)}" is not an AWS region name`);
    // Without a key (or with `aws: {}`), the call is signed with SigV4 from the AWS credential chain, as the Bedrock provider's are.
    const key = compileGuardKey(b.policies?.auth, `${where}.bedrockGuardrails.policies.auth`, ctx);
    return { kind: 'bedrock', identifier: b.identifier, version: b.version, region: b.region, ...(key && { key }), timeoutMs: serviceTimeout(b.policies), ...scoped };
  }
  // Other guard kinds are refused by the schema; only regex and webhook reach here.
  if (!spec.regex) return undefined;
  const patterns: GuardPattern[] = [];
  for (const name of spec.regex.builtins ?? []) {
    const builtin = BUILTIN_PATTERNS[name];
    patterns.push(withRegex({ placeholder: builtin.placeholder, source: name }, RE2JS.compile(builtin.pattern)));
  }
  (spec.regex.matches ?? []).forEach((pattern, i) => {
    const re = compileGuardPattern(pattern, `${where}.regex.matches[${i}]`, problems);
    if (re) patterns.push(withRegex({ placeholder: CUSTOM_PLACEHOLDER, source: pattern }, re));
  });
  if ((spec.regex.builtins ?? []).length + (spec.regex.matches ?? []).length === 0) problems.push(`${where}.regex: no builtins and no matches: the guard would never match`);
  return { kind: 'regex', action: spec.regex.action ?? 'Mask', patterns, ...scoped };
}

/** agentgateway's default moderation model. */
const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';

const serviceTimeout = (policies: GuardServicePoliciesSpec | undefined) =>
  policies?.http?.requestTimeout !== undefined ? (parseDuration(policies.http.requestTimeout) ?? GUARD_SERVICE_TIMEOUT_MS) : GUARD_SERVICE_TIMEOUT_MS;

/** A guard service's key (`auth.key` or `auth.secretRef`, read by resolveApiKey as a backend's) and where it goes; undefined for `aws` or no auth. */
function compileGuardKey(auth: GuardServiceAuthSpec | undefined, where: string, ctx: GuardContext): GuardKey | undefined {
  if (!auth || (auth.key === undefined && auth.secretRef === undefined)) return undefined;
  if (auth.secretRef && !ctx.secrets) {
    ctx.problems.push(`${where}.secretRef: no Secrets are available here`);
    return undefined;
  }
  const noSecrets: SecretSource = { get: () => undefined, entries: () => undefined };
  const value = resolveApiKey({ key: auth.key, secretRef: auth.secretRef }, ctx.namespace, where, ctx.secrets ?? noSecrets, ctx.problems);
  if (value === undefined) return undefined;
  if (/[\r\n]/.test(value)) {
    ctx.problems.push(`${where}: the key holds a line break`);
    return undefined;
  }
  const loc = auth.location;
  const placed: Omit<GuardKey, 'value'> = loc?.queryParameter
    ? { queryParameter: loc.queryParameter.name }
    : loc?.cookie
      ? { cookie: loc.cookie.name }
      : {
          header: loc?.header
            ? { name: loc.header.name.toLowerCase(), ...(loc.header.prefix !== undefined && { prefix: loc.header.prefix }) }
            : { name: 'authorization', prefix: 'Bearer ' },
        };
  return Object.defineProperty(placed, 'value', { value, enumerable: false }) as GuardKey;
}

/**
 * A webhook guard. Its `backendRef` is a Service: `http://<name>.<namespace>.svc.cluster.local:<port>`.
 * A Service name is a DNS label and never holds a dot, so a dotted name (`guard.example.com`,
 * `127.0.0.1`) is taken as the host itself: how a guard outside a cluster is reached (on AWS, locally).
 */
function compileWebhook(spec: WebhookSpec, where: string, problems: string[], namespace: string, reject: RegexGuard['reject']): WebhookGuard | undefined {
  const ref = spec.backendRef;
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') {
    problems.push(`${where}.backendRef: ${ref.kind ?? 'Service'} references are not supported by modelgate yet; reference a Service (or a host name, with a dot)`);
    return undefined;
  }
  if (spec.headers) problems.push(`${where}.headers: CEL-computed webhook headers are not supported by modelgate yet; use forwardHeaderMatches`);
  const host = ref.name.includes('.') ? ref.name : `${ref.name}.${ref.namespace ?? namespace}.svc.cluster.local`;
  const forwardHeaders = (spec.forwardHeaderMatches ?? []).flatMap((m, i): Array<WebhookGuard['forwardHeaders'][number]> => {
    if (m.type !== 'RegularExpression') return [{ name: m.name.toLowerCase(), exact: m.value }];
    const re = compileGuardPattern(m.value, `${where}.forwardHeaderMatches[${i}].value`, problems);
    return re ? [withRegex({ name: m.name.toLowerCase(), regex: m.value }, re)] : [];
  });
  return {
    kind: 'webhook',
    url: `http://${host.includes(':') ? `[${host}]` : host}:${ref.port}`,
    failOpen: spec.failureMode === 'FailOpen',
    forwardHeaders,
    systemPrompt: true,
    messages: true,
    reject,
  };
}

/** A custom pattern, or a problem naming its field: RE2 refuses it (backreference, lookaround) or it is too large. */
function compileGuardPattern(pattern: string, where: string, problems: string[]): RE2JS | undefined {
  try {
    const re = RE2JS.compile(pattern);
    if (re.programSize() > MAX_PROGRAM_SIZE) {
      problems.push(`${where}: pattern compiles to ${re.programSize()} RE2 instructions, more than the limit of ${MAX_PROGRAM_SIZE}`);
      return undefined;
    }
    return re;
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    problems.push(`${where}: invalid RE2 pattern: ${error.message}`);
    return undefined;
  }
}
