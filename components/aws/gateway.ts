/**
 * The AWS platform of a Gateway: modelgate's data plane as a Lambda function URL (response
 * streaming), the DynamoDB table of its config items and eviction state, the function's role (only
 * what the handler calls, only on these resources) and its log group — and the checks of the AWS
 * args, made at construction so a bad one fails `pulumi preview` in words about the component.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR, HANDLER_ENTRY, HANDLER_ENV, HANDLER_FILE } from '../../functions/bundle.js';
import { DURATION_PATTERN, parseDuration } from '../../functions/core/duration.js';
import { compileConfig, ConfigError } from '../../functions/model/compile.js';
import type { CompiledRule } from '../../functions/model/config.js';
import type { ManifestObject } from '../../functions/model/validate.js';
import { HTACCESS_KEY, HTPASSWD_STAND_IN } from '../basic-auth.js';
import { KEY, TTL_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { checked, hasUnresolved } from '../inputs.js';
import { asResourceError } from '../object.js';
import type { GatewayBase } from '../platforms.js';
import type { Manifest } from '../render.js';
import { problem, SpecError, type Owner } from '../validation.js';
import { validatedItemText, type AwsTable } from './object.js';
import type { AwsGatewayArgs } from './platform.js';
import { gatewayPolicy, lambdaTrustPolicy } from './policies.js';

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

/** What the Gateway holds on AWS (its fields of the same names). */
export interface AwsGatewayResources {
  table: aws.dynamodb.Table;
  role: aws.iam.Role;
  rolePolicy: aws.iam.RolePolicy;
  function: aws.lambda.Function;
  logGroup: aws.cloudwatch.LogGroup;
  functionUrl: aws.lambda.FunctionUrl;
  permissions: aws.lambda.Permission[];
  item: aws.dynamodb.TableItem;
}

type Settings = ReturnType<typeof awsSettings>;
type Names = ReturnType<typeof awsNames>;

/** The AWS platform's resources, children of the gateway component, and what its Backends, Policies and Routes need of them. */
export function createAwsGateway(parent: pulumi.ComponentResource, name: string, owner: Owner, args: AwsGatewayArgs, object: pulumi.Output<Manifest>, context: GatewayBase) {
  const s = asResourceError(parent, () => awsSettings(parent, owner, args));
  const names = asResourceError(parent, () => awsNames(parent, owner, name, args));
  const provider = args.provider ?? parent.getProvider('aws::');
  const opts = { parent, provider };
  const bundle = checkedBundle(parent, owner);
  const table = createTable(name, s, names, args, opts);
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
  const fn = createFunction(name, owner, s, names, args, bundle, table, role, opts);
  const logGroup = new aws.cloudwatch.LogGroup(name, { name: pulumi.interpolate`/aws/lambda/${fn.name}`, retentionInDays: s.logRetentionInDays, tags: args.tags }, opts);
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
  const permissions = publicPermissions(name, s.authType, fn, opts);
  const item = new aws.dynamodb.TableItem(
    name,
    { tableName: table.name, hashKey: KEY.partition, rangeKey: KEY.sort, item: object.apply((o) => validatedItemText(parent, o, bundle.sha256)) },
    opts,
  );
  if (s.authType === FunctionUrlAuthType.None) warnIfUnprotected(parent, owner, functionUrl, context);

  const resources: AwsGatewayResources = { table, role, rolePolicy, function: fn, logGroup, functionUrl, permissions, item };
  return {
    resources,
    bundleSha256: bundle.sha256,
    /** What the gateway's Backends, Policies and Routes write to and grant on. */
    context: { provider, tableName: table.name, roleId: role.id, tags: args.tags, build: bundle.sha256 } satisfies AwsTable,
  };
}

/** The handler bundle, and the chunks it loads on first use (functions/bundle.ts); source maps stay out of the function. */
interface HandlerBundle {
  path: string;
  /** Names in HANDLER_CHUNKS_DIR, sorted. */
  chunks: string[];
  /** Of the handler and every chunk, in that order: what the function runs. */
  sha256: string;
}

/** The handler bundle to deploy, refused when missing or older than its sources; and its SHA-256. */
function checkedBundle(parent: pulumi.Resource, owner: Owner): HandlerBundle {
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
  const chunkDir = join(HANDLER_BUNDLE_DIR, HANDLER_CHUNKS_DIR);
  const chunks = existsSync(chunkDir)
    ? readdirSync(chunkDir)
        .filter((f) => /\.(mjs|cjs)$/.test(f))
        .sort()
    : [];
  // What the asset is made of, by content: a new build changes the description, so `pulumi preview --diff` shows it.
  const hash = createHash('sha256').update(readFileSync(bundle));
  for (const chunk of chunks) hash.update(chunk).update(readFileSync(join(chunkDir, chunk)));
  return { path: bundle, chunks, sha256: hash.digest('hex') };
}

/** The function's code: the handler at the root, its chunks in their folder beside it. */
function handlerCode(bundle: HandlerBundle): pulumi.asset.AssetArchive {
  const dir = join(dirname(bundle.path), HANDLER_CHUNKS_DIR);
  const chunks = Object.fromEntries(bundle.chunks.map((f) => [f, new pulumi.asset.FileAsset(join(dir, f))]));
  return new pulumi.asset.AssetArchive({
    [HANDLER_FILE]: new pulumi.asset.FileAsset(bundle.path),
    ...(bundle.chunks.length > 0 && { [HANDLER_CHUNKS_DIR]: new pulumi.asset.AssetArchive(chunks) }),
  });
}

function createTable(name: string, s: Settings, names: Names, args: AwsGatewayArgs, opts: pulumi.CustomResourceOptions): aws.dynamodb.Table {
  return new aws.dynamodb.Table(
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
}

function createFunction(
  name: string,
  owner: Owner,
  s: Settings,
  names: Names,
  args: AwsGatewayArgs,
  bundle: HandlerBundle,
  table: aws.dynamodb.Table,
  role: aws.iam.Role,
  opts: pulumi.CustomResourceOptions,
): aws.lambda.Function {
  return new aws.lambda.Function(
    name,
    {
      ...(names.functionName !== undefined && { name: names.functionName }),
      description: functionDescription(owner.name, bundle.sha256),
      runtime: LAMBDA_RUNTIME,
      handler: HANDLER_ENTRY,
      architectures: [s.architecture],
      memorySize: s.memorySize,
      timeout: s.timeout,
      ...(s.reservedConcurrency !== undefined && { reservedConcurrentExecutions: s.reservedConcurrency }),
      role: role.arn,
      code: handlerCode(bundle),
      environment: {
        variables: {
          [HANDLER_ENV.table]: table.name,
          [HANDLER_ENV.configRefreshMs]: pulumi.output(s.configRefreshInterval).apply((d) => String(parseDuration(d))),
          // The config items this component writes carry a copy validated for this build: the function takes it as it is.
          [HANDLER_ENV.configBuild]: bundle.sha256,
          ...(s.logLevel !== undefined && { [HANDLER_ENV.logLevel]: s.logLevel }),
        },
      },
      tags: args.tags,
    },
    opts,
  );
}

/**
 * AWS_IAM: callers need lambda:InvokeFunctionUrl and lambda:InvokeFunction in their own (identity)
 * policies, nothing public. NONE: since October 2025 a public function URL needs both
 * permissions for principal `*` in the function's resource policy; the second only via the URL.
 */
function publicPermissions(name: string, authType: FunctionUrlAuthType, fn: aws.lambda.Function, opts: pulumi.CustomResourceOptions): aws.lambda.Permission[] {
  if (authType !== FunctionUrlAuthType.None) return [];
  return [
    new aws.lambda.Permission(`${name}-public-url`, { function: fn.name, action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: FunctionUrlAuthType.None }, opts),
    new aws.lambda.Permission(`${name}-public-invoke`, { function: fn.name, action: 'lambda:InvokeFunction', principal: '*', invokedViaFunctionUrl: true }, opts),
  ];
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
function warnIfUnprotected(gateway: pulumi.Resource, owner: Owner, functionUrl: aws.lambda.FunctionUrl, context: GatewayBase): void {
  functionUrl.urn.apply(() =>
    pulumi.all([context.parsed, ...context.objects]).apply(([self, ...objects]) => {
      const open = unprotected([self as ManifestObject, ...(objects as ManifestObject[])]);
      const count = open.routes.length + open.models.length;
      if (count === 0) return;
      const named = (what: string, list: string[]) => (list.length === 0 ? [] : [`${what}${list.length > 1 ? 's' : ''} ${list.join(', ')}`]);
      void pulumi.log.warn(
        `${owner.type} ${owner.name}: the function URL is public (authType NONE) and ${[...named('route', open.routes), ...named('model', open.models)].join(' and ')} take${count > 1 ? '' : 's'} requests without a client API key: anyone with the URL spends your provider keys. ` +
          'Add a Policy with traffic.apiKeyAuthentication (keys), jwtAuthentication or basicAuthentication targeting the routes or the Gateway, or use authType AWS_IAM.',
        gateway,
      );
    }),
  );
}

/** A rule that refuses a request without credentials: a Strict client key, JWT or basic authentication. */
function requiresCredentials(rule: CompiledRule): boolean {
  return rule.clientAuth?.mode === 'Strict' || rule.trafficAuth?.jwt?.mode === 'Strict' || rule.trafficAuth?.basic?.mode === 'Strict';
}

/**
 * Routes and Public models (`namespace/name`) with a rule that requires no credentials, as the
 * data plane compiles them (an Internal model is reached only through a virtual one).
 */
function unprotected(objects: readonly ManifestObject[]): { routes: string[]; models: string[] } {
  // Stand-in secrets: only whether credentials are required matters here, not which.
  const secrets = { get: (_namespace: string, _name: string, key: string) => (key === HTACCESS_KEY ? HTPASSWD_STAND_IN : 'stand-in'), entries: () => ({ 'stand-in': 'stand-in' }) };
  try {
    const { rules, models = [] } = compileConfig(objects, secrets);
    const routes = [...new Set(rules.filter((r) => !requiresCredentials(r)).map((r) => r.routeId))].sort();
    const open = models.filter((m) => m.visibility === 'Public' && m.routes.some((r) => !requiresCredentials(r.rule))).map((m) => m.id);
    return { routes, models: open.sort() };
  } catch (error) {
    // An invalid config fails its own components; there is nothing to judge here.
    if (error instanceof ConfigError) return { routes: [], models: [] };
    throw error;
  }
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
    pointInTimeRecovery: checked(
      args.pointInTimeRecovery ?? AWS_DEFAULTS.pointInTimeRecovery,
      check('pointInTimeRecovery', (v: boolean) => (typeof v === 'boolean' ? undefined : `Invalid value: ${JSON.stringify(v)}: must be of type boolean`)),
    ),
    configRefreshInterval: checked(
      args.configRefreshInterval ?? AWS_DEFAULTS.configRefreshInterval,
      check('configRefreshInterval', (v: string) =>
        typeof v === 'string' && DURATION_PATTERN.test(v) && parseDuration(v)! >= 1_000
          ? undefined
          : `Invalid value: ${JSON.stringify(v)}: must be a duration of at least 1s (should match '${DURATION_PATTERN.source}')`,
      ),
    ),
    logLevel: args.logLevel === undefined ? undefined : checked<LogLevel>(args.logLevel, check('logLevel', oneOf<LogLevel>(['debug', 'info', 'warn', 'error']))),
    reservedConcurrency:
      args.reservedConcurrency === undefined
        ? undefined
        : checked(
            args.reservedConcurrency,
            check('reservedConcurrency', (v: number) => (Number.isInteger(v) && v >= 0 ? undefined : `Invalid value: ${JSON.stringify(v)}: must be an integer of at least 0`)),
          ),
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
          problem(
            owner,
            rule.arg,
            `the ${rule.what} derived from the component's name would contain ${badChars(name, rule)}; AWS allows only ${rule.allowed}: pass another component name or set ${rule.arg}`,
          ),
        );
      }
      continue;
    }
    const explain = (v: unknown) => {
      if (typeof v !== 'string') return `Invalid value: ${JSON.stringify(v)}: must be a string`;
      if (v.length < rule.min || v.length > rule.max)
        return `Invalid value: ${JSON.stringify(v)}: ${rule.article} ${rule.what} is ${rule.min} to ${rule.max} characters, not ${v.length}`;
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
