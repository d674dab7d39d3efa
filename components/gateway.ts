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
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { HANDLER_BUNDLE_DIR, HANDLER_ENTRY, HANDLER_ENV, HANDLER_FILE } from '../functions/bundle.js';
import { DURATION_PATTERN, parseDuration } from '../functions/model/duration.js';
import { compileConfig, ConfigError } from '../functions/model/compile.js';
import type { ManifestObject } from '../functions/model/validate.js';
import { configItem, KEY, TTL_ATTRIBUTE } from '../functions/state/table-layout.js';
import { gatewayPolicy, lambdaTrustPolicy } from './aws-policies.js';
import { Platform, registerComponent, type GatewayContext } from './context.js';
import { checked, hasUnresolved, isPlainObject } from './inputs.js';
import { AgentgatewayInstall, checkInstall, type AgentgatewayInstallOptions } from './install.js';
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

/** What the Gateway installs in the cluster before its objects (nothing by default). */
export interface KubernetesInstallArgs {
  /**
   * agentgateway, its CRDs and the Gateway API CRDs, at pinned versions (`true`: the defaults).
   * Install it from one Gateway per cluster: a second install of the same charts conflicts.
   */
  agentgateway?: boolean | AgentgatewayInstallOptions;
}

/** Defaults of the Kubernetes platform. */
export const KUBERNETES_DEFAULTS = {
  /** How long `pulumi up` waits for the Gateway to be Programmed and to have an address. */
  readyTimeoutSeconds: 300,
} as const;

/**
 * The `pulumi.com/waitFor` annotation the Gateway object carries: Pulumi's Kubernetes provider
 * (4.18+) waits until every expression holds — the controller's `Programmed` condition, and an
 * address in `status.addresses` (set by another loop of the controller, so not implied by it).
 */
export const GATEWAY_WAIT_FOR = JSON.stringify(['condition=Programmed', 'jsonpath={.status.addresses[0].value}']);
export const WAIT_FOR_ANNOTATION = 'pulumi.com/waitFor';
export const TIMEOUT_ANNOTATION = 'pulumi.com/timeoutSeconds';

export interface KubernetesGatewayArgs extends GatewayCommonArgs {
  platform: typeof Platform.Kubernetes;
  /** The cluster; the component's `kubernetes` provider or the default provider otherwise. */
  provider?: k8s.Provider;
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
      objects: [],
    };
    if (platform === Platform.Aws && (args as { install?: unknown }).install !== undefined) {
      throw new InvalidSpecError([problem(owner, 'install', 'only for platform "kubernetes": on AWS the gateway is the Lambda function')], this);
    }

    if (args.platform === Platform.Kubernetes) {
      const provider = args.provider ?? this.getProvider('kubernetes::');
      const ready = readiness(this, owner, args);
      this.install = createInstall(this, name, owner, args.install, provider);
      // Every object of the gateway waits for the install: its CRDs, its controller, its namespace.
      const installed: pulumi.Resource[] = this.install ? [this.install] : [];
      context.kubernetes = { provider, dependsOn: installed };
      this.resource = new k8s.apiextensions.CustomResource(
        name,
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          // The await annotations are instructions to Pulumi's provider, not part of the object: not in `manifest`.
          metadata: rendered.manifest.apply((m) => (ready ? { ...m.metadata, annotations: { ...m.metadata.annotations, ...ready.annotations } } : m.metadata)),
          spec: rendered.manifest.apply((m) => m.spec),
          // Not an input: asks for the live object's status (the controller's addresses) as an output.
          status: undefined,
        },
        { parent: this, provider, dependsOn: installed },
      );
      if (ready && pulumi.runtime.hasEngine() && !pulumi.runtime.isDryRun()) {
        // The provider's timeout says only "timed out waiting for the condition": say here what is awaited, and why it may never come.
        pulumi.log.info(readyMessage(owner, objectName, namespace, args.gatewayClassName, ready.timeoutSeconds, this.install !== undefined), this.resource);
      }
      // The object Pulumi returns is the one it awaited: its status has the address the url is made of.
      const status = (this.resource as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
      this.url = pulumi.all([status, rendered.manifest]).apply(([s, m]) => addressUrl(s, m));
    } else {
      const created = createAws(this, name, owner, args, rendered.manifest, context);
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
      this.bundleSha256 = pulumi.output(created.bundleSha256);
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
      install: this.install,
      table: this.table,
      role: this.role,
      function: this.function,
      logGroup: this.logGroup,
      functionUrl: this.functionUrl,
      tableName: this.tableName,
      functionName: this.functionName,
      roleName: this.roleName,
      logGroupName: this.logGroupName,
      bundleSha256: this.bundleSha256,
    });
  }
}

/** The install `install.agentgateway` asks for, a child of the gateway; undefined when off. */
function createInstall(parent: Gateway, name: string, owner: Owner, install: KubernetesInstallArgs | undefined, provider: pulumi.ProviderResource | undefined) {
  if (install === undefined) return undefined;
  if (!isPlainObject(install)) throw new InvalidSpecError([problem(owner, 'install', 'Invalid value: must be an object such as { agentgateway: true }')], parent);
  const unknown = Object.keys(install).filter((k) => k !== 'agentgateway');
  if (unknown.length > 0) throw new InvalidSpecError(unknown.map((k) => problem(owner, `install.${k}`, 'unknown field: supported fields: agentgateway')), parent);
  const agentgateway = install.agentgateway;
  if (agentgateway === undefined || agentgateway === false) return undefined;
  const options = agentgateway === true ? {} : agentgateway;
  checkInstall(parent, owner, 'install.agentgateway', options);
  return new AgentgatewayInstall(name, { ...options, ...(provider && { provider }) }, { parent });
}

/** The await annotations of the Gateway object, or undefined with `awaitReady: false`. */
function readiness(resource: pulumi.Resource, owner: Owner, args: KubernetesGatewayArgs) {
  const problems: string[] = [];
  if (args.awaitReady !== undefined && typeof args.awaitReady !== 'boolean') problems.push(problem(owner, 'awaitReady', `Invalid value: ${JSON.stringify(args.awaitReady)}: must be of type boolean`));
  const timeoutSeconds = args.readyTimeoutSeconds ?? KUBERNETES_DEFAULTS.readyTimeoutSeconds;
  // Plain: it is an annotation, and the wait it bounds is decided before the object exists.
  if (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 86_400) {
    problems.push(problem(owner, 'readyTimeoutSeconds', `Invalid value: ${JSON.stringify(timeoutSeconds)}: must be an integer from 1 to 86400 seconds`));
  }
  if (problems.length > 0) throw new InvalidSpecError(problems, resource);
  if (args.awaitReady === false) return undefined;
  return { timeoutSeconds, annotations: { [WAIT_FOR_ANNOTATION]: GATEWAY_WAIT_FOR, [TIMEOUT_ANNOTATION]: String(timeoutSeconds) } };
}

/** What `pulumi up` waits for, and what a timeout means. */
export function readyMessage(owner: Owner, name: pulumi.Input<string>, namespace: pulumi.Input<string>, gatewayClassName: pulumi.Input<string> | undefined, timeoutSeconds: number, installed: boolean): string {
  const text = (v: pulumi.Input<string> | undefined, fallback: string) => (typeof v === 'string' ? v : fallback);
  const id = `${text(namespace, '<namespace>')}/${text(name, owner.name)}`;
  const className = text(gatewayClassName, gatewayClassName === undefined ? 'agentgateway' : '<gatewayClassName>');
  return (
    `${owner.type} ${owner.name}: waiting up to ${timeoutSeconds}s for Gateway ${id} to be Programmed and to get an address. ` +
    `If this times out: is there a controller for GatewayClass "${className}" (kubectl get gatewayclass ${className})? ` +
    (installed ? '' : 'To install agentgateway with the gateway, set install: { agentgateway: true }. ') +
    'Without a LoadBalancer implementation in the cluster the Gateway gets no address: set awaitReady: false.'
  );
}

/** The AWS platform's resources, children of the gateway component. */
function createAws(parent: Gateway, name: string, owner: Owner, args: AwsGatewayArgs, object: pulumi.Output<Manifest>, context: GatewayContext) {
  const s = asResourceError(parent, () => awsSettings(parent, owner, args));
  const names = asResourceError(parent, () => awsNames(parent, owner, name, args));
  const provider = args.provider ?? parent.getProvider('aws::');
  const opts = { parent, provider };
  const bundle = join(HANDLER_BUNDLE_DIR, HANDLER_FILE);
  if (!existsSync(bundle)) {
    throw new pulumi.ResourceError(`${owner.type} ${owner.name}: the Lambda bundle ${bundle} is missing; run \`npm run build\` (npm ci does it) first`, parent, true);
  }
  const stale = staleBundle(bundle, join(HANDLER_BUNDLE_DIR, '..', 'functions'));
  if (stale) {
    throw new pulumi.ResourceError(
      `${owner.type} ${owner.name}: the Lambda bundle ${bundle} is older than its source ${stale}: it would deploy a build without your changes; rebuild it with \`npm run build\``,
      parent,
      true,
    );
  }
  // What the asset is made of, by content: a new build changes the description, so `pulumi preview --diff` shows it.
  const bundleSha256 = createHash('sha256').update(readFileSync(bundle)).digest('hex');

  const table = new aws.dynamodb.Table(
    name,
    {
      ...(names.tableName !== undefined && { name: names.tableName }),
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
    {
      ...(names.roleName !== undefined && { name: names.roleName }),
      description: `modelgate gateway ${owner.name}: the Lambda function's role`,
      assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
      tags: args.tags,
    },
    opts,
  );
  const fn = new aws.lambda.Function(
    name,
    {
      ...(names.functionName !== undefined && { name: names.functionName }),
      description: functionDescription(owner.name, bundleSha256),
      runtime: LAMBDA_RUNTIME,
      handler: HANDLER_ENTRY,
      architectures: [s.architecture],
      memorySize: s.memorySize,
      timeout: s.timeout,
      ...(s.reservedConcurrency !== undefined && { reservedConcurrentExecutions: s.reservedConcurrency }),
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

  if (s.authType === FunctionUrlAuthType.None) warnIfUnprotected(parent, owner, functionUrl, context);

  return { provider, table, role, rolePolicy, fn, logGroup, functionUrl, permissions, item, bundleSha256 };
}

/** AWS allows 256 characters in a function's description: the hash always fits, the name is cut if need be. */
function functionDescription(name: string, sha256: string): string {
  const tail = ` (bundle sha256:${sha256})`;
  const head = 'modelgate gateway ';
  const room = 256 - head.length - tail.length;
  return `${head}${name.length > room ? `${name.slice(0, room - 1)}…` : name}${tail}`;
}

/**
 * The newest source under `sources` (a checkout's `functions/`) when it is newer than the bundle,
 * as a path relative to the package. None when there are no sources (an installed package ships
 * the bundle only) — and none in a tarball that ships them too, as npm gives every file the same time.
 */
function staleBundle(bundle: string, sources: string): string | undefined {
  if (!existsSync(sources)) return undefined;
  const built = statSync(bundle).mtimeMs;
  let newest: { path: string; mtime: number } | undefined;
  for (const entry of readdirSync(sources, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const mtime = statSync(path).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { path, mtime };
  }
  return newest && newest.mtime > built ? relative(join(sources, '..'), newest.path) : undefined;
}

/**
 * `NONE` makes the URL public: warn, naming the Gateway, when a route of it serves requests without
 * a client API key (no `Strict` `apiKeyAuthentication` policy on the route or the Gateway).
 * Policies and Routes are constructed after the Gateway, so it looks once the function URL is
 * registered, when the program has constructed them; objects still unknown at preview are not
 * judged until the update.
 */
function warnIfUnprotected(gateway: Gateway, owner: Owner, functionUrl: aws.lambda.FunctionUrl, context: GatewayContext): void {
  functionUrl.urn.apply(() =>
    pulumi.all([context.parsed, ...context.objects]).apply(([self, ...objects]) => {
      const open = unprotectedRoutes([self as ManifestObject, ...(objects as ManifestObject[])]);
      if (open.length === 0) return;
      void pulumi.log.warn(
        `${owner.type} ${owner.name}: the function URL is public (authType NONE) and route${open.length > 1 ? 's' : ''} ${open.join(', ')} take${open.length > 1 ? '' : 's'} requests without a client API key: anyone with the URL spends your provider keys. ` +
          'Add a Policy with traffic.apiKeyAuthentication (keys) targeting the routes or the Gateway, or use authType AWS_IAM.',
        gateway,
      );
    }),
  );
}

/** Routes (`namespace/name`) with a rule that requires no client key, as the data plane compiles them. */
function unprotectedRoutes(objects: readonly ManifestObject[]): string[] {
  // Stand-in secrets: only whether a key is required matters here, not which.
  const secrets = { get: () => 'stand-in', entries: () => ({ 'stand-in': 'stand-in' }) };
  try {
    const { rules } = compileConfig(objects, secrets);
    return [...new Set(rules.filter((r) => r.clientAuth?.mode !== 'Strict').map((r) => r.routeId))].sort();
  } catch (error) {
    // An invalid config fails its own components; there is nothing to judge here.
    if (error instanceof ConfigError) return [];
    throw error;
  }
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
    reservedConcurrency:
      args.reservedConcurrency === undefined
        ? undefined
        : checked(args.reservedConcurrency, check('reservedConcurrency', (v: number) => (Number.isInteger(v) && v >= 0 ? undefined : `Invalid value: ${JSON.stringify(v)}: must be an integer of at least 0`))),
  };
}

/**
 * Pulumi names a resource without an explicit name `<component name>-<7 random characters>`, and
 * refuses at `pulumi up` one AWS would not take, in words about the resource rather than the
 * component. Checked here, at construction, with the way out: a shorter component name or the
 * explicit name.
 */
const AUTONAME_SUFFIX = '-xxxxxxx'.length;

interface NameRule {
  /** The arg that sets the name explicitly. */
  arg: 'functionName' | 'roleName' | 'tableName';
  what: string;
  /** `a Lambda function name`, `an IAM role name`. */
  article: 'a' | 'an';
  min: number;
  max: number;
  pattern: RegExp;
  allowed: string;
}

// The log group, `/aws/lambda/<function name>`, is within its 512 characters whenever the function name is valid.
const NAME_RULES: readonly NameRule[] = [
  { arg: 'functionName', what: 'Lambda function name', article: 'a', min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, '-' and '_'" },
  { arg: 'roleName', what: 'IAM role name', article: 'an', min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and '+=,.@_-'" },
  { arg: 'tableName', what: 'DynamoDB table name', article: 'a', min: 3, max: 255, pattern: /^[A-Za-z0-9_.-]+$/, allowed: "letters, digits, '_', '-' and '.'" },
];

/** The explicit names (checked now when plain, when known otherwise); the derived ones checked now. */
function awsNames(resource: pulumi.Resource, owner: Owner, name: string, args: AwsGatewayArgs) {
  const problems: string[] = [];
  const names: Partial<Record<NameRule['arg'], pulumi.Input<string>>> = {};
  const badChars = (value: string, rule: NameRule) => [...new Set([...value].filter((ch) => !rule.pattern.test(ch)))].map((ch) => JSON.stringify(ch)).join(', ');
  for (const rule of NAME_RULES) {
    const explicit = args[rule.arg];
    if (explicit === undefined) {
      const length = name.length + AUTONAME_SUFFIX;
      if (length > rule.max) {
        problems.push(
          problem(
            owner,
            rule.arg,
            `the ${rule.what} derived from the component's name ("${name}-" and 7 random characters) would be ${length} characters; AWS allows at most ${rule.max}: ` +
              `pass a shorter component name (at most ${rule.max - AUTONAME_SUFFIX} characters) or set ${rule.arg}`,
          ),
        );
      } else if (!rule.pattern.test(name)) {
        problems.push(
          problem(owner, rule.arg, `the ${rule.what} derived from the component's name would contain ${badChars(name, rule)}; AWS allows only ${rule.allowed}: pass another component name or set ${rule.arg}`),
        );
      }
      continue;
    }
    const explain = (v: unknown) => {
      if (typeof v !== 'string') return `Invalid value: ${JSON.stringify(v)}: must be a string`;
      if (v.length < rule.min || v.length > rule.max) return `Invalid value: ${JSON.stringify(v)}: ${rule.article} ${rule.what} is ${rule.min} to ${rule.max} characters, not ${v.length}`;
      if (!rule.pattern.test(v)) return `Invalid value: ${JSON.stringify(v)}: ${rule.article} ${rule.what} allows only ${rule.allowed}`;
      return undefined;
    };
    if (!hasUnresolved(explicit)) {
      const bad = explain(explicit);
      if (bad) problems.push(problem(owner, rule.arg, bad));
      names[rule.arg] = explicit;
    } else {
      names[rule.arg] = checked(explicit, (v) =>
        asResourceError(resource, () => {
          const bad = explain(v);
          if (bad) throw new SpecError([problem(owner, rule.arg, bad)]);
        }),
      );
    }
  }
  if (problems.length > 0) throw new SpecError(problems);
  return names;
}
