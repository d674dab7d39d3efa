/**
 * `ai.promptGuard` -> PromptGuardSettings: regex guards compiled with RE2 (re2js, linear time, as
 * regex.ts) at load, each pattern checked there so a bad one is refused naming its field; webhook
 * guards with the URL their `backendRef` names. OpenAI moderation, Bedrock guardrails and Model
 * Armor guards are refused by the schema (policies.ts) as not supported yet; tool-call scopes,
 * webhook `headers` (CEL) and webhook response guards on streamed answers are refused here, named.
 */
import { RE2JS, RE2JSException } from 're2js';
import { MAX_PROGRAM_SIZE } from './regex.js';

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

export type Guard = RegexGuard | WebhookGuard;

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

interface GuardSpec {
  webhook?: WebhookSpec | undefined;
  regex?: { action?: 'Mask' | 'Reject' | undefined; builtins?: readonly BuiltinName[] | undefined; matches?: readonly string[] | undefined } | undefined;
  response?: { message?: string | undefined; statusCode?: number | undefined } | undefined;
  scope?: readonly string[] | undefined;
}

const DEFAULT_MESSAGE = 'The request was rejected due to inappropriate content';

/** `namespace`: the policy's, for a webhook `backendRef` without one. */
export function compilePromptGuard(spec: PromptGuardSpec | undefined, where: string, problems: string[], namespace = 'default'): PromptGuardSettings | undefined {
  if (!spec) return undefined;
  const side = (list: ReadonlyArray<GuardSpec> | undefined, name: string): Guard[] =>
    (list ?? []).flatMap((g, i) => {
      const guard = compileGuard(g, `${where}.${name}[${i}]`, problems, namespace);
      return guard ? [guard] : [];
    });
  const settings = { request: side(spec.request, 'request'), response: side(spec.response, 'response'), streaming: spec.streaming === 'Enabled' };
  if (settings.streaming && settings.response.some((g) => g.kind === 'webhook')) {
    problems.push(
      `${where}.streaming: webhook response guards on streamed answers are not supported by modelgate yet (they apply to buffered answers); remove streaming: Enabled or the webhook response guard`,
    );
  }
  return settings;
}

function compileGuard(spec: GuardSpec, where: string, problems: string[], namespace: string): Guard | undefined {
  const scope = spec.scope ?? ['SystemPrompt', 'Messages'];
  const tools = scope.filter((s) => s === 'ToolInput' || s === 'ToolOutput');
  if (tools.length > 0) problems.push(`${where}.scope: ${tools.join(', ')} is not supported by modelgate yet (tool call arguments and results are not inspected)`);
  const reject = { status: spec.response?.statusCode ?? 403, message: spec.response?.message ?? DEFAULT_MESSAGE };
  if (spec.webhook) return compileWebhook(spec.webhook, `${where}.webhook`, problems, namespace, reject);
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
  return { kind: 'regex', action: spec.regex.action ?? 'Mask', patterns, systemPrompt: scope.includes('SystemPrompt'), messages: scope.includes('Messages'), reject };
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
