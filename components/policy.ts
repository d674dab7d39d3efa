/**
 * `Policy`: an `AgentgatewayPolicy` — `backend` policies (health and eviction, auth, timeouts, ai)
 * attached to Backends (or one provider of a Backend, by `sectionName`), and `traffic` policies
 * (retries, request timeouts, client API keys, rate limits, JWT and basic authentication,
 * authorization, CORS, header changes, direct responses) attached to Routes or to the Gateway.
 * Client keys given as `traffic.apiKeyAuthentication.keys` go, as SHA-256 digests, into a Secret
 * `<name>-client-keys` the component creates, and basic-auth users given as
 * `traffic.basicAuthentication.users` into a Secret `<name>-basic-auth` (`.htaccess`); the object
 * refers to them with `secretRef`.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Backend } from './backend.js';
import type { Gateway } from './gateway.js';
import { resolveRef, SpecComponent } from './object.js';
import { AGENTGATEWAY_GROUP, GATEWAY_GROUP } from './render.js';
import type { Route } from './route.js';
import type { BackendPoliciesArgs, PolicyTargetRefArgs, TrafficPolicyArgs } from './spec.js';

export const POLICY_TYPE = 'modelgate:index:Policy';

/** A target: the component itself, or a reference by name (`{ group, kind, name, sectionName? }`). */
export type PolicyTarget = Backend | Route | Gateway | pulumi.Input<PolicyTargetRefArgs>;

export interface PolicyArgs {
  /** The Gateway the policy belongs to (platform, namespace, table). */
  gateway: Gateway;
  /** `metadata.name`; the component's name by default. */
  name?: pulumi.Input<string>;
  /** `spec.targetRefs`: what the policy applies to, all of one kind. */
  targetRefs: PolicyTarget[];
  /** `spec.backend`: health, auth, http, tcp and ai policies for the targeted Backends. */
  backend?: BackendPoliciesArgs;
  /**
   * `spec.traffic`: retry, timeouts, client API keys (`apiKeyAuthentication`), `rateLimit`,
   * `jwtAuthentication`, `basicAuthentication`, `authorization`, `cors`, `headerModifiers` and
   * `directResponse` for the targeted Routes or Gateway.
   */
  traffic?: pulumi.Input<TrafficPolicyArgs>;
}

const TARGET_KIND = { Backend: ['AgentgatewayBackend', AGENTGATEWAY_GROUP], Route: ['HTTPRoute', GATEWAY_GROUP], Gateway: ['Gateway', GATEWAY_GROUP] } as const;

export class Policy extends SpecComponent {
  constructor(name: string, args: PolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    const { gateway, name: objectName, targetRefs, ...spec } = args;
    super(
      POLICY_TYPE,
      'Policy',
      'AgentgatewayPolicy',
      name,
      { gateway, name: objectName },
      (owner, context, dependsOn) => ({
        targetRefs: Array.isArray(targetRefs)
          ? targetRefs.map((ref, i) =>
              resolveRef(
                owner,
                ref,
                { gateway: context, path: `targetRefs[${i}]` },
                ['Backend', 'Route', 'Gateway'],
                (info) => {
                  const [kind, group] = TARGET_KIND[info.component as keyof typeof TARGET_KIND];
                  return { group, kind, name: info.name };
                },
                dependsOn,
              ),
            )
          : targetRefs,
        ...spec,
      }),
      opts,
    );
  }
}
