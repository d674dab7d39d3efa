/**
 * Where a gateway runs, as one table: each platform's folder implements `GatewayPlatform` in its
 * `platform.ts` (the gateway's resources and outputs, its objects' resources, its own arg fields),
 * and `PLATFORMS` maps each `Platform` to it. The shared constructors (gateway.ts, object.ts) look
 * the platform up here and never branch on it: a new platform is a folder and a line below.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../functions/model/validate.js';
import { AWS_PLATFORM } from './aws/platform.js';
import type { COMPONENT_INFO, GatewayContext, Platform } from './context.js';
import type { Gateway, GatewayArgs } from './gateway.js';
import { KUBERNETES_PLATFORM } from './kubernetes/platform.js';
import type { OwnedSecret, Rendered, SpecComponent } from './object.js';
import type { ComponentKind, Manifest, Plain } from './render.js';
import type { Owner } from './validation.js';

/** The `Gateway` fields a platform fills: `url`, and its own child resources and value outputs (the others stay undefined). */
export type PlatformGatewayFields = Pick<Gateway, 'url'> &
  Partial<Omit<Gateway, keyof pulumi.ComponentResource | 'url' | 'platform' | 'name' | 'namespace' | 'manifest' | typeof COMPONENT_INFO>>;

/** The fields of a Backend, Policy or Route a platform fills: its child resources. */
export type PlatformObjectFields = Partial<Omit<SpecComponent, keyof pulumi.ComponentResource | 'name' | 'namespace' | 'manifest' | 'secretNames' | typeof COMPONENT_INFO>>;

/** What the gateway's Backends, Policies and Routes share before the platform has made anything. */
export type GatewayBase = Omit<GatewayContext, 'platformObjects'>;

/** What a platform decided about one object from its spec before rendering, and the check it adds to the object's validation. */
export interface ObjectRule {
  check?: (parsed: ManifestObject) => void;
}

/** One Backend, Policy or Route, rendered and validated, for its platform to make. */
export interface ObjectToCreate {
  parent: pulumi.Resource;
  /** The component's name: its resources are named after it. */
  name: string;
  kind: ComponentKind;
  rendered: Rendered;
  /** The Secrets of its keys. */
  owned: readonly OwnedSecret[];
  /** The components it refers to: its object waits for them. */
  dependsOn: readonly pulumi.Resource[];
}

/**
 * How one gateway's objects are made on its platform, bound to what the gateway made (its
 * provider, its table, its install). `Rule`: what `rule` decides and `create` reads back.
 */
export interface PlatformObjects<Rule extends ObjectRule = ObjectRule> {
  /** The platform's own rule over an object (AWS: which bedrock models the role may invoke), from its keyless spec; none by default. */
  rule?(owner: Owner, kind: ComponentKind, spec: Plain): Rule;
  create(object: ObjectToCreate, rule: Rule | undefined): PlatformObjectFields;
}

/** A Gateway component, its args and its validated object, for its platform to make. */
export interface GatewayToCreate {
  parent: pulumi.ComponentResource;
  name: string;
  owner: Owner;
  /** The args, with no field of another platform (checked before). */
  args: GatewayArgs;
  manifest: pulumi.Output<Manifest>;
  gateway: GatewayBase;
}

export interface GatewayPlatform {
  /** The `GatewayArgs` fields only this platform takes: refused on any other. */
  fields: ReadonlyArray<keyof GatewayArgs>;
  /**
   * Whether the platform may hold objects the components do not manage (a cluster's Secrets,
   * Gateways, ReferenceGrants), so references to them are taken on trust; if not (AWS's table holds
   * only what the components write), a reference must be to one of this gateway's components.
   */
  trustsUnmanaged: boolean;
  /** Why a field of another platform means nothing here, added to its refusal (`install` on AWS). */
  refusals?: Partial<Record<keyof GatewayArgs, string>>;
  /** The gateway's resources, as children of the component; its fields; and how its objects are made. */
  createGateway(gateway: GatewayToCreate): { fields: PlatformGatewayFields; objects: PlatformObjects };
}

/** Every platform, in the order error messages list them. */
export const PLATFORMS: { readonly [P in Platform]: GatewayPlatform } = {
  kubernetes: KUBERNETES_PLATFORM,
  aws: AWS_PLATFORM,
};
