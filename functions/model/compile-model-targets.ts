/**
 * Where a concrete AgentgatewayModel's provider lives: its `provider` as one of modelgate's provider
 * kinds, the vendor's endpoint (or `baseURL`), and the kind's settings (region, project, Azure
 * resource, custom formats).
 */
import type { ModelProvider, ModelSpec } from './schema/model.js';
import type { ProviderKind, ProviderTarget } from '../core/provider-target.js';
import { bedrockHost, DEFAULT_BEDROCK_REGION, DEFAULT_VERTEX_REGION, vertexHost } from '../core/endpoints.js';
import { azureResourceTarget } from './azure-resource.js';

/** The provider kinds modelgate's adapters speak; every other named provider is OpenAI-compatible at its baseURL. */
const KIND_OF: Partial<Record<ModelProvider, ProviderKind>> = {
  Anthropic: 'anthropic',
  Azure: 'azureopenai',
  Gemini: 'gemini',
  VertexAI: 'vertexai',
  Bedrock: 'bedrock',
  Custom: 'custom',
};
const DEFAULT_BASE_URL: Partial<Record<ProviderKind, string>> = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

/** `baseURL` as a ProviderTarget has it: scheme, host and port; a path replaces the provider's default `/v1` prefix. */
function splitBaseUrl(baseURL: string): { baseUrl: string; pathPrefix?: string } {
  const url = new URL(baseURL);
  const path = url.pathname.replace(/\/+$/, '');
  return { baseUrl: url.origin, ...(path !== '' && { pathPrefix: path }) };
}

export function modelTarget(name: string, spec: ModelSpec, where: string, warnings: string[]): ProviderTarget {
  const kind = KIND_OF[spec.provider!] ?? 'openai';
  const base = spec.baseURL !== undefined ? splitBaseUrl(spec.baseURL) : undefined;
  const target: ProviderTarget = { name, kind, baseUrl: base?.baseUrl ?? DEFAULT_BASE_URL[kind] ?? '', ...(base?.pathPrefix !== undefined && { pathPrefix: base.pathPrefix }) };
  if (kind === 'bedrock') {
    target.region = spec.bedrock?.region ?? DEFAULT_BEDROCK_REGION;
    target.baseUrl = base?.baseUrl ?? `https://${bedrockHost(target.region)}`;
    if (spec.bedrock?.guardrail) target.guardrail = { ...spec.bedrock.guardrail };
  } else if (kind === 'vertexai') {
    target.region = spec.vertexai?.region ?? DEFAULT_VERTEX_REGION;
    target.projectId = spec.vertexai!.projectId;
    target.baseUrl = base?.baseUrl ?? `https://${vertexHost(target.region)}`;
  } else if (kind === 'azureopenai') {
    // agentgateway's hosts per resource type; a Foundry project's paths sit under /api/projects/{projectName} (azure-resource.ts).
    Object.assign(target, azureResourceTarget(spec.azure!, base?.baseUrl));
  } else if (kind === 'custom') {
    const formats: NonNullable<ProviderTarget['formats']> = {};
    spec.custom!.formats.forEach((f, i) => {
      if (f.type === 'Completions' || f.type === 'Messages' || f.type === 'Responses') formats[f.type] = f.path !== undefined ? { path: f.path } : {};
      else warnings.push(`${where}: spec.custom.formats[${i}]: format ${f.type} is not used by modelgate (it reads the Completions, Messages and Responses formats)`);
    });
    target.formats = formats;
  }
  return target;
}
