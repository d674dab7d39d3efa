/**
 * What the components know about each other, kept out of their public surface: a Backend, Policy
 * or Route reads its Gateway's platform, namespace, table and providers here, and a reference to
 * a component instance (in `targetRefs`, `backendRefs`, `parentRefs`) reads its kind and name.
 * Each component carries its own `ComponentInfo` under a symbol key, so nothing is kept in module
 * state and it is not one of the component's named fields.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../functions/model/validate.js';
import type { PlatformObjects } from './platforms.js';

export const Platform = { Kubernetes: 'kubernetes', Aws: 'aws' } as const;
/** Where a gateway runs: `kubernetes` (agentgateway routes) or `aws` (modelgate's Lambda function URL). */
export type Platform = (typeof Platform)[keyof typeof Platform];

export interface GatewayContext {
  /** Its platform may hold objects the components do not manage, so references to them are taken on trust (`GatewayPlatform.trustsUnmanaged`). */
  trustsUnmanaged: boolean;
  /** The gateway's `metadata.name` and namespace (every object of the gateway is in it). */
  name: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  /** The gateway's object, validated: `now` when its args were plain. */
  parsed: pulumi.Output<ManifestObject>;
  parsedNow: ManifestObject | undefined;
  /** `namespace/name` of the Secrets the components of this gateway hold provider keys in, when known at construction. */
  knownSecrets: Set<string>;
  /** `namespace/name` of the Secrets the Policies of this gateway hold client API keys (digests) in, likewise. */
  knownClientKeySecrets: Set<string>;
  /** `namespace/name` of the Secrets the Policies of this gateway hold basic-auth users (htpasswd lines) in, likewise. */
  knownBasicAuthSecrets: Set<string>;
  /** `namespace/name` of the Secrets the components of this gateway hold provider credentials (gcp, azure, aws) in, likewise, with entries that stand in for them in checks. */
  knownCredentialSecrets: Map<string, Readonly<Record<string, string>>>;
  /** The gateway's Models by `namespace/name`, validated, once known: what a virtual model's targets are checked against. */
  knownModels: Map<string, ManifestObject>;
  /** The validated objects of the gateway's Backends, Policies, Routes and Models, in construction order (the AWS public-URL check reads them). */
  objects: Array<pulumi.Output<ManifestObject>>;
  /** How the gateway's platform makes its objects, bound to what the gateway made there (provider, table, install). */
  platformObjects: PlatformObjects;
}

export type ComponentName = 'Gateway' | 'Backend' | 'Policy' | 'Route' | 'Model';

export interface ComponentInfo {
  component: ComponentName;
  gateway: GatewayContext;
  name: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  resource: pulumi.Resource;
}

/** The key a component keeps its `ComponentInfo` under (a symbol: never in outputs or named fields). */
export const COMPONENT_INFO: unique symbol = Symbol('modelgate.componentInfo');

/** What a component carries under `COMPONENT_INFO`. */
export interface HasComponentInfo {
  readonly [COMPONENT_INFO]: ComponentInfo;
}

/** The component behind a reference, or undefined when the value is not a modelgate component. */
export function componentInfo(value: unknown): ComponentInfo | undefined {
  if (value === null || typeof value !== 'object' || !(COMPONENT_INFO in value)) return undefined;
  return (value as HasComponentInfo)[COMPONENT_INFO];
}
