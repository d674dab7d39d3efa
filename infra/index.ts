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
 *   modelgate:clientApiKey a secret: when set, the route requires it (`Authorization: Bearer <key>` or
 *                          `x-api-key: <key>`); only its SHA-256 digest is stored
 *   modelgate:authType     aws: `AWS_IAM` (default: callers sign with IAM credentials) or `NONE` (a public
 *                          URL; the default when clientApiKey is set, as the key then guards the route)
 *   modelgate:installAgentgateway
 *                          kubernetes: `true` installs agentgateway (pinned charts and CRDs) before the
 *                          gateway (default false: it is already in the cluster)
 */
import * as pulumi from '@pulumi/pulumi';
import { Backend, FunctionUrlAuthType, Gateway, Platform, Policy, Route, type GatewayArgs } from '../components/index.js';

const config = new pulumi.Config('modelgate');
const platform = config.get('platform') ?? Platform.Aws;
if (platform !== Platform.Aws && platform !== Platform.Kubernetes) {
  throw new Error(`modelgate:platform must be "aws" or "kubernetes", not ${JSON.stringify(platform)}`);
}
const namespace = config.get('namespace') ?? 'agentgateway-system';
const apiKey = config.requireSecret('anthropicApiKey');
const clientApiKey = config.getSecret('clientApiKey');
// Public only behind a client key: a public URL without one lets anyone with it spend the provider key.
const authType = config.get('authType') ?? (clientApiKey ? FunctionUrlAuthType.None : FunctionUrlAuthType.AwsIam);
if (authType !== FunctionUrlAuthType.None && authType !== FunctionUrlAuthType.AwsIam) {
  throw new Error(`modelgate:authType must be "NONE" or "AWS_IAM", not ${JSON.stringify(authType)}`);
}
const installAgentgateway = config.getBoolean('installAgentgateway') ?? false;

const gatewayArgs: GatewayArgs =
  platform === Platform.Kubernetes
    ? {
        platform,
        namespace,
        gatewayClassName: 'agentgateway',
        listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
        ...(installAgentgateway && { install: { agentgateway: true } }),
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
/** aws: SHA-256 of the Lambda bundle deployed (`pulumi stack output bundleSha256`); absent on kubernetes. */
export const bundleSha256 = gateway.bundleSha256;
