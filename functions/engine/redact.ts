/**
 * Redaction by value. An upstream's error message may quote the credential it was sent (Azure,
 * Gemini `AIza…`, vLLM and custom servers do, and their keys look like nothing in particular),
 * so matching key-like patterns is not enough: every configured provider key, in the forms it
 * travels in, is replaced wherever bytes from an upstream go to a client or a line goes to a log.
 * Pattern scrubbing (providers/shared/scrub.ts) stays as a second net.
 */
import type { CompiledConfig } from '../model/config.js';

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not redacted by value: replacing every "test" or "1234" in an
 * answer would mangle it, and a key that short protects nothing anyway.
 */
const MIN_REDACTED_LENGTH = 6;

export type Redact = (text: string) => string;

/**
 * The forms a key travels in: as is, URL-encoded (query strings), JSON-escaped (inside a quoted
 * string), and JSON-escaped with `/` as `\/` (encoders that escape slashes: a provider's JSON goes
 * to the client as written, not re-serialized, so its escapes are the provider's).
 */
function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  // Each distinct form once: most keys read the same in several of them (a key with no `/` has no escaped-slash form of its own).
  return [...new Set([secret, encodeURIComponent(secret), json, json.replaceAll('/', '\\/')])];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

class Redactor {
  /** One pass over the text for every secret; literal alternatives cannot backtrack badly. */
  private readonly pattern: RegExp | undefined;
  private readonly secrets: readonly string[];

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_REDACTED_LENGTH) continue;
      for (const form of formsOf(secret)) forms.add(form);
    }
    // Longest first, so a key that contains another is replaced whole.
    this.secrets = [...forms].sort((a, b) => b.length - a.length);
    this.pattern = this.secrets.length > 0 ? new RegExp(this.secrets.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get size(): number {
    return this.secrets.length;
  }

  redact: Redact = (text) => (this.pattern && text.length >= MIN_REDACTED_LENGTH ? text.replace(this.pattern, REDACTED) : text);

  /**
   * This redactor plus one more value known only to the request (the client's own key): an
   * upstream may echo what a client put in its prompt, and a client key must not come back
   * out of the gateway either.
   */
  withValue(extra: string | undefined): Redact {
    if (extra === undefined || extra.length < MIN_REDACTED_LENGTH) return this.redact;
    const forms = formsOf(extra);
    return (text) => {
      let out = this.redact(text);
      for (const form of forms) if (out.includes(form)) out = out.replaceAll(form, REDACTED);
      return out;
    };
  }
}

const cache = new WeakMap<CompiledConfig, Redactor>();

/** Every provider key a config holds (built once per config; a reload makes a new one). */
export function redactorFor(config: CompiledConfig): Redactor {
  let redactor = cache.get(config);
  if (!redactor) {
    const keys: string[] = [];
    for (const backend of config.backends) for (const p of backend.providers) if (p.target.apiKey) keys.push(p.target.apiKey);
    redactor = new Redactor(keys);
    cache.set(config, redactor);
  }
  return redactor;
}
