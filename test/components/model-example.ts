/**
 * The README's Model example (the components section), as model.test.ts runs it on both
 * platforms: two concrete Internal models, a virtual failover model over them, and the Gateway's
 * retry codes. Import it only after the Pulumi mocks are set (it imports the components).
 * `baseURL`: the tests' simulator (the README leaves it out: the vendors' own endpoints).
 */
import type * as pulumi from '@pulumi/pulumi';
import { Gateway, Model, Policy, type Platform } from '../../components/index.js';

export interface ModelExampleArgs {
  platform: Platform;
  openaiKey: pulumi.Input<string>;
  anthropicKey: pulumi.Input<string>;
  baseURL?: string;
}

export function modelExample({ platform, openaiKey, anthropicKey, baseURL }: ModelExampleArgs) {
  // README: begin
  const gateway = new Gateway('ai-gateway', {
    platform,
    namespace: 'ai',
    // agentgateway attaches models only to a listener that admits the kind (modelgate ignores `kinds`).
    listeners: [{ name: 'llm', port: 8080, protocol: 'HTTP', allowedRoutes: { kinds: [{ group: 'agentgateway.dev', kind: 'AgentgatewayModel' }] } }],
  });

  const openai = new Model('openai-models', {
    gateway,
    match: { model: 'openai/*' },
    visibility: 'Internal',
    provider: 'OpenAI',
    baseURL,
    policies: {
      auth: { key: openaiKey },
      transformations: [{ field: 'model', expression: 'llmRequest.model.stripPrefix("openai/")' }],
      health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '30s' } },
    },
  });
  const anthropic = new Model('anthropic-models', {
    gateway,
    match: { model: 'anthropic/*' },
    visibility: 'Internal',
    provider: 'Anthropic',
    baseURL,
    policies: {
      auth: { key: anthropicKey },
      transformations: [{ field: 'model', expression: 'llmRequest.model.stripPrefix("anthropic/")' }],
    },
  });

  // Clients ask for `resilient`; targets are Model components or names.
  const resilient = new Model('resilient', {
    gateway,
    virtualModel: {
      failover: {
        targets: [
          { modelRef: openai, model: 'openai/gpt-5-FAKE', priority: 0 },
          { modelRef: { name: 'anthropic-models' }, model: 'anthropic/claude-haiku-4-5', priority: 1 },
        ],
      },
    },
  });

  // A 404 is not retried by default; the Gateway's retry codes make it fail over.
  const retry = new Policy('gateway-retry', { gateway, targetRefs: [gateway], traffic: { retry: { codes: [404, 429, 503] } } });
  // README: end
  return { gateway, openai, anthropic, resilient, retry, urns: [gateway.urn, openai.urn, anthropic.urn, resilient.urn, retry.urn] };
}
