/**
 * agentgateway's resource-based `azure` provider (an AgentgatewayBackend's `azure` kind, and an
 * AgentgatewayModel's `Azure` provider): where a resource lives, from its name and type. Served by
 * the `azureopenai` adapter: the same OpenAI wire format, at these addresses.
 */
import { DEFAULT_AZURE_API_VERSION } from '../core/endpoints.js';
import type { ProviderTarget } from '../core/provider-target.js';

export interface AzureResourceSpec {
  resourceName: string;
  resourceType: 'Foundry' | 'OpenAI';
  projectName?: string | undefined;
  apiVersion?: string | undefined;
}

/**
 * `{resourceName}.openai.azure.com`, or `{resourceName}.services.ai.azure.com` with a Foundry
 * project's paths under `/api/projects/{projectName}`; `baseUrl` (host and port, or a model's
 * `baseURL`) replaces the host and the project prefix.
 */
export function azureResourceTarget(a: AzureResourceSpec, baseUrl?: string): Pick<ProviderTarget, 'baseUrl' | 'pathPrefix' | 'azure'> {
  const foundry = a.resourceType === 'Foundry';
  return {
    baseUrl: baseUrl ?? `https://${a.resourceName}.${foundry ? 'services.ai.azure.com' : 'openai.azure.com'}`,
    ...(foundry && baseUrl === undefined && { pathPrefix: `/api/projects/${encodeURIComponent(a.projectName!)}` }),
    // With a dated apiVersion the deployment is the model the request names (the path's `deployments/{model}`).
    azure: { apiVersion: a.apiVersion ?? DEFAULT_AZURE_API_VERSION },
  };
}
