/**
 * A provider's merged `auth` policy, compiled: a fixed key (`key`, `secretRef`), or a credential
 * minted or taken per request (`gcp`, `azure`, `aws`, `passthrough`; see providers/credentials/).
 * Secrets are read here, once per load, from the Secrets the config names; a missing Secret or
 * key is a problem that names the field, never a value.
 */
import { type AwsCredential, type AzureCredential, type GcpCredential, type ProviderCredential, SecretText } from '../core/credential-spec.js';
import type { ProviderKind } from '../core/provider-target.js';
import type { AwsAuthSpec, AzureAuthSpec, GcpAuthSpec } from './schema/backend-auth.js';
import type { BackendPolicies } from './schema/policies.js';
import { resolveApiKey, type SecretSource } from './compile-secrets.js';

/** Where agentgateway's default Secret resolvers read each credential. */
const GCP_SECRET_KEY = 'credentials.json';
/** The Google credential types taken from a Secret, and the fields each needs. */
const GCP_KEY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  service_account: ['client_email', 'private_key'],
  authorized_user: ['client_id', 'client_secret', 'refresh_token'],
};
const AZURE_SECRET_KEYS = { clientId: 'clientID', tenantId: 'tenantID', clientSecret: 'clientSecret' } as const;
const AWS_SECRET_KEYS = { accessKeyId: 'accessKey', secretAccessKey: 'secretKey', sessionToken: 'sessionToken' } as const;

export interface CompiledAuth {
  apiKey?: string;
  credential?: ProviderCredential;
}

interface AuthInput {
  auth: BackendPolicies['auth'];
  kind: ProviderKind;
  namespace: string;
  /** `<object>: <path of the auth block>`, for messages. */
  where: string;
  /** The provider's name, for messages. */
  provider: string;
  secrets: SecretSource;
  problems: string[];
  warnings: string[];
}

export function compileBackendAuth(input: AuthInput): CompiledAuth {
  const { auth, kind, where, provider, problems, warnings } = input;
  if (!auth) return {};
  if (kind === 'bedrock') {
    if (auth.aws) return { credential: compileAws(auth.aws, input) };
    if (auth.key !== undefined || auth.secretRef) {
      // SigV4 with the AWS credential chain (the Lambda's role): a key would be a second, unused credential.
      warnings.push(
        `${where} is not used for bedrock provider ${provider}: Bedrock calls are signed with SigV4 from the AWS credential chain (on Lambda, the function's role); auth.aws names other credentials`,
      );
      return {};
    }
  } else if (auth.aws) {
    problems.push(`${where}.aws: provider ${provider} is ${kind}, not an AWS service: auth.aws signs Bedrock calls only`);
    return {};
  }
  if (auth.passthrough) {
    if (kind === 'bedrock') problems.push(`${where}.passthrough: bedrock provider ${provider} is signed with SigV4; a client's token cannot stand in for it`);
    return kind === 'bedrock' ? {} : { credential: { kind: 'passthrough' } };
  }
  if (auth.gcp || auth.azure) {
    if (kind === 'bedrock') {
      problems.push(`${where}.${auth.gcp ? 'gcp' : 'azure'}: bedrock provider ${provider} is signed with SigV4 (auth.aws), not with a bearer token`);
      return {};
    }
    const credential = auth.gcp ? compileGcp(auth.gcp, input) : compileAzure(auth.azure!, input);
    return credential ? { credential } : {};
  }
  const apiKey = resolveApiKey(auth, input.namespace, where, input.secrets, problems);
  return apiKey !== undefined ? { apiKey } : {};
}

function compileGcp(gcp: GcpAuthSpec, input: AuthInput): GcpCredential | undefined {
  const credential: GcpCredential = { kind: 'gcp', tokenType: gcp.type ?? 'AccessToken', ...(gcp.audience !== undefined && { audience: gcp.audience }) };
  if (!gcp.secretRef) return credential;
  const keyName = gcp.secretRef.key ?? GCP_SECRET_KEY;
  const key = input.secrets.get(input.namespace, gcp.secretRef.name, keyName);
  const at = `${input.where}.gcp.secretRef`;
  if (key === undefined) {
    input.problems.push(`${at}: key "${keyName}" of Secret ${input.namespace}/${gcp.secretRef.name} not found`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(key);
  } catch {
    // The message says where, never what: the value is a private key.
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || typeof (json as { type?: unknown }).type !== 'string') {
    input.problems.push(
      `${at}: key "${keyName}" of Secret ${input.namespace}/${gcp.secretRef.name} is not Google credential JSON (an object with a "type", e.g. a service-account key)`,
    );
    return undefined;
  }
  const fields = json as Record<string, unknown>;
  const needed = GCP_KEY_FIELDS[String(fields.type)];
  if (!needed) {
    // external_account and impersonation configs make the library fetch from URLs or run commands the JSON names: not taken from a Secret.
    input.problems.push(`${at}: Google credentials of type "${String(fields.type)}" are not supported (use a service_account key or authorized_user credentials)`);
    return undefined;
  }
  const missing = needed.filter((f) => typeof fields[f] !== 'string' || fields[f] === '');
  if (missing.length > 0) {
    input.problems.push(`${at}: the ${String(fields.type)} credentials in Secret ${input.namespace}/${gcp.secretRef.name} have no ${missing.join(', ')}`);
    return undefined;
  }
  if (gcp.type === 'IdToken' && fields.type !== 'service_account') {
    input.problems.push(`${at}: an IdToken is minted from a service_account key (or application default credentials), not from ${String(fields.type)} credentials`);
    return undefined;
  }
  return { ...credential, key: new SecretText(key) };
}

function compileAzure(azure: AzureAuthSpec, input: AuthInput): AzureCredential | undefined {
  if (azure.managedIdentity) return { kind: 'azure', source: { type: 'managedIdentity', ...definedOnly(azure.managedIdentity) } };
  if (azure.workloadIdentity) return { kind: 'azure', source: { type: 'workloadIdentity' } };
  if (!azure.secretRef) return { kind: 'azure', source: { type: 'default' } };
  const values = secretKeys(azure.secretRef.name, AZURE_SECRET_KEYS, ['clientId', 'tenantId', 'clientSecret'], `${input.where}.azure.secretRef`, input);
  if (!values) return undefined;
  return { kind: 'azure', source: { type: 'clientSecret', tenantId: values.tenantId!, clientId: values.clientId!, clientSecret: new SecretText(values.clientSecret!) } };
}

function compileAws(aws: AwsAuthSpec, input: AuthInput): AwsCredential | undefined {
  const credential: AwsCredential = {
    kind: 'aws',
    ...(aws.region !== undefined && { region: aws.region }),
    ...(aws.serviceName !== undefined && { serviceName: aws.serviceName }),
  };
  if (aws.secretRef) {
    const values = secretKeys<keyof typeof AWS_SECRET_KEYS>(aws.secretRef.name, AWS_SECRET_KEYS, ['accessKeyId', 'secretAccessKey'], `${input.where}.aws.secretRef`, input);
    if (!values) return undefined;
    credential.keys = {
      accessKeyId: values.accessKeyId!,
      secretAccessKey: new SecretText(values.secretAccessKey!),
      ...(values.sessionToken !== undefined && { sessionToken: new SecretText(values.sessionToken) }),
    };
  }
  const role = aws.assumeRole;
  if (role) {
    // Validation refuses tags and names computed per request: every tag here has a value.
    const tags = (role.tags ?? []).map((t) => ({ key: t.key, value: t.value ?? '' }));
    credential.assumeRole = { roleArn: role.roleArn, ...(role.sessionName !== undefined && { sessionName: role.sessionName }), ...(tags.length > 0 && { tags }) };
  }
  return credential;
}

/** The entries of Secret `name` at `keys` (by field), or undefined (with a problem) when the Secret or a required key is missing. */
function secretKeys<F extends string>(
  name: string,
  keys: Readonly<Record<F, string>>,
  required: readonly F[],
  at: string,
  input: AuthInput,
): Partial<Record<F, string>> | undefined {
  const out: Partial<Record<F, string>> = {};
  const missing: string[] = [];
  for (const field of Object.keys(keys) as F[]) {
    const value = input.secrets.get(input.namespace, name, keys[field])?.trim();
    if (value) out[field] = value;
    else if (required.includes(field)) missing.push(keys[field]);
  }
  if (missing.length > 0) {
    input.problems.push(`${at}: Secret ${input.namespace}/${name} has no ${missing.map((k) => `"${k}"`).join(', ')} (it needs ${required.map((f) => `"${keys[f]}"`).join(', ')})`);
    return undefined;
  }
  return out;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
