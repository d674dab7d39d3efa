/** How a provider's credential reads in `modelgate describe` and the startup summary: its kind and source, never a secret. */
import type { ProviderCredential } from '../../core/credential-spec.js';

export function credentialText(c: ProviderCredential): string {
  switch (c.kind) {
    case 'passthrough':
      return "the client's own token (passthrough)";
    case 'gcp':
      return `Google ${c.tokenType === 'IdToken' ? `ID token${c.audience ? ` for ${c.audience}` : ''}` : 'access token'} from ${c.key ? 'a service-account key' : 'application default credentials'}, refreshed`;
    case 'azure':
      return `Entra ID token from ${{ clientSecret: 'a client secret', managedIdentity: 'managed identity', workloadIdentity: 'workload identity', default: 'the default Azure credential chain' }[c.source.type]}, refreshed`;
    case 'aws': {
      const from = c.keys ? 'keys from a Secret' : c.assumeRole ? `role ${c.assumeRole.roleArn} assumed from the AWS credential chain` : 'the AWS credential chain';
      return `SigV4 (${c.serviceName ?? 'bedrock'}${c.region ? `, ${c.region}` : ''}) with ${from}`;
    }
  }
}
