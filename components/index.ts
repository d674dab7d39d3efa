/**
 * modelgate's Pulumi components: a `Gateway` on Kubernetes (agentgateway) or AWS (a Lambda
 * function URL), and the `Backend`s, `Policy`s and `Route`s it serves, in agentgateway's and
 * Gateway API's resource model.
 */
export { Gateway, GATEWAY_TYPE, FunctionUrlAuthType, Architecture, AWS_DEFAULTS, LAMBDA_RUNTIME, type GatewayArgs, type KubernetesGatewayArgs, type AwsGatewayArgs, type LogLevel } from './gateway.js';
export { Platform } from './context.js';
export { Backend, BACKEND_TYPE, type BackendArgs } from './backend.js';
export { Policy, POLICY_TYPE, type PolicyArgs, type PolicyTarget } from './policy.js';
export { Route, ROUTE_TYPE, type RouteArgs, type RouteRuleArgs } from './route.js';
export { InvalidSpecError } from './object.js';
export type { Manifest } from './render.js';
export type * from './spec.js';
