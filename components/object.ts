/**
 * What Backend, Policy and Route share: render the object from the args, validate it with the data
 * plane's code (at once when the args are plain, inside `apply` when they hold Outputs), move the
 * keys into Secrets, and create the platform's resources — custom resources and Secrets on
 * Kubernetes; config items, Secrets Manager secrets and the grant to read them on AWS.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../functions/model/validate.js';
import { configItem, KEY } from '../functions/state/table-layout.js';
import { secretsPolicy } from './aws-policies.js';
import { componentInfo, registerComponent, type ComponentName, type GatewayContext } from './context.js';
import { hasUnresolved, mapInput } from './inputs.js';
import {
  apiVersionOf,
  awsSecretItem,
  extractKeys,
  leftoverKeys,
  manifest,
  secretName,
  secretString,
  SECRET_KEY,
  type ComponentKind,
  type Manifest,
  type Meta,
  type Plain,
} from './render.js';
import { checkReferences, problem, SpecError, validateManifest, type Owner, type ReferenceContext } from './validation.js';

/** A spec the data plane would refuse, raised as a Pulumi resource error (shown without a stack). */
export class InvalidSpecError extends pulumi.ResourceError {
  constructor(
    readonly problems: readonly string[],
    resource: pulumi.Resource | undefined,
  ) {
    super(problems.join('\n'), resource, true);
    this.name = 'InvalidSpecError';
  }
}

/** Runs `fn`; a SpecError becomes an InvalidSpecError on `resource`. */
export function asResourceError<T>(resource: pulumi.Resource, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SpecError) throw new InvalidSpecError(error.problems, resource);
    throw error;
  }
}

export interface Rendered {
  manifest: pulumi.Output<Manifest>;
  parsed: pulumi.Output<ManifestObject>;
  /** Both, when the args were plain and validation already ran in the constructor. */
  now?: { manifest: Manifest; parsed: ManifestObject };
}

export interface RenderInput {
  meta: Meta<pulumi.Input<string>>;
  spec: Plain;
  /** The Secrets this component keeps its keys in (their names). */
  ownSecrets?: Array<pulumi.Input<string>>;
  /** The gateway's own object (for a route's parents). */
  gateway?: ManifestObject | pulumi.Output<ManifestObject>;
}

/**
 * Renders and validates one object. Plain args: validated now, and a bad one throws from the
 * constructor. Args with Outputs: validated inside `apply`, so the error fails every resource that
 * uses the object, as soon as the values are known (at `pulumi preview` unless they are unknown).
 */
export function renderObject(
  resource: pulumi.Resource,
  owner: Owner,
  kind: ComponentKind,
  input: RenderInput,
  context: { platform: ReferenceContext['platform']; knownSecrets: ReadonlySet<string>; checkReferences: boolean },
): Rendered {
  const build = (plain: pulumi.Unwrap<RenderInput>) =>
    asResourceError(resource, () => {
      const meta = plain.meta as Meta;
      const leftovers = leftoverKeys(kind, plain.spec as Plain);
      if (leftovers.length > 0) {
        throw new SpecError(leftovers.map((path) => problem(owner, path, 'a key inside an Output cannot be moved into a Secret; pass the objects that lead to `auth` as plain values (only their fields may be Outputs)')));
      }
      const object = manifest(kind, meta, plain.spec as Plain);
      const parsed = validateManifest(owner, object, (message) => void pulumi.log.warn(message, resource));
      if (context.checkReferences) {
        const knownSecrets = new Set(context.knownSecrets);
        for (const name of plain.ownSecrets ?? []) knownSecrets.add(`${meta.namespace}/${name}`);
        checkReferences(owner, parsed, { platform: context.platform, gateway: plain.gateway as ManifestObject | undefined, knownSecrets });
      }
      return { manifest: object, parsed };
    });
  if (!hasUnresolved(input)) {
    const now = build(input as pulumi.Unwrap<RenderInput>);
    return { manifest: pulumi.output(now.manifest) as unknown as pulumi.Output<Manifest>, parsed: pulumi.output(now.parsed) as unknown as pulumi.Output<ManifestObject>, now };
  }
  const out = pulumi.output(input).apply(build);
  return { manifest: out.apply((r) => r.manifest) as unknown as pulumi.Output<Manifest>, parsed: out.apply((r) => r.parsed) as unknown as pulumi.Output<ManifestObject> };
}

/** Where a reference was written, and the gateway of the component that wrote it. */
export interface RefSource {
  gateway: GatewayContext;
  /** `targetRefs[0]`: where the reference was written, for problems. */
  path: string;
}

/**
 * A component instance in a reference list becomes the reference the spec wants; anything else is
 * kept as written. The instance must belong to the same gateway.
 */
export function resolveRef(
  owner: Owner,
  value: unknown,
  source: RefSource,
  allowed: readonly ComponentName[],
  toRef: (info: { component: ComponentName; name: pulumi.Input<string>; namespace: pulumi.Input<string> }) => Plain,
  dependsOn: pulumi.Resource[],
): unknown {
  const info = componentInfo(value);
  if (!info) return value;
  const problems: string[] = [];
  if (!allowed.includes(info.component)) problems.push(problem(owner, source.path, `a ${info.component} cannot be referenced here (allowed: ${allowed.join(', ')})`));
  if (info.gateway !== source.gateway) problems.push(problem(owner, source.path, `the ${info.component} belongs to another Gateway; components refer only to components of their own Gateway`));
  if (problems.length > 0) throw new SpecError(problems);
  if (info.component !== 'Gateway') dependsOn.push(info.resource);
  return toRef(info);
}

export interface SpecComponentArgs {
  /** The Gateway this object belongs to: decides platform, namespace and (on AWS) the table. */
  gateway: unknown;
  /** `metadata.name`; the component's name by default. */
  name?: pulumi.Input<string>;
}

const suffix = (i: number) => (i === 0 ? '' : `-${i + 1}`);

/** Base of Backend, Policy and Route: one object of a gateway, and the Secrets of its keys. */
export abstract class SpecComponent extends pulumi.ComponentResource {
  /** `metadata.name` of the object. */
  readonly name: pulumi.Output<string>;
  /** The gateway's namespace, which the object is in. */
  readonly namespace: pulumi.Output<string>;
  /** The rendered object, exactly as applied or stored; provider keys are never in it. */
  readonly manifest: pulumi.Output<Manifest>;
  /** Names of the Secrets the component made for its keys (`<name>-secret`, `<name>-secret-2`, ...). */
  readonly secretNames: pulumi.Output<string[]>;

  /** Kubernetes: the custom resource, and a Secret per key. */
  readonly resource?: k8s.apiextensions.CustomResource;
  readonly secrets?: k8s.core.v1.Secret[];
  /** AWS: the config item, and per key a Secrets Manager secret, its version, and the Secret's config item. */
  readonly item?: aws.dynamodb.TableItem;
  readonly secretsManagerSecrets?: aws.secretsmanager.Secret[];
  readonly secretVersions?: aws.secretsmanager.SecretVersion[];
  readonly secretItems?: aws.dynamodb.TableItem[];
  /** AWS: lets the gateway's function read exactly these secrets. */
  readonly secretsPolicy?: aws.iam.RolePolicy;

  protected constructor(
    type: string,
    component: Exclude<ComponentName, 'Gateway'>,
    kind: ComponentKind,
    name: string,
    args: SpecComponentArgs,
    prepare: (owner: Owner, gateway: GatewayContext, dependsOn: pulumi.Resource[]) => Plain,
    opts: pulumi.ComponentResourceOptions | undefined,
  ) {
    super(type, name, {}, opts);
    const owner: Owner = { type, name };
    const info = componentInfo(args.gateway);
    if (!info || info.component !== 'Gateway') {
      throw new InvalidSpecError([problem(owner, 'gateway', 'must be a modelgate Gateway (the instance the object belongs to)')], this);
    }
    const gateway = info.gateway;
    const objectName = args.name ?? name;
    const dependsOn: pulumi.Resource[] = [];
    const spec = asResourceError(this, () => prepare(owner, gateway, dependsOn));
    registerComponent(this, { component, gateway, name: objectName, namespace: gateway.namespace, resource: this });

    // Keys out of the spec, into Secrets named after the object.
    const { spec: keyless, keys } = extractKeys<pulumi.Input<string>, pulumi.Input<string>>(kind, spec, (i) =>
      mapInput(objectName, (n) => secretName(n, i)),
    );
    const keyInputs = keys.map((k) =>
      mapInput(k.key, (value) => {
        if (typeof value !== 'string' || value.trim() === '') {
          // Never the value in a message: it is a key.
          throw new InvalidSpecError(k.paths.map((p) => problem(owner, p, 'must be a non-empty string')), this);
        }
        return value;
      }),
    );
    const plainNames = keys.map((k) => k.secretName).filter((n): n is string => typeof n === 'string');
    if (typeof gateway.namespace === 'string') for (const n of plainNames) gateway.knownSecrets.add(`${gateway.namespace}/${n}`);

    const rendered = renderObject(
      this,
      owner,
      kind,
      {
        meta: { name: objectName, namespace: gateway.namespace },
        spec: keyless,
        ownSecrets: keys.map((k) => k.secretName),
        ...(kind === 'HTTPRoute' && { gateway: gateway.parsedNow ?? gateway.parsed }),
      },
      { platform: gateway.platform, knownSecrets: gateway.knownSecrets, checkReferences: true },
    );

    this.manifest = rendered.manifest;
    this.name = rendered.manifest.apply((m) => m.metadata.name);
    this.namespace = rendered.manifest.apply((m) => m.metadata.namespace);
    this.secretNames = pulumi.output(keys.map((k) => k.secretName));
    // Each Secret's metadata comes from the validated object, so an invalid spec fails its Secrets too.
    const secretMeta = (i: number) => rendered.manifest.apply((m) => ({ name: secretName(m.metadata.name, i), namespace: m.metadata.namespace }));

    if (gateway.platform === 'kubernetes') {
      const provider = gateway.kubernetes?.provider;
      this.secrets = keyInputs.map(
        (key, i) =>
          new k8s.core.v1.Secret(
            `${name}-secret${suffix(i)}`,
            { metadata: secretMeta(i), type: 'Opaque', stringData: { [SECRET_KEY]: pulumi.secret(key) } },
            { parent: this, provider, additionalSecretOutputs: ['data', 'stringData'] },
          ),
      );
      this.resource = new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: apiVersionOf(kind), kind, metadata: rendered.manifest.apply((m) => m.metadata), spec: rendered.manifest.apply((m) => m.spec) },
        { parent: this, provider, dependsOn: [...this.secrets, ...dependsOn] },
      );
    } else {
      const table = gateway.aws!;
      const childOpts = { parent: this, provider: table.provider };
      const itemArgs = (object: pulumi.Input<Manifest>) => ({
        tableName: table.tableName,
        hashKey: KEY.partition,
        rangeKey: KEY.sort,
        item: pulumi.output(object).apply((o) => JSON.stringify(configItem(o as Manifest))),
      });
      this.secretsManagerSecrets = keyInputs.map(
        (_key, i) =>
          new aws.secretsmanager.Secret(
            `${name}-secret${suffix(i)}`,
            { description: secretMeta(i).apply((m) => `modelgate: provider key of Secret ${m.namespace}/${m.name}`), tags: table.tags },
            childOpts,
          ),
      );
      this.secretVersions = keyInputs.map(
        (key, i) =>
          new aws.secretsmanager.SecretVersion(
            `${name}-secret${suffix(i)}`,
            { secretId: this.secretsManagerSecrets![i]!.id, secretString: pulumi.secret(pulumi.output(key).apply(secretString)) },
            childOpts,
          ),
      );
      this.secretsPolicy =
        keys.length === 0
          ? undefined
          : new aws.iam.RolePolicy(
              `${name}-secrets`,
              { role: table.roleId, policy: pulumi.all(this.secretsManagerSecrets.map((s) => s.arn)).apply((arns) => JSON.stringify(secretsPolicy(arns))) },
              childOpts,
            );
      this.secretItems = this.secretsManagerSecrets.map(
        (secret, i) =>
          new aws.dynamodb.TableItem(
            `${name}-secret${suffix(i)}`,
            itemArgs(pulumi.all([secretMeta(i), secret.arn]).apply(([meta, arn]) => awsSecretItem(meta, arn))),
            { ...childOpts, dependsOn: [this.secretVersions![i]!, ...(this.secretsPolicy ? [this.secretsPolicy] : [])] },
          ),
      );
      this.item = new aws.dynamodb.TableItem(name, itemArgs(rendered.manifest), { ...childOpts, dependsOn: [...this.secretItems, ...dependsOn] });
    }

    this.registerOutputs({
      name: this.name,
      namespace: this.namespace,
      manifest: this.manifest,
      secretNames: this.secretNames,
      resource: this.resource,
      secrets: this.secrets,
      item: this.item,
      secretsManagerSecrets: this.secretsManagerSecrets,
      secretItems: this.secretItems,
      secretsPolicy: this.secretsPolicy,
    });
  }
}
