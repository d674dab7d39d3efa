/**
 * `/config_dump`: the served config as readable JSON (RE2 and CEL programs shown by their source,
 * Sets as arrays), and no secret anywhere in it — provider keys, inline or from a Secret, client
 * API keys and their digests, and a key that also appears somewhere else in the config.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configDump } from '../../functions/engine/config-dump.js';
import { compileYaml } from '../support/harness.js';

const INLINE_KEY = 'sk-ant-api03-inline-provider-key-0123456789';
const SECRET_KEY = 'sk-proj-from-a-secret-abcdefghijklmnop';
const CLIENT_KEY = 'mg-client-key-0123456789abcdefghij';
const HASHED_CLIENT_KEY = 'mg-hashed-client-key-zyxwvutsrqponm';
const hashed = createHash('sha256').update(HASHED_CLIENT_KEY).digest();

const YAML = `apiVersion: v1
kind: Secret
metadata: { name: provider-keys, namespace: ns }
stringData:
  Authorization: "Bearer ${SECRET_KEY}"
---
apiVersion: v1
kind: Secret
metadata: { name: client-keys, namespace: ns }
stringData:
  team: ${CLIENT_KEY}
  ci: '{"keyHash": "sha256:${hashed.toString('hex')}"}'
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: llm, namespace: ns }
spec:
  ai:
    groups:
    - providers:
      - name: opus
        anthropic: { model: claude-opus-4-6 }
        host: 127.0.0.1
        port: 9001
        policies: { auth: { key: ${INLINE_KEY} } }
    - providers:
      - name: gpt
        openai: { model: gpt-5 }
        host: 127.0.0.1
        port: 9002
        policies: { auth: { secretRef: { name: provider-keys } } }
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: health, namespace: ns }
spec:
  targetRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }]
  backend:
    health:
      unhealthyCondition: 'response.code == 404 || response.code >= 500'
      eviction: { duration: 10s, consecutiveFailures: 2 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: v1, namespace: ns }
spec:
  rules:
  - matches:
    - path: { type: RegularExpression, value: '/v1/(chat/completions|messages)' }
      headers: [{ name: x-debug-token, value: ${INLINE_KEY} }]
    backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: traffic, namespace: ns }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: v1 }]
  traffic:
    retry: { attempts: 2, codes: [503, 429], backoff: 100ms }
    apiKeyAuthentication: { mode: Strict, secretRef: { name: client-keys } }
`;

describe('configDump', () => {
  const config = compileYaml(YAML);
  const dump = configDump(config);
  const text = JSON.stringify(dump);

  it('holds no secret: provider keys, client keys, their digests', () => {
    const clientDigest = createHash('sha256').update(CLIENT_KEY).digest();
    for (const secret of [INLINE_KEY, SECRET_KEY, CLIENT_KEY, HASHED_CLIENT_KEY, ...[clientDigest, hashed].flatMap((d) => [d.toString('hex'), d.toString('base64')])]) {
      expect(text).not.toContain(secret);
    }
    // The key is in the compiled config, where the engine needs it.
    expect(config.backends[0]!.providers[0]!.target.apiKey).toBe(INLINE_KEY);
  });

  it('is readable JSON of routes, backends, groups, targets and policies', () => {
    expect(JSON.parse(text)).toEqual(dump);
    const [route] = dump.routes as Array<Record<string, unknown>>;
    expect(route).toMatchObject({
      route: 'ns/v1',
      matches: [{ path: { type: 'RegularExpression', value: '/v1/(chat/completions|messages)' }, headers: [{ name: 'x-debug-token', exact: '[redacted]' }] }],
      backends: [{ backend: 'ns/llm', weight: 1 }],
      retry: { attempts: 2, codes: [429, 503], backoffMs: 100 },
      clientAuth: { mode: 'Strict', keys: 2 },
    });
    const [backend] = dump.backends as Array<{ id: string; groups: Array<{ group: number; providers: Array<Record<string, unknown>> }> }>;
    expect(backend!.id).toBe('ns/llm');
    expect(backend!.groups.map((g) => [g.group, g.providers.map((p) => p.name)])).toEqual([
      [1, ['opus']],
      [2, ['gpt']],
    ]);
    expect(backend!.groups[0]!.providers[0]).toMatchObject({
      id: 'ns/llm/opus',
      target: { kind: 'anthropic', model: 'claude-opus-4-6', baseUrl: 'http://127.0.0.1:9001', apiKey: '[redacted]' },
      health: { unhealthyCondition: 'response.code == 404 || response.code >= 500', eviction: { durationMs: 10_000, consecutiveFailures: 2 } },
    });
    expect(backend!.groups[1]!.providers[0]).toMatchObject({ target: { kind: 'openai', apiKey: '[redacted]' } });
  });
});
