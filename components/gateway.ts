/**
 * `Gateway`: where the gateway runs, and the Gateway API `Gateway` object its routes attach to.
 *
 * - `kubernetes`: the `Gateway` custom resource in the namespace (agentgateway, already installed,
 *   runs it). `url` is `http://<address>:<port>` once the controller reports an address.
 * - `aws`: modelgate's data plane as a Lambda function URL (response streaming), with the
 *   DynamoDB table that holds its config items and eviction state, the function's role (only
 *   what the handler calls, only on these resources), and its log group. `url` is the function URL.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { HANDLER_BUNDLE_DIR, HANDLER_ENTRY, HANDLER_ENV, HANDLER_FILE } from '../functions/bundle.js';
import { DURATION_PATTERN, parseDuration } from '../functions/model/duration.js';
import { configItem, KEY, TTL_ATTRIBUTE } from '../functions/state/table-layout.js';
import { gatewayPolicy, lambdaTrustPolicy } from './aws-policies.js';
import { Platform, registerComponent, type GatewayContext } from './context.js';
import { checked } from './inputs.js';
import { asResourceError, InvalidSpecError, renderObject } from './object.js';
import { DEFAULT_NAMESPACE, type Manifest } from './render.js';
import type { ListenerArgs } from './spec.js';
import { problem, SpecError, type Owner } from './validation.js';

export { Platform };

export const GATEWAY_TYPE = 'modelgate:index:Gateway';

/** Who may call the function URL: anyone (`NONE`), or callers that sign with IAM credentials allowed to invoke it (`AWS_IAM`). */
export const FunctionUrlAuthType = { None: 'NONE', AwsIam: 'AWS_IAM' } as const;
export type FunctionUrlAuthType = (typeof FunctionUrlAuthType)[keyof typeof FunctionUrlAuthType];

export const Architecture = { Arm64: 'arm64', X86_64: 'x86_64' } as const;
export type Architecture = (typeof Architecture)[keyof typeof Architecture];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The Lambda runtime the bundle is built for (scripts/build.mjs targets node22). */
export const LAMBDA_RUNTIME = 'nodejs22.x';

/** Defaults the component owns. */
export const AWS_DEFAULTS = {
  authType: FunctionUrlAuthType.AwsIam,
  memorySize: 512,
  timeout: 120,
  architecture: Architecture.Arm64,
  logRetentionInDays: 14,
  pointInTimeRecovery: false,
  configRefreshInterval: '10s',
} as const;

/** CloudWatch Logs' allowed retention periods, in days (0: never expire). */
const LOG_RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

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

export interface KubernetesGatewayArgs extends GatewayCommonArgs {
  platform: typeof Platform.Kubernetes;
  /** The cluster; the component's `kubernetes` provider or the default provider otherwise. */
  provider?: k8s.Provider;
}

export interface AwsGatewayArgs extends GatewayCommonArgs {
  platform: typeof Platform.Aws;
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
  /** The AWS provider (account, region); the component's `aws` provider or the default provider otherwise. */
  provider?: aws.Provider;
}

export type GatewayArgs = KubernetesGatewayArgs | AwsGatewayArgs;

export class Gateway extends pulumi.ComponentResource {
  readonly platform: Platform;
  /** Where clients send requests: the function URL (no trailing `/`), or `http://<address>:<port>`; `""` until known. */
  readonly url: pulumi.Output<string>;
  /** `metadata.name` and namespace of the Gateway object. */
  readonly name: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** The rendered Gateway object. */
  readonly manifest: pulumi.Output<Manifest>;

  /** Kubernetes: the Gateway custom resource. */
  readonly resource?: k8s.apiextensions.CustomResource;

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

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GATEWAY_TYPE, name, {}, opts);
    const owner: Owner = { type: GATEWAY_TYPE, name };
    const platform = args.platform;
    if (platform !== Platform.Kubernetes && platform !== Platform.Aws) {
      throw new InvalidSpecError([problem(owner, 'platform', `Unsupported value: ${JSON.stringify(platform)}: supported values: "kubernetes", "aws"`)], this);
    }
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

    const context: GatewayContext = {
      platform,
      name: objectName,
      namespace,
      parsed: rendered.parsed,
      parsedNow: rendered.now?.parsed,
      knownSecrets: new Set(),
      knownClientKeySecrets: new Set(),
    };

    if (args.platform === Platform.Kubernetes) {
      const provider = args.provider ?? this.getProvider('kubernetes::');
      context.kubernetes = { provider };
      this.resource = new k8s.apiextensions.CustomResource(
        name,
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: rendered.manifest.apply((m) => m.metadata),
          spec: rendered.manifest.apply((m) => m.spec),
          // Not an input: asks for the live object's status (the controller's addresses) as an output.
          status: undefined,
        },
        { parent: this, provider },
      );
      const status = (this.resource as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
      this.url = pulumi.all([status, rendered.manifest]).apply(([s, m]) => addressUrl(s, m));
    } else {
      const created = createAws(this, name, owner, args, rendered.manifest);
      this.table = created.table;
      this.role = created.role;
      this.rolePolicy = created.rolePolicy;
      this.function = created.fn;
      this.logGroup = created.logGroup;
      this.functionUrl = created.functionUrl;
      this.permissions = created.permissions;
      this.item = created.item;
      this.tableName = created.table.name;
      this.functionName = created.fn.name;
      this.roleName = created.role.name;
      this.logGroupName = created.logGroup.name;
      context.aws = { provider: created.provider, tableName: created.table.name, roleId: created.role.id, tags: args.tags };
      this.url = created.functionUrl.functionUrl.apply((u) => u.replace(/\/$/, ''));
    }
    registerComponent(this, { component: 'Gateway', gateway: context, name: objectName, namespace, resource: this });

    this.registerOutputs({
      url: this.url,
      name: this.name,
      namespace: this.namespace,
      manifest: this.manifest,
      resource: this.resource,
      table: this.table,
      role: this.role,
      function: this.function,
      logGroup: this.logGroup,
      functionUrl: this.functionUrl,
      tableName: this.tableName,
      functionName: this.functionName,
      roleName: this.roleName,
      logGroupName: this.logGroupName,
    });
  }
}

/** The AWS platform's resources, children of the gateway component. */
function createAws(parent: Gateway, name: string, owner: Owner, args: AwsGatewayArgs, object: pulumi.Output<Manifest>) {
  const s = asResourceError(parent, () => awsSettings(parent, owner, args));
  const provider = args.provider ?? parent.getProvider('aws::');
  const opts = { parent, provider };
  const bundle = join(HANDLER_BUNDLE_DIR, HANDLER_FILE);
  if (!existsSync(bundle)) {
    throw new pulumi.ResourceError(`${owner.type} ${owner.name}: the Lambda bundle ${bundle} is missing; run \`npm run build\` (npm ci does it) first`, parent, true);
  }

  const table = new aws.dynamodb.Table(
    name,
    {
      attributes: [
        { name: KEY.partition, type: 'S' },
        { name: KEY.sort, type: 'S' },
      ],
      hashKey: KEY.partition,
      rangeKey: KEY.sort,
      billingMode: 'PAY_PER_REQUEST',
      ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
      pointInTimeRecovery: { enabled: s.pointInTimeRecovery },
      tags: args.tags,
    },
    opts,
  );
  const role = new aws.iam.Role(
    name,
    { description: `modelgate gateway ${owner.name}: the Lambda function's role`, assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()), tags: args.tags },
    opts,
  );
  const fn = new aws.lambda.Function(
    name,
    {
      description: `modelgate gateway ${owner.name}`,
      runtime: LAMBDA_RUNTIME,
      handler: HANDLER_ENTRY,
      architectures: [s.architecture],
      memorySize: s.memorySize,
      timeout: s.timeout,
      role: role.arn,
      code: new pulumi.asset.AssetArchive({ [HANDLER_FILE]: new pulumi.asset.FileAsset(bundle) }),
      environment: {
        variables: {
          [HANDLER_ENV.table]: table.name,
          [HANDLER_ENV.configRefreshMs]: pulumi.output(s.configRefreshInterval).apply((d) => String(parseDuration(d))),
          ...(s.logLevel !== undefined && { [HANDLER_ENV.logLevel]: s.logLevel }),
        },
      },
      tags: args.tags,
    },
    opts,
  );
  const logGroup = new aws.cloudwatch.LogGroup(
    name,
    { name: pulumi.interpolate`/aws/lambda/${fn.name}`, retentionInDays: s.logRetentionInDays, tags: args.tags },
    opts,
  );
  const rolePolicy = new aws.iam.RolePolicy(
    name,
    { role: role.id, policy: pulumi.all([table.arn, logGroup.arn]).apply(([tableArn, logGroupArn]) => JSON.stringify(gatewayPolicy(tableArn, logGroupArn))) },
    opts,
  );
  // No request reaches the function before it can log and read its table.
  const functionUrl = new aws.lambda.FunctionUrl(
    name,
    { functionName: fn.name, authorizationType: s.authType, invokeMode: 'RESPONSE_STREAM' },
    { ...opts, dependsOn: [logGroup, rolePolicy] },
  );
  // AWS_IAM: callers need lambda:InvokeFunctionUrl and lambda:InvokeFunction in their own (identity)
  // policies, nothing public. NONE: since October 2025 a public function URL needs both
  // permissions for principal `*` in the function's resource policy; the second only via the URL.
  const permissions =
    s.authType === FunctionUrlAuthType.None
      ? [
          new aws.lambda.Permission(
            `${name}-public-url`,
            { function: fn.name, action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: FunctionUrlAuthType.None },
            opts,
          ),
          new aws.lambda.Permission(
            `${name}-public-invoke`,
            { function: fn.name, action: 'lambda:InvokeFunction', principal: '*', invokedViaFunctionUrl: true },
            opts,
          ),
        ]
      : [];
  const item = new aws.dynamodb.TableItem(
    name,
    { tableName: table.name, hashKey: KEY.partition, rangeKey: KEY.sort, item: object.apply((o) => JSON.stringify(configItem(o))) },
    opts,
  );

  return { provider, table, role, rolePolicy, fn, logGroup, functionUrl, permissions, item };
}

interface GatewayStatus {
  addresses?: Array<{ type?: string; value?: string }>;
}

/** `http://<first address>:<first listener's port>`, or `""` while the controller has reported none. */
function addressUrl(status: GatewayStatus | undefined, object: Manifest): string {
  const address = status?.addresses?.find((a) => a.value)?.value;
  if (!address) return '';
  const listeners = (object.spec as { listeners?: Array<{ port?: number }> }).listeners ?? [];
  const port = listeners[0]?.port ?? 80;
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}${port === 80 ? '' : `:${port}`}`;
}

/** The AWS settings with their defaults, each checked now when plain, or when known. */
function awsSettings(resource: pulumi.Resource, owner: Owner, args: AwsGatewayArgs) {
  const check =
    <T>(path: string, test: (v: T) => string | undefined) =>
    (value: T) =>
      asResourceError(resource, () => {
        const bad = test(value);
        if (bad !== undefined) throw new SpecError([problem(owner, path, bad)]);
      });
  const intIn = (min: number, max: number, unit: string) => (v: number) =>
    Number.isInteger(v) && v >= min && v <= max ? undefined : `Invalid value: ${JSON.stringify(v)}: must be an integer from ${min} to ${max} ${unit}`;
  const oneOf =
    <T>(values: readonly T[]) =>
    (v: T) =>
      values.includes(v) ? undefined : `Unsupported value: ${JSON.stringify(v)}: supported values: ${values.map((x) => JSON.stringify(x)).join(', ')}`;

  const authType = args.authType ?? AWS_DEFAULTS.authType;
  check('authType', oneOf(Object.values(FunctionUrlAuthType)))(authType);
  return {
    authType,
    memorySize: checked(args.memorySize ?? AWS_DEFAULTS.memorySize, check('memorySize', intIn(128, 10_240, 'MB'))),
    timeout: checked(args.timeout ?? AWS_DEFAULTS.timeout, check('timeout', intIn(1, 900, 'seconds'))),
    architecture: checked<Architecture>(args.architecture ?? AWS_DEFAULTS.architecture, check('architecture', oneOf(Object.values(Architecture)))),
    logRetentionInDays: checked(args.logRetentionInDays ?? AWS_DEFAULTS.logRetentionInDays, check('logRetentionInDays', oneOf(LOG_RETENTION_DAYS))),
    pointInTimeRecovery: checked(args.pointInTimeRecovery ?? AWS_DEFAULTS.pointInTimeRecovery, check('pointInTimeRecovery', (v: boolean) => (typeof v === 'boolean' ? undefined : `Invalid value: ${JSON.stringify(v)}: must be of type boolean`))),
    configRefreshInterval: checked(
      args.configRefreshInterval ?? AWS_DEFAULTS.configRefreshInterval,
      check('configRefreshInterval', (v: string) =>
        typeof v === 'string' && DURATION_PATTERN.test(v) && parseDuration(v)! >= 1_000 ? undefined : `Invalid value: ${JSON.stringify(v)}: must be a duration of at least 1s (should match '${DURATION_PATTERN.source}')`,
      ),
    ),
    logLevel: args.logLevel === undefined ? undefined : checked<LogLevel>(args.logLevel, check('logLevel', oneOf<LogLevel>(['debug', 'info', 'warn', 'error']))),
  };
}
