/**
 * `auth.azure`: Entra ID tokens for Azure OpenAI / Azure AI Foundry, minted by Azure's own
 * library, @azure/identity: a client secret from a Secret, a managed identity, workload identity
 * (the federated token file AKS projects), or the library's default chain. Imported the first time
 * a config uses it. `AZURE_AUTHORITY_HOST` (sovereign clouds, a test's loopback token endpoint)
 * is honoured by the library; with it set, instance discovery (a call to the public cloud) is off.
 */
import type { AzureCredential } from '../../core/credential-spec.js';
import { credentialError } from './credential-error.js';
import { type Minted, RefreshingToken } from './refreshing-token.js';

/** The scope Azure OpenAI and Foundry's OpenAI endpoints accept. */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

interface TokenCredential {
  getToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export function azureToken(spec: AzureCredential, now?: () => number): RefreshingToken<string> {
  let credential: Promise<TokenCredential> | undefined;
  const secret = spec.source.type === 'clientSecret' ? spec.source.clientSecret.reveal() : undefined;
  const what = `azure token (${spec.source.type})`;
  const mint = async (): Promise<Minted<string>> => {
    try {
      credential ??= azureCredential(spec);
      const token = await (await credential).getToken(COGNITIVE_SERVICES_SCOPE);
      if (!token) throw new Error('no token was returned');
      return { value: token.token, expiresAt: token.expiresOnTimestamp };
    } catch (error) {
      throw credentialError(what, error, [secret]);
    }
  };
  return new RefreshingToken(mint, now);
}

async function azureCredential(spec: AzureCredential): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const authorityHost = process.env.AZURE_AUTHORITY_HOST;
  const options = authorityHost ? { authorityHost, disableInstanceDiscovery: true } : {};
  const source = spec.source;
  switch (source.type) {
    case 'clientSecret':
      return new identity.ClientSecretCredential(source.tenantId, source.clientId, source.clientSecret.reveal(), options);
    case 'managedIdentity':
      if (source.clientId !== undefined) return new identity.ManagedIdentityCredential({ clientId: source.clientId });
      if (source.objectId !== undefined) return new identity.ManagedIdentityCredential({ objectId: source.objectId });
      if (source.resourceId !== undefined) return new identity.ManagedIdentityCredential({ resourceId: source.resourceId });
      return new identity.ManagedIdentityCredential();
    case 'workloadIdentity':
      return new identity.WorkloadIdentityCredential(options);
    case 'default':
      return new identity.DefaultAzureCredential(options);
  }
}
