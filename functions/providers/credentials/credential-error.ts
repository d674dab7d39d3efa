/**
 * The one error a credential source throws: which credential failed and a short reason, never
 * the credential. Library errors can carry request bodies (a signed assertion), response bodies
 * (a token) or the secret itself, so their text is cut short, and the secrets this source knows
 * and anything shaped like a token are replaced before it is kept.
 */
const REDACTED = '[redacted]';
/** JWTs (assertions, ID tokens), bearer values and PEM blocks: what a token endpoint's error may echo. */
const TOKEN_SHAPES = [/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, /\b(bearer|basic)\s+[\w.~+/=-]{8,}/gi, /-----BEGIN [^-]+-----[\s\S]*?(-----END [^-]+-----|$)/g];
const MAX_REASON = 200;

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** `<what>: <reason>`, the reason taken from `error` with `secrets` and token-shaped text removed. */
export function credentialError(what: string, error: unknown, secrets: ReadonlyArray<string | undefined>): CredentialError {
  let reason = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) if (secret && secret.length >= 4) reason = reason.split(secret).join(REDACTED);
  for (const shape of TOKEN_SHAPES) reason = reason.replace(shape, REDACTED);
  reason = reason.replace(/\s+/g, ' ').trim();
  if (reason.length > MAX_REASON) reason = `${reason.slice(0, MAX_REASON)}...`;
  return new CredentialError(`${what}: ${reason || 'failed'}`);
}
