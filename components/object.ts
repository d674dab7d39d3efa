/**
 * What Backend, Policy and Route share: render the object from the args, validate it with the data
 * plane's code (at once when the args are plain, inside `apply` when they hold Outputs), move the
 * keys into Secrets — provider keys (`auth.key`) as they are, client API keys
 * (`traffic.apiKeyAuthentication.keys`) as SHA-256 digests — and create the platform's resources:
 * custom resources and Secrets on Kubernetes; config items, Secrets Manager secrets, the grant to
 * read them and (for bedrock providers) the grant to invoke exactly their models on AWS.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../functions/model/validate.js';
import { configItem, KEY } from '../functions/state/table-layout.js';
import { bedrockPolicy, secretsPolicy } from './aws-policies.js';
import { bedrockGrants, bedrockTargets, hasBedrockProvider, needsAccount } from './bedrock.js';
import { componentInfo, registerComponent, type ComponentName, type GatewayContext } from './context.js';
import { hasUnresolved, mapInput } from './inputs.js';
import {
  apiVersionOf,
  awsSecretItem,
  CLIENT_KEYS_PATH,
  clientKeyEntries,
  clientKeysSecretName,
  entriesSecretString,
  extractClientKeys,
  extractKeys,
  leftoverKeys,
  manifest,
  secretName,
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
  /** The Secrets this component keeps its provider keys in (their names). */
  ownSecrets?: Array<pulumi.Input<string>>;
  /** The Secret this component keeps its client API keys' digests in. */
  ownClientKeySecrets?: Array<pulumi.Input<string>>;
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
  context: {
    platform: ReferenceContext['platform'];
    knownSecrets: ReadonlySet<string>;
    knownClientKeySecrets?: ReadonlySet<string>;
    checkReferences: boolean;
    /** A platform's own rule over the validated object (throws a SpecError). */
    check?: (parsed: ManifestObject) => void;
  },
): Rendered {
  const build = (plain: pulumi.Unwrap<RenderInput>) =>
    asResourceError(resource, () => {
      const meta = plain.meta as Meta;
      const leftovers = leftoverKeys(kind, plain.spec as Plain);
      if (leftovers.length > 0) {
        throw new SpecError(
          leftovers.map((path) =>
            problem(owner, path, 'a key inside an Output cannot be moved into a Secret; pass the objects that lead to `auth` (or `traffic.apiKeyAuthentication`) as plain values (only their fields may be Outputs)'),
          ),
        );
      }
      const object = manifest(kind, meta, plain.spec as Plain);
      const parsed = validateManifest(owner, object, (message) => void pulumi.log.warn(message, resource));
      if (context.checkReferences) {
        const knownSecrets = new Set(context.knownSecrets);
        for (const name of plain.ownSecrets ?? []) knownSecrets.add(`${meta.namespace}/${name}`);
        const knownClientKeySecrets = new Set(context.knownClientKeySecrets);
        for (const name of plain.ownClientKeySecrets ?? []) knownClientKeySecrets.add(`${meta.namespace}/${name}`);
        checkReferences(owner, parsed, { platform: context.platform, gateway: plain.gateway as ManifestObject | undefined, knownSecrets, knownClientKeySecrets });
      }
      context.check?.(parsed);
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

/** A Secret a component makes: provider key (`{Authorization: key}`) or client keys' digests (`{key-1: {"keyHash": ...}}`). */
interface OwnedSecret {
  /** The Pulumi resource name of its resources (`<component>-secret`, `<component>-client-keys`). */
  resourceName: string;
  meta: pulumi.Output<Meta>;
  /** Its entries, a Pulumi secret. */
  data: pulumi.Output<Record<string, string>>;
  describe: (meta: Meta) => string;
  clientKeys: boolean;
}

/**
 * The client keys as Secret entries of their digests (a Pulumi secret): checked now where plain
 * (at least one; each a non-empty string), the rest when known. Never a key in a message.
 */
function clientKeyEntriesOf(resource: pulumi.Resource, owner: Owner, keys: pulumi.Input<pulumi.Input<string>[]>): pulumi.Output<Record<string, string>> {
  const problems = (list: unknown, known: (value: unknown) => boolean): string[] => {
    if (!Array.isArray(list)) return [problem(owner, CLIENT_KEYS_PATH, 'must be a list of keys')];
    if (list.length === 0) return [problem(owner, CLIENT_KEYS_PATH, 'should have at least 1 items')];
    return list.flatMap((key: unknown, i) => (known(key) && (typeof key !== 'string' || key.trim() === '') ? [problem(owner, `${CLIENT_KEYS_PATH}[${i}]`, 'must be a non-empty string')] : []));
  };
  const now = Array.isArray(keys) || !hasUnresolved(keys) ? problems(keys, (key) => !hasUnresolved(key)) : [];
  if (now.length > 0) throw new InvalidSpecError(now, resource);
  return pulumi.secret(
    pulumi.output(keys).apply((list) => {
      const later = problems(list, () => true);
      if (later.length > 0) throw new InvalidSpecError(later, resource);
      return clientKeyEntries(list);
    }),
  );
}

/** Base of Backend, Policy and Route: one object of a gateway, and the Secrets of its keys. */
export abstract class SpecComponent extends pulumi.ComponentResource {
  /** `metadata.name` of the object. */
  readonly name: pulumi.Output<string>;
  /** The gateway's namespace, which the object is in. */
  readonly namespace: pulumi.Output<string>;
  /** The rendered object, exactly as applied or stored; provider keys are never in it. */
  readonly manifest: pulumi.Output<Manifest>;
  /**
   * Names of the Secrets the component made: one per provider key (`<name>-secret`,
   * `<name>-secret-2`, ...), then, for a Policy with client API keys, `<name>-client-keys`.
   */
  readonly secretNames: pulumi.Output<string[]>;

  /** Kubernetes: the custom resource, and the Secrets (in the order of `secretNames`). */
  readonly resource?: k8s.apiextensions.CustomResource;
  readonly secrets?: k8s.core.v1.Secret[];
  /** AWS: the config item, and per Secret a Secrets Manager secret, its version, and the Secret's config item (in the order of `secretNames`). */
  readonly item?: aws.dynamodb.TableItem;
  readonly secretsManagerSecrets?: aws.secretsmanager.Secret[];
  readonly secretVersions?: aws.secretsmanager.SecretVersion[];
  readonly secretItems?: aws.dynamodb.TableItem[];
  /** AWS: lets the gateway's function read exactly these secrets. */
  readonly secretsPolicy?: aws.iam.RolePolicy;
  /** AWS, a Backend with bedrock providers: lets the gateway's function invoke exactly their models. */
  readonly bedrockPolicy?: aws.iam.RolePolicy;

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
    const { spec: withoutProviderKeys, keys } = extractKeys<pulumi.Input<string>, pulumi.Input<string>>(kind, spec, (i) =>
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
    const clientKeysName = mapInput(objectName, clientKeysSecretName);
    const client = extractClientKeys<pulumi.Input<pulumi.Input<string>[]>, pulumi.Input<string>>(kind, withoutProviderKeys, clientKeysName);
    if (client.problems.length > 0) throw new InvalidSpecError(client.problems.map((p) => problem(owner, p.path, p.message)), this);
    const keyless = client.spec;
    const clientEntries = client.keys === undefined ? undefined : clientKeyEntriesOf(this, owner, client.keys);

    const plainNames = keys.map((k) => k.secretName).filter((n): n is string => typeof n === 'string');
    if (typeof gateway.namespace === 'string') {
      for (const n of plainNames) gateway.knownSecrets.add(`${gateway.namespace}/${n}`);
      if (clientEntries && typeof clientKeysName === 'string') gateway.knownClientKeySecrets.add(`${gateway.namespace}/${clientKeysName}`);
    }

    // AWS: the role's Bedrock grant names the models, so they must be pinned, and known to be bedrock at construction.
    const bedrock = gateway.platform === 'aws' && kind === 'AgentgatewayBackend' ? hasBedrockProvider(keyless) : false;
    const checkBedrock =
      gateway.platform === 'aws' && kind === 'AgentgatewayBackend'
        ? (parsed: ManifestObject) => {
            const { targets, problems } = bedrockTargets(parsed);
            const all = problems.map((p) => problem(owner, p.path, p.message));
            if (bedrock !== true) {
              for (const t of targets) {
                all.push(problem(owner, t.path, 'a bedrock provider inside an Output: on AWS the role\'s Bedrock grant is decided at construction; pass `ai` and its providers as plain objects (their fields may be Outputs)'));
              }
            }
            if (all.length > 0) throw new SpecError(all);
          }
        : undefined;

    const rendered = renderObject(
      this,
      owner,
      kind,
      {
        meta: { name: objectName, namespace: gateway.namespace },
        spec: keyless,
        ownSecrets: keys.map((k) => k.secretName),
        ownClientKeySecrets: clientEntries ? [clientKeysName] : [],
        ...(kind === 'HTTPRoute' && { gateway: gateway.parsedNow ?? gateway.parsed }),
      },
      { platform: gateway.platform, knownSecrets: gateway.knownSecrets, knownClientKeySecrets: gateway.knownClientKeySecrets, checkReferences: true, check: checkBedrock },
    );

    gateway.objects.push(rendered.parsed);
    this.manifest = rendered.manifest;
    this.name = rendered.manifest.apply((m) => m.metadata.name);
    this.namespace = rendered.manifest.apply((m) => m.metadata.namespace);
    this.secretNames = pulumi.output([...keys.map((k) => k.secretName), ...(clientEntries ? [clientKeysName] : [])]);

    // Every Secret the component makes. Metadata comes from the validated object, so an invalid spec fails its Secrets too.
    const metaOf = (nameOf: (object: string) => string) => rendered.manifest.apply((m) => ({ name: nameOf(m.metadata.name), namespace: m.metadata.namespace }));
    const owned: OwnedSecret[] = [
      ...keyInputs.map((key, i) => ({
        resourceName: `${name}-secret${suffix(i)}`,
        meta: metaOf((n) => secretName(n, i)),
        data: pulumi.secret(pulumi.output(key).apply((k): Record<string, string> => ({ [SECRET_KEY]: k }))),
        describe: (m: Meta) => `modelgate: provider key of Secret ${m.namespace}/${m.name}`,
        clientKeys: false,
      })),
      ...(clientEntries
        ? [
            {
              resourceName: `${name}-client-keys`,
              meta: metaOf(clientKeysSecretName),
              data: clientEntries,
              describe: (m: Meta) => `modelgate: client API keys (SHA-256 digests) of Secret ${m.namespace}/${m.name}`,
              clientKeys: true,
            },
          ]
        : []),
    ];

    if (gateway.platform === 'kubernetes') {
      const provider = gateway.kubernetes?.provider;
      // With an install, the namespace, the CRDs and the controller exist before any object.
      const installed = gateway.kubernetes?.dependsOn ?? [];
      this.secrets = owned.map(
        (secret) =>
          new k8s.core.v1.Secret(
            secret.resourceName,
            { metadata: secret.meta, type: 'Opaque', stringData: secret.data },
            { parent: this, provider, additionalSecretOutputs: ['data', 'stringData'], dependsOn: installed },
          ),
      );
      this.resource = new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: apiVersionOf(kind), kind, metadata: rendered.manifest.apply((m) => m.metadata), spec: rendered.manifest.apply((m) => m.spec) },
        { parent: this, provider, dependsOn: [...installed, ...this.secrets, ...dependsOn] },
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
      this.secretsManagerSecrets = owned.map(
        (secret) => new aws.secretsmanager.Secret(secret.resourceName, { description: secret.meta.apply(secret.describe), tags: table.tags }, childOpts),
      );
      this.secretVersions = owned.map(
        (secret, i) =>
          new aws.secretsmanager.SecretVersion(
            secret.resourceName,
            { secretId: this.secretsManagerSecrets![i]!.id, secretString: pulumi.secret(secret.data.apply(entriesSecretString)) },
            childOpts,
          ),
      );
      const sms = this.secretsManagerSecrets;
      const arns = (clientKeys: boolean) => pulumi.all(sms.filter((_s, i) => owned[i]!.clientKeys === clientKeys).map((s) => s.arn));
      this.secretsPolicy =
        owned.length === 0
          ? undefined
          : new aws.iam.RolePolicy(
              `${name}-secrets`,
              { role: table.roleId, policy: pulumi.all([arns(false), arns(true)]).apply(([provider, client]) => JSON.stringify(secretsPolicy(provider, client))) },
              childOpts,
            );
      this.secretItems = this.secretsManagerSecrets.map(
        (secret, i) =>
          new aws.dynamodb.TableItem(
            owned[i]!.resourceName,
            itemArgs(pulumi.all([owned[i]!.meta, secret.arn]).apply(([meta, arn]) => awsSecretItem(meta, arn))),
            { ...childOpts, dependsOn: [this.secretVersions![i]!, ...(this.secretsPolicy ? [this.secretsPolicy] : [])] },
          ),
      );
      if (bedrock === true) {
        // The account id is in an inference profile's and a guardrail's ARN; a plain model's needs none.
        const needs = rendered.now ? bedrockTargets(rendered.now.parsed).targets.some(needsAccount) : true;
        const accountId = needs ? aws.getCallerIdentityOutput({}, { parent: this, provider: table.provider }).accountId : undefined;
        this.bedrockPolicy = new aws.iam.RolePolicy(
          `${name}-bedrock`,
          {
            role: table.roleId,
            policy: pulumi.all([rendered.parsed, accountId]).apply(([parsed, account]) => JSON.stringify(bedrockPolicy(bedrockGrants(bedrockTargets(parsed as ManifestObject).targets, account)))),
          },
          childOpts,
        );
      }
      // The function sees the object only once it may read its secrets and call its models.
      this.item = new aws.dynamodb.TableItem(name, itemArgs(rendered.manifest), {
        ...childOpts,
        dependsOn: [...this.secretItems, ...(this.bedrockPolicy ? [this.bedrockPolicy] : []), ...dependsOn],
      });
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
      bedrockPolicy: this.bedrockPolicy,
    });
  }
}
