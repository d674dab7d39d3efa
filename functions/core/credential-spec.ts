/**
 * Provider credentials that are not a fixed key (`auth.gcp`, `auth.azure`, `auth.aws`,
 * `auth.passthrough`), as the config compiler resolves them: what to mint and from what. The
 * minting itself (libraries, caches, refresh) lives in providers/credentials/; this module has no
 * dependencies, so the compiler and the engine can both read it.
 */

/**
 * A secret read from a Secret (a service-account key, a client secret, an AWS secret key). It is
 * kept out of every printed form: JSON (config dumps), string conversion and `util.inspect` (a
 * private field is never shown), so only code that means to use it calls `reveal()`.
 */
export class SecretText {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
}

/** `auth.gcp`: an access token (Vertex AI) or an ID token (Cloud Run), from a key in a Secret or from application default credentials. */
export interface GcpCredential {
  kind: 'gcp';
  tokenType: 'AccessToken' | 'IdToken';
  /** The ID token's `aud`: `audience`, or the provider's base URL. */
  audience?: string;
  /** ADC-compatible credential JSON (`secretRef`, key `credentials.json`); absent: application default credentials. */
  key?: SecretText;
}

/** `auth.azure`: Entra ID tokens for the Cognitive Services scope. */
export interface AzureCredential {
  kind: 'azure';
  source:
    | { type: 'clientSecret'; tenantId: string; clientId: string; clientSecret: SecretText }
    | { type: 'managedIdentity'; clientId?: string; objectId?: string; resourceId?: string }
    | { type: 'workloadIdentity' }
    /** `azure: {}`: the library's default chain (environment, workload identity, managed identity, CLI). */
    | { type: 'default' };
}

/** `auth.aws`: what Bedrock calls are signed with, and for which region and service. */
export interface AwsCredential {
  kind: 'aws';
  /** `secretRef`: static keys (`accessKey`, `secretKey`, optional `sessionToken`). */
  keys?: { accessKeyId: string; secretAccessKey: SecretText; sessionToken?: SecretText };
  /** `assumeRole`, with the default credential chain as the source credentials. */
  assumeRole?: { roleArn: string; sessionName?: string; tags?: ReadonlyArray<{ key: string; value: string }> };
  /** SigV4 signing region; absent: the provider's region. */
  region?: string;
  /** SigV4 signing service; absent: `bedrock`. */
  serviceName?: string;
}

/** `auth.passthrough`: the token the client presented is what the provider receives. */
export interface PassthroughCredential {
  kind: 'passthrough';
}

export type ProviderCredential = GcpCredential | AzureCredential | AwsCredential | PassthroughCredential;
