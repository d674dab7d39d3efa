/**
 * modelgate's Pulumi components: a `Gateway` on Kubernetes (agentgateway) or AWS (a Lambda
 * function URL), and the `Backend`s, `Policy`s, `Route`s and `Model`s it serves, in agentgateway's and
 * Gateway API's resource model.
 */
export {
  Gateway,
  GATEWAY_TYPE,
  FunctionUrlAuthType,
  Architecture,
  AWS_DEFAULTS,
  KUBERNETES_DEFAULTS,
  LAMBDA_RUNTIME,
  GATEWAY_WAIT_FOR,
  WAIT_FOR_ANNOTATION,
  TIMEOUT_ANNOTATION,
  type GatewayArgs,
  type KubernetesGatewayArgs,
  type KubernetesInstallArgs,
  type AwsGatewayArgs,
  type LogLevel,
} from './gateway.js';
export {
  AgentgatewayInstall,
  AGENTGATEWAY_INSTALL_TYPE,
  AGENTGATEWAY_VERSION,
  AGENTGATEWAY_CHART,
  AGENTGATEWAY_CRDS_CHART,
  AGENTGATEWAY_CHART_REGISTRY,
  AGENTGATEWAY_NAMESPACE,
  GATEWAY_API_VERSION,
  gatewayApiCrdsUrl,
  type AgentgatewayInstallArgs,
  type AgentgatewayInstallOptions,
} from './kubernetes/install.js';
export { Platform } from './context.js';
export { Backend, BACKEND_TYPE, type BackendArgs } from './backend.js';
export { Policy, POLICY_TYPE, type PolicyArgs, type PolicyTarget } from './policy.js';
export { Route, ROUTE_TYPE, type RouteArgs, type RouteRuleArgs } from './route.js';
export {
  Model,
  MODEL_TYPE,
  type ModelArgs,
  type ModelTarget,
  type VirtualModelArgs,
  type FailoverTargetArgs,
  type WeightedTargetArgs,
  type ConditionalTargetArgs,
} from './model.js';
export { InvalidSpecError } from './object.js';
export type { Manifest } from './render.js';
export type * from './spec.js';
