/**
 * Upstream error messages sometimes quote the credential they rejected ("Incorrect API key
 * provided: sk-..."). Everything modelgate relays to a client or a log goes through here first.
 */

const REDACTED = '[redacted]';

/** Patterns for things that look like credentials, each replaced as a whole. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // OpenAI (`sk-`, `sk-proj-`) and Anthropic (`sk-ant-api03-`) keys.
  [/\bsk-[A-Za-z0-9_*.-]{6,}/g, REDACTED],
  // A header quoted with its value: `x-api-key: abc`, `authorization: Bearer abc`, `api-key=abc`.
  [/\b(x-api-key|api[-_]?key|authorization)(["']?\s*[:=]\s*["']?)(bearer\s+)?[^\s"',;}]+/gi, `$1$2$3${REDACTED}`],
  // A bare bearer token.
  [/\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}
