/**
 * `Route`: a Gateway API `HTTPRoute` — which requests (path, headers, method, query) go to which
 * Backends. `parentRefs` defaults to the route's own Gateway.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Backend } from './backend.js';
import type { Gateway } from './gateway.js';
import { resolveRef, SpecComponent } from './object.js';
import { AGENTGATEWAY_GROUP, type Plain } from './render.js';
import type { BackendRefArgs, ParentRefArgs, RouteMatchArgs } from './spec.js';

export const ROUTE_TYPE = 'modelgate:index:Route';

export interface RouteRuleArgs {
  name?: pulumi.Input<string>;
  /** Default: every path (`PathPrefix /`). */
  matches?: pulumi.Input<pulumi.Input<RouteMatchArgs>[]>;
  /** A Backend component, or a reference by name (`{ group: agentgateway.dev, kind: AgentgatewayBackend, name }`). */
  backendRefs?: Array<Backend | pulumi.Input<BackendRefArgs>>;
  timeouts?: pulumi.Input<{ request?: pulumi.Input<string>; backendRequest?: pulumi.Input<string> }>;
}

export interface RouteArgs {
  /** The Gateway the route belongs to (platform, namespace, table). */
  gateway: Gateway;
  /** `metadata.name`; the component's name by default. */
  name?: pulumi.Input<string>;
  /** `spec.parentRefs`: Gateway components or references by name; default: `[gateway]`. */
  parentRefs?: Array<Gateway | pulumi.Input<ParentRefArgs>>;
  /** `spec.hostnames`. */
  hostnames?: pulumi.Input<pulumi.Input<string>[]>;
  /** `spec.rules`. */
  rules?: RouteRuleArgs[];
}

export class Route extends SpecComponent {
  constructor(name: string, args: RouteArgs, opts?: pulumi.ComponentResourceOptions) {
    const { gateway, name: objectName, parentRefs, rules, ...spec } = args;
    super(
      ROUTE_TYPE,
      'Route',
      'HTTPRoute',
      name,
      { gateway, name: objectName },
      (owner, context, dependsOn) => {
        const parents = parentRefs ?? [gateway];
        return {
          parentRefs: Array.isArray(parents)
            ? parents.map((ref, i) =>
                resolveRef(owner, ref, { gateway: context, path: `parentRefs[${i}]` }, ['Gateway'], (info) => ({ name: info.name, namespace: info.namespace }), dependsOn),
              )
            : parents,
          ...spec,
          rules: Array.isArray(rules)
            ? rules.map((rule, r) => {
                if (rule === null || typeof rule !== 'object' || !Array.isArray(rule.backendRefs)) return rule;
                const backendRefs = rule.backendRefs.map((ref, b) =>
                  resolveRef(
                    owner,
                    ref,
                    { gateway: context, path: `rules[${r}].backendRefs[${b}]` },
                    ['Backend'],
                    (info) => ({ name: info.name, namespace: info.namespace, group: AGENTGATEWAY_GROUP, kind: 'AgentgatewayBackend' }),
                    dependsOn,
                  ),
                );
                return { ...rule, backendRefs } as Plain;
              })
            : rules,
        };
      },
      opts,
    );
  }
}
