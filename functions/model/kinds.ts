/**
 * The kinds of the two API groups modelgate reads, served or not. An object of one of these groups
 * whose kind is not among them is a typo (`AgentGatewayPolicy`): skipping it, as an unrelated
 * `Deployment` is skipped, would silently drop the policy it was meant to be.
 */
import { nearest, oneOf } from './suggest.js';

const AGENTGATEWAY_GROUP = 'agentgateway.dev';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * Every kind of each group: agentgateway's CRDs (controller/install/helm/agentgateway-crds), and
 * Gateway API's standard and experimental channels, past kinds included (`ReferencePolicy`), so a
 * real object of any release is skipped rather than refused.
 */
const GROUP_KINDS: Readonly<Record<string, readonly string[]>> = {
  [AGENTGATEWAY_GROUP]: ['AgentgatewayBackend', 'AgentgatewayPolicy', 'AgentgatewayModel', 'AgentgatewayParameters'],
  [GATEWAY_API_GROUP]: [
    'GatewayClass',
    'Gateway',
    'HTTPRoute',
    'GRPCRoute',
    'TLSRoute',
    'TCPRoute',
    'UDPRoute',
    'ReferenceGrant',
    'ReferencePolicy',
    'ListenerSet',
    'BackendTLSPolicy',
    'BackendLBPolicy',
    'BackendTrafficPolicy',
  ],
};

/** `agentgateway.dev` for `agentgateway.dev/v1alpha1`; `''` (the core group) for `v1`. */
function groupOf(apiVersion: string | undefined): string | undefined {
  if (apiVersion === undefined) return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

type KindVerdict =
  /** A kind of a group modelgate reads that it does not serve (AgentgatewayModel, GRPCRoute). */
  | { known: true }
  /** Not a kind of the group; `message` says so and what was probably meant. */
  | { known: false; message: string }
  /** Another group (apps/v1, v1): nothing to judge. */
  | undefined;

/** Judges a kind modelgate does not serve by the group its apiVersion names. */
export function judgeKind(apiVersion: string | undefined, kind: string): KindVerdict {
  const group = groupOf(apiVersion);
  const kinds = group !== undefined && Object.hasOwn(GROUP_KINDS, group) ? GROUP_KINDS[group]! : undefined;
  if (!kinds) return undefined;
  // `HTTPRouteList`: what the API server answers a list request with.
  if (kinds.includes(kind) || (kind.endsWith('List') && kinds.includes(kind.slice(0, -'List'.length)))) return { known: true };
  const guess = nearest(kind, kinds);
  return {
    known: false,
    message: `unknown kind ${kind} in ${apiVersion}: ${guess.length ? `did you mean ${oneOf(guess)}?` : `the kinds of ${group} are ${kinds.join(', ')}`}`,
  };
}
