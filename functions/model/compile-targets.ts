/**
 * Where one provider lives, per kind: base URL (a vendor's public endpoint, or plain HTTP to
 * `host` + `port`), region, project, deployment, custom formats.
 */
import type { NamedProviderSpec, SingleProviderSpec } from './schema/backend.js';
import { PROVIDER_KINDS, type ProviderKind, type ProviderTarget } from '../core/provider-target.js';
import { azureResourceTarget } from './azure-resource.js';
import { bedrockHost, DEFAULT_AZURE_API_VERSION, DEFAULT_BEDROCK_REGION, DEFAULT_VERTEX_REGION, vertexHost } from '../core/endpoints.js';

/** Vendors' public endpoints (those that depend on a region or an endpoint are built per provider); `host` + `port` replaces them with plain HTTP. */
const DEFAULT_BASE_URL: Partial<Record<ProviderKind, string>> = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

type ProviderSpec = NamedProviderSpec | SingleProviderSpec;

/** The provider kind a validated spec sets (validation guarantees exactly one); the resource-based `azure` kind is served as `azureopenai`. */
export function kindOf(spec: ProviderSpec): ProviderKind {
  if (spec.azure !== undefined) return 'azureopenai';
  for (const kind of PROVIDER_KINDS) if (spec[kind] !== undefined) return kind;
  return 'openai';
}

/** Where a provider lives, and what it needs besides a key: region, project, deployment, formats. */
export function kindTarget(spec: ProviderSpec, kind: ProviderKind, where: string, warnings: string[]): Omit<ProviderTarget, 'name' | 'kind'> {
  const hostPort = spec.host !== undefined && spec.port !== undefined ? `http://${hostForUrl(spec.host)}:${spec.port}` : undefined;
  const common = {
    ...(spec.path !== undefined && { path: spec.path }),
    ...(spec.pathPrefix !== undefined && { pathPrefix: spec.pathPrefix }),
  };
  switch (kind) {
    case 'vertexai': {
      const v = spec.vertexai!;
      const region = v.region ?? DEFAULT_VERTEX_REGION;
      return { baseUrl: hostPort ?? `https://${vertexHost(region)}`, region, projectId: v.projectId, ...(v.model !== undefined && { model: v.model }), ...common };
    }
    case 'bedrock': {
      const b = spec.bedrock!;
      const region = b.region ?? DEFAULT_BEDROCK_REGION;
      return {
        baseUrl: hostPort ?? `https://${bedrockHost(region)}`,
        region,
        ...(b.model !== undefined && { model: b.model }),
        ...(b.guardrail && { guardrail: { identifier: b.guardrail.identifier, version: b.guardrail.version } }),
        ...common,
      };
    }
    case 'azureopenai': {
      // host/port replaces the resource's host only: a Foundry project's path prefix stays.
      if (spec.azure)
        return { ...azureResourceTarget(spec.azure), ...(hostPort && { baseUrl: hostPort }), ...(spec.azure.model !== undefined && { model: spec.azure.model }), ...common };
      const a = spec.azureopenai!;
      // "If the scheme is included, it is stripped."
      const endpoint = a.endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
      return {
        baseUrl: hostPort ?? `https://${endpoint}`,
        azure: { apiVersion: a.apiVersion ?? DEFAULT_AZURE_API_VERSION, ...(a.deploymentName !== undefined && { deploymentName: a.deploymentName }) },
        // The deployment is what answers: with the v1 API it is the body's `model`.
        ...(a.deploymentName !== undefined && { model: a.deploymentName }),
        ...common,
      };
    }
    case 'custom': {
      const c = spec.custom!;
      const formats: NonNullable<ProviderTarget['formats']> = {};
      c.formats.forEach((f, i) => {
        if (f.type === 'Completions' || f.type === 'Messages' || f.type === 'Responses') formats[f.type] = f.path !== undefined ? { path: f.path } : {};
        else warnings.push(`${where}.custom.formats[${i}]: format ${f.type} is not used by modelgate (it reads the Completions, Messages and Responses formats)`);
      });
      // Validation guarantees host and port (a backendRef is refused).
      return { baseUrl: hostPort ?? '', formats, ...(c.model !== undefined && { model: c.model }), ...common };
    }
    default: {
      const model = (spec[kind] as { model?: string } | undefined)?.model;
      return { baseUrl: hostPort ?? DEFAULT_BASE_URL[kind] ?? '', ...(model !== undefined && { model }), ...common };
    }
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
