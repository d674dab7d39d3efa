/**
 * Provider credentials given inline in an `auth` block, as pure functions: a Google
 * service-account key (`gcp.credentials`), an Entra ID client secret (`azure.clientSecret`) and
 * AWS keys (`aws.accessKey` / `secretKey` / `sessionToken`) are moved out of the spec into a Secret
 * the component makes, at the entries the data plane reads (functions/model/compile-backend-auth.ts:
 * `credentials.json`; `tenantID`, `clientID`, `clientSecret`; `accessKey`, `secretKey`,
 * `sessionToken`), and the block gets `secretRef: { name }` in their place — as `auth.key` becomes
 * `<name>-secret` (render.ts). Never a value in a message: they are keys.
 */
import { authBlocks, copyPlain, isObject, type AuthBlock, type ComponentKind, type PathProblem, type Plain } from './render.js';

export type CredentialKind = 'gcp' | 'azure' | 'aws';

/** The Secret entry a `gcp.secretRef` reads by default. */
export const GCP_CREDENTIALS_KEY = 'credentials.json';

/** `<name>-gcp-credentials`, `<name>-gcp-credentials-2`, ...: the Secrets a component makes for its credentials of one kind, in order of first use. */
export function credentialsSecretName(owner: string, kind: CredentialKind, index: number): string {
  return `${owner}-${kind}-credentials${index === 0 ? '' : `-${index + 1}`}`;
}

/**
 * Entries that pass the data plane's reading of each kind's Secret, for checks that need a
 * credential Secret's content but not the credential (validation.ts).
 */
export const CREDENTIAL_STAND_INS: Readonly<Record<CredentialKind, Readonly<Record<string, string>>>> = {
  gcp: { [GCP_CREDENTIALS_KEY]: JSON.stringify({ type: 'service_account', client_email: 'stand-in@stand-in.iam.gserviceaccount.com', private_key: 'stand-in' }) },
  azure: { tenantID: 'stand-in', clientID: 'stand-in', clientSecret: 'stand-in' },
  aws: { accessKey: 'stand-in', secretKey: 'stand-in' },
};

export interface ExtractedCredential<N> {
  kind: CredentialKind;
  /** The Secret the credential goes into. */
  secretName: N;
  /** As given: gcp the key JSON, azure the `clientSecret` block, aws `{ accessKey, secretKey, sessionToken }` (each may be an Input). */
  value: unknown;
  /** Where it was written, e.g. `policies.auth.gcp.credentials`. */
  paths: string[];
}

const AWS_KEY_FIELDS = ['accessKey', 'secretKey', 'sessionToken'] as const;

/** The same credential written twice (the same Inputs) gets one Secret. */
function sameValue(kind: CredentialKind, a: unknown, b: unknown): boolean {
  if (kind !== 'aws') return a === b;
  return AWS_KEY_FIELDS.every((f) => (a as Plain)[f] === (b as Plain)[f]);
}

/** One block's inline credential, moved out (the block rewritten), or problems. */
function extractFrom(block: AuthBlock, take: (kind: CredentialKind, value: unknown, path: string) => unknown, problems: PathProblem[]): void {
  const auth = { ...block.auth };
  const gcp = auth.gcp;
  if (isObject(gcp) && gcp.credentials !== undefined) {
    const { credentials, ...rest } = gcp;
    if (rest.secretRef !== undefined) {
      problems.push({ path: `${block.path}.gcp`, message: 'at most one of the fields in [credentials secretRef] may be set' });
      auth.gcp = rest;
    } else auth.gcp = { ...rest, secretRef: { name: take('gcp', credentials, `${block.path}.gcp.credentials`) } };
  }
  const azure = auth.azure;
  if (isObject(azure) && azure.clientSecret !== undefined) {
    const { clientSecret, ...rest } = azure;
    const others = ['secretRef', 'managedIdentity', 'workloadIdentity'].filter((f) => rest[f] !== undefined);
    if (others.length > 0) {
      problems.push({ path: `${block.path}.azure`, message: `at most one of the fields in [clientSecret ${others.join(' ')}] may be set` });
      auth.azure = rest;
    } else auth.azure = { ...rest, secretRef: { name: take('azure', clientSecret, `${block.path}.azure.clientSecret`) } };
  }
  const aws = auth.aws;
  if (isObject(aws) && AWS_KEY_FIELDS.some((f) => aws[f] !== undefined)) {
    const { accessKey, secretKey, sessionToken, ...rest } = aws;
    const before = problems.length;
    if (rest.secretRef !== undefined) problems.push({ path: `${block.path}.aws`, message: 'at most one of the fields in [accessKey secretRef] may be set' });
    if (rest.assumeRole !== undefined)
      problems.push({ path: `${block.path}.aws`, message: 'static keys and assumeRole are mutually exclusive (a role is assumed with the gateway’s own credentials)' });
    if (accessKey === undefined) problems.push({ path: `${block.path}.aws.accessKey`, message: 'required with secretKey' });
    if (secretKey === undefined) problems.push({ path: `${block.path}.aws.secretKey`, message: 'required with accessKey' });
    auth.aws = problems.length > before ? rest : { ...rest, secretRef: { name: take('aws', { accessKey, secretKey, sessionToken }, `${block.path}.aws.accessKey`) } };
  }
  block.set(auth);
}

/**
 * Moves every inline credential of a Backend's, Policy's or Model's spec (a copy) into Secrets
 * named by `nameFor`, writing `secretRef`s in their place. Walks plain objects only: a credential
 * inside an Output is found later by `leftoverCredentials`. A block with both an inline credential
 * and another source is a problem, and keeps neither credential.
 */
export function extractCredentials<N>(
  kind: ComponentKind,
  spec: Plain,
  nameFor: (kind: CredentialKind, index: number) => N,
): { spec: Plain; credentials: Array<ExtractedCredential<N>>; problems: PathProblem[] } {
  const copy = copyPlain(spec) as Plain;
  const credentials: Array<ExtractedCredential<N>> = [];
  const problems: PathProblem[] = [];
  const take = (k: CredentialKind, value: unknown, path: string): N => {
    let entry = credentials.find((c) => c.kind === k && sameValue(k, c.value, value));
    if (!entry) {
      entry = { kind: k, secretName: nameFor(k, credentials.filter((c) => c.kind === k).length), value, paths: [] };
      credentials.push(entry);
    }
    entry.paths.push(path);
    return entry.secretName;
  };
  for (const block of authBlocks(kind, copy)) extractFrom(block, take, problems);
  return { spec: copy, credentials, problems };
}

/** Paths of inline credentials still in a (resolved) spec: they came inside an Output. */
export function leftoverCredentials(kind: ComponentKind, spec: Plain): string[] {
  return authBlocks(kind, spec).flatMap((b) => {
    const { gcp, azure, aws } = b.auth;
    return [
      ...(isObject(gcp) && gcp.credentials !== undefined ? [`${b.path}.gcp.credentials`] : []),
      ...(isObject(azure) && azure.clientSecret !== undefined ? [`${b.path}.azure.clientSecret`] : []),
      ...(isObject(aws) ? AWS_KEY_FIELDS.filter((f) => aws[f] !== undefined).map((f) => `${b.path}.aws.${f}`) : []),
    ];
  });
}

const nonEmpty = (value: unknown) => typeof value === 'string' && value.trim() !== '';

/**
 * A credential's Secret entries, from its value once known, or the problems with it (by path,
 * never a value). gcp: Google credential JSON (an object with a `type`); azure: the three
 * non-empty strings; aws: `accessKey` and `secretKey` (and `sessionToken` when given).
 */
export function credentialEntries(kind: CredentialKind, value: unknown, path: string): { entries: Record<string, string> } | { problems: PathProblem[] } {
  if (kind === 'gcp') {
    if (!nonEmpty(value)) return { problems: [{ path, message: 'must be a non-empty string (the JSON of a service-account key)' }] };
    let json: unknown;
    try {
      json = JSON.parse(value as string);
    } catch {
      // Where, never what: the value holds a private key.
    }
    if (!isObject(json) || typeof json.type !== 'string')
      return { problems: [{ path, message: 'is not Google credential JSON (an object with a "type", e.g. a service-account key)' }] };
    return { entries: { [GCP_CREDENTIALS_KEY]: value as string } };
  }
  if (!isObject(value)) return { problems: [{ path, message: 'must be an object' }] };
  const fields = kind === 'azure' ? ['tenantID', 'clientID', 'clientSecret'] : ['accessKey', 'secretKey'];
  const base = kind === 'azure' ? path : path.slice(0, -'.accessKey'.length);
  const problems = fields.filter((f) => !nonEmpty(value[f])).map((f) => ({ path: `${base}.${f}`, message: 'must be a non-empty string' }));
  if (kind === 'aws' && value.sessionToken !== undefined && !nonEmpty(value.sessionToken)) problems.push({ path: `${base}.sessionToken`, message: 'must be a non-empty string' });
  if (problems.length > 0) return { problems };
  const entries = Object.fromEntries(fields.map((f) => [f, (value[f] as string).trim()]));
  if (kind === 'aws' && value.sessionToken !== undefined) entries.sessionToken = (value.sessionToken as string).trim();
  return { entries };
}

/** `name` + key of every `auth.gcp.secretRef` in an object (key `credentials.json` by default): the entries that must hold Google credential JSON. */
export function gcpSecretRefs(object: unknown): Set<string> {
  const refs = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 32 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    const ref = (value as { auth?: { gcp?: { secretRef?: { name?: unknown; key?: unknown } } } }).auth?.gcp?.secretRef;
    if (ref && typeof ref.name === 'string') refs.add(gcpRefId(ref.name, typeof ref.key === 'string' ? ref.key : GCP_CREDENTIALS_KEY));
    for (const v of Object.values(value)) visit(v, depth + 1);
  };
  visit(object, 0);
  return refs;
}

export const gcpRefId = (name: string, key: string) => `${name}\u0000${key}`;
