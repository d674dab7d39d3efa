/**
 * An htpasswd file (`user:hash` per line, `#` comments) as `basicAuthentication` takes it, from
 * `users` or a Secret. Accepted: Apache MD5 (`$apr1$`), bcrypt (`$2y$`, `$2b$`, `$2a$`) and SHA-1
 * (`{SHA}`). DES crypt and plain text are refused at load, by line, rather than never matching.
 * A bcrypt cost above MAX_BCRYPT_COST is refused too: every verification would hold a CPU for seconds.
 */
import { HtpasswdUsers, type HtpasswdHash } from './traffic-auth-config.js';

/** 2^14 rounds: about a second of JavaScript per verification; the usual cost is 5 to 12. */
export const MAX_BCRYPT_COST = 14;

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const APR1 = /^\$apr1\$[^$]{1,8}\$[./0-9A-Za-z]{22}$/;
const SHA1 = /^\{SHA\}([A-Za-z0-9+/]{27}=)$/;

/** The users of `lines`; each line that cannot be used is a problem naming its number and user (never the hash). */
export function parseHtpasswd(lines: readonly string[], where: string, problems: string[]): HtpasswdUsers {
  const users = new Map<string, HtpasswdHash>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = colon > 0 ? line.slice(0, colon) : '';
    const hash = parseHash(line.slice(colon + 1));
    if (!user) problems.push(`${where}: line ${i + 1} is not user:hash`);
    else if (typeof hash === 'string') problems.push(`${where}: line ${i + 1} (user ${user}): ${hash}`);
    else if (users.has(user)) problems.push(`${where}: line ${i + 1}: user ${user} is listed twice`);
    else users.set(user, hash);
  });
  return new HtpasswdUsers(users);
}

/** The hash, or why it is refused. */
function parseHash(text: string): HtpasswdHash | string {
  const bcrypt = BCRYPT.exec(text);
  if (bcrypt) {
    const cost = Number(bcrypt[1]);
    if (cost > MAX_BCRYPT_COST) return `bcrypt cost ${cost} is above ${MAX_BCRYPT_COST}: each check would take seconds of CPU`;
    return { scheme: 'bcrypt', hash: text };
  }
  if (APR1.test(text)) return { scheme: 'apr1', hash: text };
  const sha = SHA1.exec(text);
  if (sha) return { scheme: 'sha1', digest: Buffer.from(sha[1]!, 'base64') };
  return 'the password hash must be $apr1$ (htpasswd -m), bcrypt (htpasswd -B) or {SHA} (htpasswd -s); crypt and plain text are not supported by modelgate yet';
}
