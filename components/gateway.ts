/**
 * `Gateway`: where the gateway runs, and the Gateway API `Gateway` object its routes attach to.
 *
 * - `kubernetes`: the `Gateway` custom resource in the namespace, run by agentgateway — already in
 *   the cluster, or installed with it (`install: { agentgateway: true }`). `pulumi up` waits until
 *   the controller has programmed the Gateway and given it an address, so `url`
 *   (`http://<address>:<port>`) is known when it returns.
 * - `aws`: modelgate's data plane as a Lambda function URL (response streaming), with the
 *   DynamoDB table that holds its config items and eviction state, the function's role (only
 *   what the handler calls, only on these resources), and its log group. `url` is the function URL.
 *
 * Each platform's args and resources are its own folder's (kubernetes/, aws/), found through the
 * table in platforms.ts; this file holds the args every platform shares, the object each renders,
 * and what the gateway's components read of it.
 */
import type * as aws from '@pulumi/aws';
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { AwsGatewayFields } from './aws/platform.js';
import { COMPONENT_INFO, Platform, type ComponentInfo, type GatewayContext } from './context.js';
import type { AgentgatewayInstall } from './kubernetes/install.js';
import type { KubernetesGatewayFields } from './kubernetes/platform.js';
import { InvalidSpecError, renderObject } from './object.js';
import { PLATFORMS, type GatewayBase, type GatewayPlatform } from './platforms.js';
import { DEFAULT_NAMESPACE, type Manifest } from './render.js';
import type { ListenerArgs } from './spec.js';
import { problem, type Owner } from './validation.js';

export { Platform };
export { AWS_DEFAULTS, Architecture, FunctionUrlAuthType, LAMBDA_RUNTIME, type LogLevel } from './aws/gateway.js';
export { GATEWAY_WAIT_FOR, KUBERNETES_DEFAULTS, readyMessage, TIMEOUT_ANNOTATION, WAIT_FOR_ANNOTATION } from './kubernetes/gateway.js';
export type { AwsGatewayArgs } from './aws/platform.js';
export type { KubernetesGatewayArgs, KubernetesInstallArgs } from './kubernetes/platform.js';

export const GATEWAY_TYPE = 'modelgate:index:Gateway';

/** What every platform's Gateway takes. */
export interface GatewayCommonArgs {
  /** `metadata.name` of the Gateway object; the component's name by default. */
  name?: pulumi.Input<string>;
  /** The namespace of the Gateway and of every object of its Backends, Policies and Routes (default `default`). */
  namespace?: pulumi.Input<string>;
  /** `spec.gatewayClassName` (default `agentgateway`). */
  gatewayClassName?: pulumi.Input<string>;
  /** `spec.listeners` (default: one HTTP listener `http` on port 8080 for routes of the same namespace). */
  listeners?: pulumi.Input<pulumi.Input<ListenerArgs>[]>;
}

/**
 * A Gateway's args: its platform, and the fields of that platform. One interface for both
 * platforms, as the schema other languages read has no unions: a field of the other platform is
 * refused when the component is constructed (`KubernetesGatewayArgs` and `AwsGatewayArgs` refuse it
 * when TypeScript compiles).
 */
export interface GatewayArgs extends GatewayCommonArgs, KubernetesGatewayFields, AwsGatewayFields {
  /** Where the gateway runs: `kubernetes` (agentgateway) or `aws` (a Lambda function URL). */
  platform: Platform;
  /**
   * The cluster (`kubernetes`) or the AWS account and region (`aws`); the component's `kubernetes`
   * or `aws` provider, or the default provider, otherwise. TypeScript only: in other languages,
   * pass it in the resource options' `providers`.
   */
  provider?: k8s.Provider | aws.Provider;
}

export class Gateway extends pulumi.ComponentResource {
  readonly platform!: Platform;
  /** Where clients send requests: the function URL (no trailing `/`), or `http://<address>:<port>`; `""` until known. */
  readonly url!: pulumi.Output<string>;
  /** `metadata.name` and namespace of the Gateway object. */
  readonly name!: pulumi.Output<string>;
  readonly namespace!: pulumi.Output<string>;
  /** The rendered Gateway object. */
  readonly manifest!: pulumi.Output<Manifest>;

  /** Kubernetes: the Gateway custom resource. */
  readonly resource?: k8s.apiextensions.CustomResource;
  /** Kubernetes, with `install.agentgateway`: what installs agentgateway; every object of the gateway depends on it. */
  readonly install?: AgentgatewayInstall;

  /** AWS: what runs the gateway. */
  readonly table?: aws.dynamodb.Table;
  readonly role?: aws.iam.Role;
  readonly rolePolicy?: aws.iam.RolePolicy;
  readonly function?: aws.lambda.Function;
  readonly logGroup?: aws.cloudwatch.LogGroup;
  readonly functionUrl?: aws.lambda.FunctionUrl;
  /** `NONE` only: the public `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` (via the URL) permissions. */
  readonly permissions?: aws.lambda.Permission[];
  /** The Gateway object's config item. */
  readonly item?: aws.dynamodb.TableItem;
  readonly tableName?: pulumi.Output<string>;
  readonly functionName?: pulumi.Output<string>;
  readonly roleName?: pulumi.Output<string>;
  readonly logGroupName?: pulumi.Output<string>;
  /** AWS: SHA-256 (hex) of the Lambda bundle deployed, also in the function's description, so a new build shows in a diff. */
  readonly bundleSha256?: pulumi.Output<string>;
  /** What a Backend, Policy or Route of this gateway (and a reference to the gateway) reads of it. */
  readonly [COMPONENT_INFO]!: ComponentInfo;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GATEWAY_TYPE, name, {}, opts);
    // Rehydrated (`opts.urn`: a reference to a Gateway that exists, from a program in another language): nothing to create.
    if (opts?.urn) return;
    const owner: Owner = { type: GATEWAY_TYPE, name };
    const platform = checkPlatform(this, owner, args);
    this.platform = args.platform;
    const objectName = args.name ?? name;
    const namespace = args.namespace ?? DEFAULT_NAMESPACE;
    const rendered = renderObject(
      this,
      owner,
      'Gateway',
      { meta: { name: objectName, namespace }, spec: { gatewayClassName: args.gatewayClassName, listeners: args.listeners } },
      { trustsUnmanaged: platform.trustsUnmanaged, knownSecrets: new Set(), checkReferences: false },
    );
    this.manifest = rendered.manifest;
    this.name = rendered.manifest.apply((m) => m.metadata.name);
    this.namespace = rendered.manifest.apply((m) => m.metadata.namespace);
    const base: GatewayBase = {
      trustsUnmanaged: platform.trustsUnmanaged,
      name: objectName,
      namespace,
      parsed: rendered.parsed,
      parsedNow: rendered.now?.parsed,
      knownSecrets: new Set(),
      knownClientKeySecrets: new Set(),
      knownBasicAuthSecrets: new Set(),
      knownCredentialSecrets: new Map(),
      knownModels: new Map(),
      objects: [],
    };

    const made = platform.createGateway({ parent: this, name, owner, args, manifest: rendered.manifest, gateway: base });
    Object.assign(this, made.fields);
    const context: GatewayContext = Object.assign(base, { platformObjects: made.objects });
    this[COMPONENT_INFO] = { component: 'Gateway', gateway: context, name: objectName, namespace, resource: this };

    // Every child resource, by the field that holds it, and every value output.
    this.registerOutputs({ name: this.name, namespace: this.namespace, manifest: this.manifest, ...made.fields });
  }
}

/**
 * The platform, one of those supported: a field of another platform is refused (`install` only
 * where there is a cluster to install into).
 */
function checkPlatform(resource: pulumi.Resource, owner: Owner, args: GatewayArgs): GatewayPlatform {
  const platform = args.platform;
  if (!Object.hasOwn(PLATFORMS, platform)) {
    const supported = Object.keys(PLATFORMS)
      .map((p) => JSON.stringify(p))
      .join(', ');
    throw new InvalidSpecError([problem(owner, 'platform', `Unsupported value: ${JSON.stringify(platform)}: supported values: ${supported}`)], resource);
  }
  const chosen = PLATFORMS[platform];
  const others = Object.entries(PLATFORMS).filter(([other]) => other !== platform);
  const misplaced = others.flatMap(([other, { fields }]) => fields.filter((field) => args[field] !== undefined && args[field] !== null).map((field) => ({ field, other })));
  if (misplaced.length > 0) {
    const why = (field: keyof GatewayArgs, other: string) => [`only for platform "${other}"`, chosen.refusals?.[field]].filter(Boolean).join(': ');
    throw new InvalidSpecError(
      misplaced.map(({ field, other }) => problem(owner, field, why(field, other))),
      resource,
    );
  }
  return chosen;
}
