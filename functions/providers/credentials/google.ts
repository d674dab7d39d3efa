/**
 * `auth.gcp`: Google access tokens (Vertex AI) or ID tokens (Cloud Run) minted by Google's own
 * library, google-auth-library, from a service-account key (or `authorized_user` credentials) in a
 * Secret, or from application default credentials. The library is imported the first time a
 * config uses it, so a gateway without `auth.gcp` never loads it.
 *
 * The library posts a service account's JWT to Google's public token URL whatever the key says;
 * the key's `token_uri` (a private endpoint, a test's loopback server) is honoured by sending
 * that request there instead. The library's own token cache is told to always fetch: refresh
 * timing is RefreshingToken's.
 */
import { readFileSync } from 'node:fs';
import type { GcpCredential } from '../../core/credential-spec.js';
import { credentialError } from './credential-error.js';
import { type Minted, RefreshingToken } from './refreshing-token.js';

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where the library sends token requests (its `GOOGLE_TOKEN_URL`), and where a key's `token_uri` sends them instead. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

interface GoogleClient {
  getAccessToken(): Promise<{ token?: string | null }>;
  credentials: { expiry_date?: number | null };
  fetchIdToken?: (audience: string) => Promise<string>;
  transporter: { interceptors: { request: { add(interceptor: { resolved: (options: RequestOptions) => Promise<RequestOptions> }): void } } };
}
interface RequestOptions {
  url: URL | string;
  timeout?: number;
  retryConfig?: Record<string, unknown>;
}

/** A refreshing Google token for `spec`; `audience` defaults to the provider's base URL for ID tokens. */
export function googleToken(spec: GcpCredential, defaultAudience: string, now?: () => number): RefreshingToken<string> {
  let client: Promise<GoogleClient> | undefined;
  const key = spec.key?.reveal();
  const what = `gcp ${spec.tokenType === 'IdToken' ? 'ID token' : 'access token'} (${spec.key ? 'service-account key' : 'application default credentials'})`;
  const mint = async (): Promise<Minted<string>> => {
    try {
      client ??= googleClient(key);
      const c = await client.catch((error: unknown) => {
        client = undefined; // a bad ADC environment may be fixed later
        throw error;
      });
      if (spec.tokenType === 'IdToken') {
        if (!c.fetchIdToken) throw new Error('these credentials cannot mint ID tokens (use a service-account key or run on Google Cloud)');
        const token = await c.fetchIdToken(spec.audience ?? defaultAudience);
        return { value: token, expiresAt: jwtExpiry(token) };
      }
      const { token } = await c.getAccessToken();
      if (!token) throw new Error('the token endpoint returned no access token');
      return { value: token, expiresAt: c.credentials.expiry_date ?? Date.now() + 3_000_000 };
    } catch (error) {
      throw credentialError(what, error, [key, ...secretsOf(key)]);
    }
  };
  return new RefreshingToken(mint, now);
}

async function googleClient(key: string | undefined): Promise<GoogleClient> {
  const google = await import('google-auth-library');
  const json = key === undefined ? undefined : parseKey(key);
  // A threshold longer than any token's life: the library fetches whenever asked; RefreshingToken asks only when due.
  const options = { eagerRefreshThresholdMillis: Number.MAX_SAFE_INTEGER };
  let client: unknown;
  // The key's own client, built from its fields: a Secret's JSON never picks what the library runs (an
  // `external_account` can name a command or URL to fetch credentials from), so compile-backend-auth.ts admits these two types only.
  if (json?.type === 'service_account') {
    client = new google.JWT({
      ...options,
      email: String(json.client_email),
      key: String(json.private_key),
      keyId: String(json.private_key_id ?? ''),
      scopes: [CLOUD_PLATFORM_SCOPE],
    });
  } else if (json?.type === 'authorized_user') {
    client = new google.UserRefreshClient({ ...options, clientId: String(json.client_id), clientSecret: String(json.client_secret), refreshToken: String(json.refresh_token) });
  } else if (json) {
    throw new Error(`credential type ${String(json.type)} is not supported (service_account, authorized_user)`);
  } else {
    client = await new google.GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], clientOptions: options }).getClient();
  }
  const c = client as GoogleClient;
  // Application default credentials from a key file: its `token_uri` is honoured as a Secret's is.
  const source = json ?? adcKeyFile();
  const tokenUri = typeof source?.token_uri === 'string' && source.token_uri !== GOOGLE_TOKEN_URL ? new URL(source.token_uri) : undefined;
  c.transporter.interceptors.request.add({
    resolved: async (request) => {
      if (tokenUri && String(request.url) === GOOGLE_TOKEN_URL) request.url = tokenUri;
      // One try, bounded: a token endpoint that is down fails this provider's attempt now (failover), and RefreshingToken paces the next.
      request.timeout ??= TOKEN_REQUEST_TIMEOUT_MS;
      request.retryConfig = { ...request.retryConfig, retry: 0 };
      return request;
    },
  });
  return c;
}

/** The JSON of `GOOGLE_APPLICATION_CREDENTIALS` (the file ADC reads first), when it is a key file of a type modelgate admits. */
function adcKeyFile(): Record<string, unknown> | undefined {
  const file = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file) return undefined;
  try {
    const json = parseKey(readFileSync(file, 'utf8').slice(0, 64 * 1024));
    return json.type === 'service_account' || json.type === 'authorized_user' ? json : undefined;
  } catch {
    return undefined; // the library reports a file it cannot use
  }
}

function parseKey(key: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(key);
  } catch {
    throw new Error('the Secret does not hold credential JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('the Secret does not hold credential JSON');
  return json as Record<string, unknown>;
}

/** The secrets inside the credential JSON, so an error that quotes one (outside its JSON escaping) is scrubbed too. */
function secretsOf(key: string | undefined): string[] {
  if (key === undefined) return [];
  try {
    const json = JSON.parse(key) as Record<string, unknown>;
    return ['private_key', 'client_secret', 'refresh_token'].flatMap((field) => (typeof json[field] === 'string' ? [json[field] as string] : []));
  } catch {
    return [];
  }
}

/** An ID token's `exp` (read, not verified: the token is ours to send, Google verifies it). */
function jwtExpiry(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof payload.exp === 'number') return payload.exp * 1000;
  } catch {
    // not a JWT: treated as a one-hour token below
  }
  return Date.now() + 3_600_000;
}
