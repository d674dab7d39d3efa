/**
 * The Kubernetes platform, as the table in ../platforms.ts reads it: its own Gateway args, and
 * what it makes of a Gateway (gateway.ts) and of each Backend, Policy, Route and Model (object.ts),
 * with its warning for a Model on a listener agentgateway would not attach it to (model-listeners.ts).
 */
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../context.js';
import type { GatewayCommonArgs } from '../gateway.js';
import type { GatewayPlatform } from '../platforms.js';
import { createKubernetesGateway } from './gateway.js';
import type { AgentgatewayInstallOptions } from './install.js';
import { unadmittedModelListeners } from './model-listeners.js';
import { createKubernetesObject } from './object.js';

/** What the Gateway installs in the cluster before its objects (nothing by default). */
export interface KubernetesInstallArgs {
  /**
   * agentgateway, its CRDs and the Gateway API CRDs, at pinned versions (`true`: the defaults).
   * Install it from one Gateway per cluster: a second install of the same charts conflicts.
   */
  agentgateway?: boolean | AgentgatewayInstallOptions;
}

/** What only a `kubernetes` gateway takes. */
export interface KubernetesGatewayFields {
  /** Installs agentgateway first (`{ agentgateway: true }`); off by default (it is already in the cluster). */
  install?: KubernetesInstallArgs;
  /**
   * Wait, in `pulumi up`, until the controller has programmed the Gateway and given it an address
   * (default true). `false`: no wait, and `url` stays `""` until a `pulumi refresh`.
   */
  awaitReady?: boolean;
  /** How long to wait, in seconds (default 300); past it the update fails. */
  readyTimeoutSeconds?: number;
}

export interface KubernetesGatewayArgs extends GatewayCommonArgs, KubernetesGatewayFields {
  platform: typeof Platform.Kubernetes;
  /** The cluster; the component's `kubernetes` provider or the default provider otherwise. */
  provider?: k8s.Provider;
}

export const KUBERNETES_PLATFORM: GatewayPlatform = {
  trustsUnmanaged: true,
  fields: ['install', 'awaitReady', 'readyTimeoutSeconds'] satisfies ReadonlyArray<keyof KubernetesGatewayFields>,
  createGateway: ({ parent, name, owner, args, manifest, gateway }) => {
    // No field of another platform is left (checked before): these are the Kubernetes args.
    const made = createKubernetesGateway(parent, name, owner, args as KubernetesGatewayArgs, manifest, gateway);
    // A Model on a listener that does not list the kind: agentgateway would never serve it.
    const rule = (owner: { type: string; name: string }, kind: string) =>
      kind === 'AgentgatewayModel'
        ? {
            check: (parsed: Parameters<typeof unadmittedModelListeners>[0]) =>
              unadmittedModelListeners(parsed, gateway.parsedNow).forEach((line) => void pulumi.log.warn(`${owner.type} ${owner.name}: ${line}`)),
          }
        : {};
    return { fields: { ...made.resources, url: made.url }, objects: { rule, create: (object) => createKubernetesObject(object, made.context) } };
  },
};
