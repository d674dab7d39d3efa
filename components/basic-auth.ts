/**
 * Basic-auth users in a Policy (`traffic.basicAuthentication.users`), as pure functions: moved out
 * of the spec into a Secret `<policy>-basic-auth` the component makes, whose one entry `.htaccess`
 * is the htpasswd file (one `user:hash` line per user) — agentgateway's Secret form, read by its
 * default `secretRef` key — and the object gets `secretRef: { name }` in their place. The lines
 * hold password hashes, not passwords, but they are still kept out of the objects, like keys.
 */
import { parseHtpasswd } from '../functions/model/htpasswd.js';
import { copyPlain, isObject, type ComponentKind, type PathProblem, type Plain } from './render.js';

/** Where users are written in a Policy's args. */
export const BASIC_AUTH_USERS_PATH = 'traffic.basicAuthentication.users';

/** The Secret entry agentgateway reads a basic-auth `secretRef` from by default. */
export const HTACCESS_KEY = '.htaccess';

/** A stand-in htpasswd file (user `stand-in`, an $apr1$ hash), for checks that need a basic-auth Secret's content but not its users. */
export const HTPASSWD_STAND_IN = 'stand-in:$apr1$shAXkXa8$OK5Gp6f0dRmXvibfblcsc1\n';

/** The Secret a Policy keeps its basic-auth users in. */
export function basicAuthSecretName(owner: string): string {
  return `${owner}-basic-auth`;
}

/** The Secret's entries: the htpasswd file, one line per user. */
export function basicAuthEntries(users: readonly string[]): Record<string, string> {
  return { [HTACCESS_KEY]: `${users.map((u) => u.trim()).join('\n')}\n` };
}

/**
 * What is wrong with the users (never their values: a line holds a password hash). Each must be
 * one line (a line break would add a user nobody wrote), and the file what the data plane accepts.
 */
export function basicAuthUserProblems(list: unknown, known: (value: unknown) => boolean): PathProblem[] {
  if (!Array.isArray(list)) return [{ path: BASIC_AUTH_USERS_PATH, message: 'must be a list of htpasswd lines (user:hash)' }];
  if (list.length === 0) return [{ path: BASIC_AUTH_USERS_PATH, message: 'should have at least 1 items' }];
  if (list.length > 256) return [{ path: BASIC_AUTH_USERS_PATH, message: 'should have at most 256 items' }];
  const lines = list.flatMap((line: unknown, i): PathProblem[] => {
    if (!known(line)) return [];
    const path = `${BASIC_AUTH_USERS_PATH}[${i}]`;
    if (typeof line !== 'string' || line.trim() === '') return [{ path, message: 'must be a non-empty string' }];
    if (/[\r\n]/.test(line.trim())) return [{ path, message: 'must be one htpasswd line (user:hash), without line breaks' }];
    return [];
  });
  if (lines.length > 0 || !list.every(known)) return lines;
  // The data plane's own reading of the file (hash schemes, duplicate users): it names lines and users, never a hash.
  const parsed: string[] = [];
  parseHtpasswd(
    list.map((line: string) => line.trim()),
    BASIC_AUTH_USERS_PATH,
    parsed,
  );
  return parsed.map((p) => ({ path: BASIC_AUTH_USERS_PATH, message: p.slice(`${BASIC_AUTH_USERS_PATH}: `.length) }));
}

/**
 * Moves a Policy's `traffic.basicAuthentication.users` out of its spec (a copy): the block gets
 * `secretRef: { name }` instead, and the users are returned as given. `users` and `secretRef`
 * exclusive: a problem otherwise, without the users in the spec. Walks plain objects only: users
 * inside an Output are found later by `leftoverBasicAuthUsers`.
 */
export function extractBasicAuthUsers<U, N>(kind: ComponentKind, spec: Plain, secretName: N): { spec: Plain; users?: U; problems: PathProblem[] } {
  const copy = copyPlain(spec) as Plain;
  const traffic = kind === 'AgentgatewayPolicy' ? copy.traffic : undefined;
  if (!isObject(traffic) || !isObject(traffic.basicAuthentication)) return { spec: copy, problems: [] };
  const { users, ...rest } = traffic.basicAuthentication;
  if (users === undefined) return { spec: copy, problems: [] };
  traffic.basicAuthentication = rest;
  if (rest.secretRef !== undefined)
    return { spec: copy, problems: [{ path: 'traffic.basicAuthentication', message: 'exactly one of the fields in [users secretRef] must be set' }] };
  traffic.basicAuthentication = { ...rest, secretRef: { name: secretName } };
  return { spec: copy, users: users as U, problems: [] };
}

/** `[BASIC_AUTH_USERS_PATH]` when users are still in a (resolved) spec: they came inside an Output. */
export function leftoverBasicAuthUsers(kind: ComponentKind, spec: Plain): string[] {
  const traffic = kind === 'AgentgatewayPolicy' ? spec.traffic : undefined;
  return isObject(traffic) && isObject(traffic.basicAuthentication) && traffic.basicAuthentication.users !== undefined ? [BASIC_AUTH_USERS_PATH] : [];
}
