/**
 * The tutorial's final state (examples/tutorial-failover.yaml) built with the components, for the
 * Kubernetes and AWS tests; infra/index.ts builds the same with config. The module is passed in
 * because it must be imported after the mocks are set.
 */
import type * as pulumi from '@pulumi/pulumi';
import { parseAllDocuments } from 'yaml';
import type * as Components from '../../components/index.js';
import { expandEnv } from '../../functions/config/env.js';
import { tutorialText, TUTORIAL_ENV } from '../support/manifests.js';

/**
 * The tutorial's objects, parsed at test time (never copied), with `${ANTHROPIC_API_KEY}` expanded
 * as the manifest loader does, to the tests' placeholder key.
 */
export function tutorialObjects(): Array<Record<string, unknown>> {
  return parseAllDocuments(tutorialText()).map((d) => expandEnv(d.toJS() as Record<string, unknown>, TUTORIAL_ENV));
}

/** The key the tutorial's Secret holds once expanded (TUTORIAL_KEY, a placeholder). */
export function tutorialKey(): string {
  const secret = tutorialObjects().find((o) => o.kind === 'Secret') as { stringData: { Authorization: string } };
  return secret.stringData.Authorization;
}

export function buildTutorial(c: typeof Components, gatewayArgs: Components.GatewayArgs, key: pulumi.Input<string>) {
  const gateway = new c.Gateway('agentgateway-openshell', gatewayArgs);
  const provider = (name: string, model: string) => ({ name, anthropic: { model }, policies: { auth: { key } } });
  const backend = new c.Backend('anthropic', {
    gateway,
    ai: {
      groups: [{ providers: [provider('anthropic-opus-46', 'claude-opus-4-6-FAKE')] }, { providers: [provider('anthropic-sonnet-46', 'claude-sonnet-4-6')] }],
    },
  });
  const policy = new c.Policy('failover-health', {
    gateway,
    targetRefs: [backend],
    backend: { health: { unhealthyCondition: 'response.code == 404 || response.code == 429', eviction: { duration: '10s', consecutiveFailures: 1 } } },
  });
  const route = new c.Route('openshell-openai', {
    gateway,
    parentRefs: [gateway],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }],
  });
  return { gateway, backend, policy, route };
}
