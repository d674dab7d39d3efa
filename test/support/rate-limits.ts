/** Manifests for the rate-limit tests: one Anthropic backend on the simulator, one route, a policy with `traffic.rateLimit`. */

export const CLIENT_KEYS = { alice: 'mg-alice-key-0123456789abcdefghij', bob: 'mg-bob-key-0123456789abcdefghijkl' } as const;

/**
 * `rateLimit` is the YAML of `traffic.rateLimit` (flow style); `keys` adds apiKeyAuthentication
 * with CLIENT_KEYS in the given mode; `moreTraffic` is one more `traffic` field, in flow style.
 */
export function rateLimitManifests(simPort: number, rateLimit: string, keys?: 'Strict' | 'Permissive', moreTraffic = ''): string {
  return `apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: llm, namespace: rl }
spec:
  ai:
    provider: { anthropic: { model: claude-sonnet-4-6 }, host: 127.0.0.1, port: ${simPort} }
  policies: { auth: { key: sk-ant-api03-rate-limit-test-provider-key } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: v1, namespace: rl }
spec:
  rules: [{ matches: [{ path: { type: PathPrefix, value: /v1 } }], backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }] }]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: limits, namespace: rl }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: v1 }]
  traffic:
    rateLimit: ${rateLimit}
${moreTraffic ? `    ${moreTraffic}\n` : ''}${
  keys
    ? `    apiKeyAuthentication: { mode: ${keys}, secretRef: { name: client-keys } }
---
apiVersion: v1
kind: Secret
metadata: { name: client-keys, namespace: rl }
stringData: { alice: ${CLIENT_KEYS.alice}, bob: ${CLIENT_KEYS.bob} }`
    : ''
}`;
}
