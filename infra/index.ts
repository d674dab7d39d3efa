/**
 * The Multi-Model Failover tutorial's final state (examples/tutorial-failover.yaml), deployed
 * with modelgate's components on the platform the stack's config names:
 *
 *   pulumi config set modelgate:platform aws|kubernetes     (default aws)
 *   pulumi config set --secret anthropicApiKey sk-ant-...
 *
 * A backend with two priority groups (Opus 4.6, then Sonnet 4.6), a health policy that evicts a
 * provider for 10 s after one 404 or 429, and a `/v1` route. Optional settings:
 *   modelgate:firstModel   the first group's model (`claude-opus-4-6-FAKE` shows a failover, as the tutorial does)
 *   modelgate:namespace    default `agentgateway-system`
 *   modelgate:authType     aws: `NONE` (default here: the tutorial's curl has no credentials) or `AWS_IAM`
 *   modelgate:clientApiKey a secret: when set, the route requires it (`Authorization: Bearer <key>` or
 *                          `x-api-key: <key>`); only its SHA-256 digest is stored
 */
import * as pulumi from '@pulumi/pulumi';
import { Backend, FunctionUrlAuthType, Gateway, Platform, Policy, Route, type GatewayArgs } from '../components/index.js';

const config = new pulumi.Config('modelgate');
const platform = config.get('platform') ?? Platform.Aws;
if (platform !== Platform.Aws && platform !== Platform.Kubernetes) {
  throw new Error(`modelgate:platform must be "aws" or "kubernetes", not ${JSON.stringify(platform)}`);
}
const authType = config.get('authType') ?? FunctionUrlAuthType.None;
if (authType !== FunctionUrlAuthType.None && authType !== FunctionUrlAuthType.AwsIam) {
  throw new Error(`modelgate:authType must be "NONE" or "AWS_IAM", not ${JSON.stringify(authType)}`);
}
const namespace = config.get('namespace') ?? 'agentgateway-system';
const apiKey = config.requireSecret('anthropicApiKey');
const clientApiKey = config.getSecret('clientApiKey');

const gatewayArgs: GatewayArgs =
  platform === Platform.Kubernetes
    ? {
        platform,
        namespace,
        gatewayClassName: 'agentgateway',
        listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
      }
    : { platform, namespace, authType };
const gateway = new Gateway('agentgateway-openshell', gatewayArgs);

const anthropic = (name: string, model: string) => ({ name, anthropic: { model }, policies: { auth: { key: apiKey } } });
const backend = new Backend('anthropic', {
  gateway,
  ai: {
    groups: [
      { providers: [anthropic('anthropic-opus-46', config.get('firstModel') ?? 'claude-opus-4-6')] },
      { providers: [anthropic('anthropic-sonnet-46', 'claude-sonnet-4-6')] },
    ],
  },
});

new Policy('failover-health', {
  gateway,
  targetRefs: [backend],
  backend: {
    health: {
      unhealthyCondition: 'response.code == 404 || response.code == 429',
      eviction: { duration: '10s', consecutiveFailures: 1 },
    },
  },
});

const route = new Route('openshell-openai', {
  gateway,
  parentRefs: [gateway],
  rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }],
});

// A client key, when configured: requests without it get a 401 and never reach Anthropic.
if (clientApiKey) {
  new Policy('client-auth', { gateway, targetRefs: [route], traffic: { apiKeyAuthentication: { keys: [clientApiKey] } } });
}

/** Where to send the tutorial's requests: `curl "$(pulumi stack output url)/v1/chat/completions" ...`. */
export const url = gateway.url;
