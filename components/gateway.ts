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
 * Each platform's resources are made in its own folder (kubernetes/gateway.ts, aws/gateway.ts);
 * this file holds the args, the object both render, and what the gateway's components read of it.
 */
import type * as aws from '@pulumi/aws';
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { createAwsGateway, type AwsGatewayResources, type FunctionUrlAuthType, type Architecture, type LogLevel } from './aws/gateway.js';
import { COMPONENT_INFO, Platform, type ComponentInfo, type GatewayContext } from './context.js';
import { createKubernetesGateway, type KubernetesGatewayResources } from './kubernetes/gateway.js';
import type { AgentgatewayInstall, AgentgatewayInstallOptions } from './kubernetes/install.js';
import { InvalidSpecError, renderObject } from './object.js';
import { DEFAULT_NAMESPACE, type Manifest } from './render.js';
import type { ListenerArgs } from './spec.js';
import { problem, type Owner } from './validation.js';

export { Platform };
export { AWS_DEFAULTS, Architecture, FunctionUrlAuthType, LAMBDA_RUNTIME, type LogLevel } from './aws/gateway.js';
export { GATEWAY_WAIT_FOR, KUBERNETES_DEFAULTS, readyMessage, TIMEOUT_ANNOTATION, WAIT_FOR_ANNOTATION } from './kubernetes/gateway.js';

export const GATEWAY_TYPE = 'modelgate:index:Gateway';

interface GatewayCommonArgs {
  /** `metadata.name` of the Gateway object; the component's name by default. */
  name?: pulumi.Input<string>;
  /** The namespace of the Gateway and of every object of its Backends, Policies and Routes (default `default`). */
  namespace?: pulumi.Input<string>;
  /** `spec.gatewayClassName` (default `agentgateway`). */
  gatewayClassName?: pulumi.Input<string>;
  /** `spec.listeners` (default: one HTTP listener `http` on port 8080 for routes of the same namespace). */
  listeners?: pulumi.Input<pulumi.Input<ListenerArgs>[]>;
}

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

/** What only an `aws` gateway takes. */
export interface AwsGatewayFields {
  /**
   * The function URL's auth type (default `AWS_IAM`). `NONE` makes the gateway public — anyone
   * with the URL spends your provider keys. Decides which invoke permissions exist, so it is a
   * plain value.
   */
  authType?: FunctionUrlAuthType;
  /** Lambda memory in MB, 128-10240 (default 512). */
  memorySize?: pulumi.Input<number>;
  /** Lambda timeout in seconds, 1-900 (default 120): the longest a streamed answer may take. */
  timeout?: pulumi.Input<number>;
  /** Default `arm64`. */
  architecture?: pulumi.Input<Architecture>;
  /** Days the function's logs are kept (default 14). */
  logRetentionInDays?: pulumi.Input<number>;
  /** Tags for every AWS resource of the gateway and its components. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Point-in-time recovery of the table (default off: config is in the Pulumi program, eviction state is short-lived). */
  pointInTimeRecovery?: pulumi.Input<boolean>;
  /** How often the function re-reads config items, a Gateway API duration (default `10s`). */
  configRefreshInterval?: pulumi.Input<string>;
  /** The function's log level (default `info`). */
  logLevel?: pulumi.Input<LogLevel>;
  /**
   * Concurrent executions reserved for the function, and its ceiling (default: none, the
   * account's unreserved pool): bounds what a burst of requests can spend. 0 stops every invocation.
   */
  reservedConcurrency?: pulumi.Input<number>;
  /**
   * Physical names, instead of names derived from the component's name (`<name>-<7 random
   * characters>`). A Lambda function and an IAM role name are at most 64 characters, a DynamoDB
   * table name 255; the log group is `/aws/lambda/<function name>`. A resource with a fixed name
   * cannot be replaced without deleting it first.
   */
  functionName?: pulumi.Input<string>;
  roleName?: pulumi.Input<string>;
  tableName?: pulumi.Input<string>;
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

export interface KubernetesGatewayArgs extends GatewayCommonArgs, KubernetesGatewayFields {
  platform: typeof Platform.Kubernetes;
  /** The cluster; the component's `kubernetes` provider or the default provider otherwise. */
  provider?: k8s.Provider;
}

export interface AwsGatewayArgs extends GatewayCommonArgs, AwsGatewayFields {
  platform: typeof Platform.Aws;
  /** The AWS provider (account, region); the component's `aws` provider or the default provider otherwise. */
  provider?: aws.Provider;
}

/** Each platform's own fields, refused on the other platform. */
const PLATFORM_FIELDS = {
  kubernetes: ['install', 'awaitReady', 'readyTimeoutSeconds'],
  aws: [
    'authType',
    'memorySize',
    'timeout',
    'architecture',
    'logRetentionInDays',
    'tags',
    'pointInTimeRecovery',
    'configRefreshInterval',
    'logLevel',
    'reservedConcurrency',
    'functionName',
    'roleName',
    'tableName',
  ],
} as const satisfies { kubernetes: ReadonlyArray<keyof KubernetesGatewayFields>; aws: ReadonlyArray<keyof AwsGatewayFields> };

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
    const checked = checkPlatform(this, owner, args);
    const platform = checked.platform;
    this.platform = platform;
    const objectName = args.name ?? name;
    const namespace = args.namespace ?? DEFAULT_NAMESPACE;
    const rendered = renderObject(
      this,
      owner,
      'Gateway',
      { meta: { name: objectName, namespace }, spec: { gatewayClassName: args.gatewayClassName, listeners: args.listeners } },
      { platform, knownSecrets: new Set(), checkReferences: false },
    );
    this.manifest = rendered.manifest;
    this.name = rendered.manifest.apply((m) => m.metadata.name);
    this.namespace = rendered.manifest.apply((m) => m.metadata.namespace);
    const context: GatewayContext = { platform, name: objectName, namespace, parsed: rendered.parsed, parsedNow: rendered.now?.parsed, knownSecrets: new Set(), knownClientKeySecrets: new Set(), objects: [] };

    let created: Partial<KubernetesGatewayResources & AwsGatewayResources>;
    if (checked.platform === Platform.Kubernetes) {
      const k = createKubernetesGateway(this, name, owner, checked, rendered.manifest, { name: objectName, namespace });
      ({ resources: created, url: this.url, context: context.kubernetes } = k);
    } else {
      const a = createAwsGateway(this, name, owner, checked, rendered.manifest, context);
      ({ resources: created, context: context.aws } = a);
      this.url = a.resources.functionUrl.functionUrl.apply((u) => u.replace(/\/$/, ''));
      this.tableName = a.resources.table.name;
      this.functionName = a.resources.function.name;
      this.roleName = a.resources.role.name;
      this.logGroupName = a.resources.logGroup.name;
      this.bundleSha256 = pulumi.output(a.bundleSha256);
    }
    Object.assign(this, created);
    this[COMPONENT_INFO] = { component: 'Gateway', gateway: context, name: objectName, namespace, resource: this };

    // Every child resource, by the field that holds it, and every value output.
    this.registerOutputs({
      url: this.url,
      name: this.name,
      namespace: this.namespace,
      manifest: this.manifest,
      tableName: this.tableName,
      functionName: this.functionName,
      roleName: this.roleName,
      logGroupName: this.logGroupName,
      bundleSha256: this.bundleSha256,
      ...created,
    });
  }
}

/**
 * The platform, one of those supported, and the args as that platform's: a field of the other
 * platform is refused (`install` only where there is a cluster to install into).
 */
function checkPlatform(resource: pulumi.Resource, owner: Owner, args: GatewayArgs): KubernetesGatewayArgs | AwsGatewayArgs {
  const platform = args.platform;
  if (platform !== Platform.Kubernetes && platform !== Platform.Aws) {
    throw new InvalidSpecError([problem(owner, 'platform', `Unsupported value: ${JSON.stringify(platform)}: supported values: "kubernetes", "aws"`)], resource);
  }
  const other = platform === Platform.Aws ? Platform.Kubernetes : Platform.Aws;
  const misplaced = PLATFORM_FIELDS[other].filter((field) => args[field] !== undefined && args[field] !== null);
  if (misplaced.length > 0) {
    const why = (field: string) => (field === 'install' ? 'only for platform "kubernetes": on AWS the gateway is the Lambda function' : `only for platform "${other}"`);
    throw new InvalidSpecError(misplaced.map((field) => problem(owner, field, why(field))), resource);
  }
  return args as KubernetesGatewayArgs | AwsGatewayArgs;
}
