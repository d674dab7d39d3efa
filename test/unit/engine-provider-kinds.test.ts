/**
 * Provider adapters load by the kinds a config uses (providers/registry.ts): the engine starts the
 * load when it takes a config, a request waits only for what is left, a config swap loads the new
 * kinds, and a kind that cannot load answers that request with a 500 (logged) and is tried again.
 * The module registry is this file's own, so what is loaded here is what these engines loaded.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryLogger } from '../../functions/core/log.js';
import { Engine } from '../../functions/engine/engine.js';
import { providerKindsOf } from '../../functions/engine/provider-kinds.js';
import { loadedProviderKinds } from '../../functions/providers/registry.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { compileYaml, singleProviderYaml } from '../support/harness.js';
import { send } from '../support/metered.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ faults: () => undefined });
});
afterAll(async () => sim?.close());

const HELLO = { model: 'client-model', messages: [{ role: 'user', content: 'Hello there' }] };
const config = (provider: string) => compileYaml(singleProviderYaml(provider, sim.port, '{ auth: { key: sk-test-0123456789 } }'));

describe('provider adapters load by the kinds a config uses', () => {
  it('an OpenAI-only engine loads OpenAI alone and serves its first request; a swap to Anthropic loads Anthropic', async () => {
    expect(loadedProviderKinds()).toEqual([]);
    const engine = new Engine({ config: config('openai: { model: gpt-4o }') });
    // The first request comes before the load has had a turn: it waits for it.
    const first = await send(engine, HELLO);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).choices[0].message.content).toBeTypeOf('string');
    expect(loadedProviderKinds()).toEqual(['openai']);

    engine.setConfig(config('anthropic: { model: claude-sonnet-4-6 }'));
    const second = await send(engine, HELLO);
    expect(second.status).toBe(200);
    expect(second.headers['x-modelgate-attempts']).toMatch(/:200$/);
    expect(loadedProviderKinds().sort()).toEqual(['anthropic', 'openai']);
    // Messages clients of an OpenAI provider: the translation loads with the kind, not before.
    engine.setConfig(config('openai: { model: gpt-4o }'));
    const messages = await send(engine, { model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, '/v1/messages');
    expect(messages.status).toBe(200);
    expect(JSON.parse(messages.text).type).toBe('message');
    expect(loadedProviderKinds()).not.toContain('bedrock');
  });

  it("every kind a request could reach: the backends', models' included", () => {
    const kinds = providerKindsOf(
      compileYaml(`${singleProviderYaml('gemini: { model: gemini-2.5-flash }', sim.port, '{ auth: { key: k-0123456789 } }')}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: other }
spec: { ai: { provider: { bedrock: { model: m, region: us-east-1 }, host: 127.0.0.1, port: ${sim.port} } }, policies: { auth: { key: k-0123456789 } } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ai-gateway }
spec: { gatewayClassName: agentgateway, listeners: [{ name: llm, port: 8080, protocol: HTTP }] }
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayModel
metadata: { name: az }
spec: { parentRefs: [{ name: ai-gateway, sectionName: llm }], provider: Azure, azure: { resourceName: my-res, resourceType: OpenAI }, policies: { auth: { key: k-azure-0123456789 } } }`),
    );
    expect(kinds.sort()).toEqual(['azureopenai', 'bedrock', 'gemini']);
  });

  it('a kind that cannot load answers 500 in the API shape, logs why, and the next request loads it', async () => {
    vi.doMock('../../functions/providers/gemini/kind.js', () => {
      throw new Error('chunk missing');
    });
    const logger = new MemoryLogger();
    const engine = new Engine({ config: config('gemini: { model: gemini-2.5-flash }'), logger });
    const failed = await send(engine, HELLO);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.text).error.code).toBe('internal_error');
    expect(logger.entries.some((l) => l.event === 'internal_error' && /the gemini provider adapters could not be loaded/.test(l.message))).toBe(true);
    vi.doUnmock('../../functions/providers/gemini/kind.js');
    const served = await send(engine, HELLO);
    expect(served.status).toBe(200);
    expect(loadedProviderKinds()).toContain('gemini');
  });
});
