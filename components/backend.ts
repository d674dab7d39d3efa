/**
 * `Backend`: an `AgentgatewayBackend` — the models a route can reach, one `provider` or priority
 * `groups` of providers, and the backend's `policies`. Provider keys (`auth.key`, Pulumi secrets)
 * go into Secrets the component creates; the object refers to them with `secretRef`.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Gateway } from './gateway.js';
import { SpecComponent } from './object.js';
import { hedgingAnnotations } from './hedging.js';
import type { AiBackendArgs, BackendPoliciesArgs, HedgingArgs } from './spec.js';

export const BACKEND_TYPE = 'modelgate:index:Backend';

export interface BackendArgs {
  /** The Gateway the backend belongs to (platform, namespace, table). */
  gateway: Gateway;
  /** `metadata.name`; the component's name by default. */
  name?: pulumi.Input<string>;
  /** `spec.ai`: a single `provider`, or priority `groups` tried in list order. */
  ai: AiBackendArgs;
  /** `spec.policies`: auth, health, http, tcp and ai policies for every provider of the backend. */
  policies?: BackendPoliciesArgs;
  /**
   * Hedged requests: when the current attempt has no first content `after` a delay (or `auto`), the
   * next provider in failover order is started as well, and the first to answer wins. modelgate's
   * (annotation `modelgate.dev/hedge-after`, ...); agentgateway ignores it.
   */
  hedging?: pulumi.Input<HedgingArgs>;
  /** A duration (`5s`): an attempt with no first content by then fails as a timeout and the request fails over (annotation `modelgate.dev/first-token-timeout`). */
  firstTokenTimeout?: pulumi.Input<string>;
}

export class Backend extends SpecComponent {
  constructor(name: string, args: BackendArgs, opts?: pulumi.ComponentResourceOptions) {
    const { gateway, name: objectName, hedging, firstTokenTimeout, ...spec } = args;
    const annotations = hedgingAnnotations(hedging, firstTokenTimeout);
    super(BACKEND_TYPE, 'Backend', 'AgentgatewayBackend', name, { gateway, name: objectName, ...(annotations && { annotations }) }, () => ({ ...spec }), opts);
  }
}
