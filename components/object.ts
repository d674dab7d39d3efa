/**
 * What Backend, Policy, Route and Model share: render the object from the args, validate it with the data
 * plane's code (at once when the args are plain, inside `apply` when they hold Outputs), and move the
 * keys into Secrets — provider keys (`auth.key`) as they are, client API keys
 * (`traffic.apiKeyAuthentication.keys`) as SHA-256 digests, basic-auth users
 * (`traffic.basicAuthentication.users`) as an htpasswd file. The platform's resources are made by
 * its own folder: kubernetes/object.ts (custom resource, Secrets), aws/object.ts (config items,
 * Secrets Manager secrets, the grants to read them and to invoke exactly the bedrock models), found
 * through the table in platforms.ts.
 */
import type * as aws from '@pulumi/aws';
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../functions/model/validate.js';
import { COMPONENT_INFO, componentInfo, type ComponentInfo, type ComponentName, type GatewayContext } from './context.js';
import { basicAuthEntries, basicAuthSecretName, basicAuthUserProblems, extractBasicAuthUsers, leftoverBasicAuthUsers } from './basic-auth.js';
import {
  CREDENTIAL_STAND_INS,
  credentialEntries,
  credentialsSecretName,
  extractCredentials,
  leftoverCredentials,
  type CredentialKind,
  type ExtractedCredential,
} from './credentials.js';
import type { AnnotationsInput } from './hedging.js';
import { hasUnresolved, mapInput } from './inputs.js';
import {
  CLIENT_KEYS_PATH,
  clientKeyEntries,
  clientKeysSecretName,
  extractClientKeys,
  extractKeys,
  leftoverKeys,
  manifest,
  providerKeyEntries,
  secretName,
  type ComponentKind,
  type ExtractedKey,
  type Manifest,
  type Meta,
  type PathProblem,
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
  /** The Secret this component keeps its basic-auth users in. */
  ownBasicAuthSecrets?: Array<pulumi.Input<string>>;
  /** The Secrets this component keeps its provider credentials (gcp, azure, aws) in, with entries that stand in for them in checks. */
  ownCredentialSecrets?: Array<{ name: pulumi.Input<string>; standIn: Record<string, string> }>;
  /** The gateway's own object (for a route's or a model's parents). */
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
    trustsUnmanaged: ReferenceContext['trustsUnmanaged'];
    knownSecrets: ReadonlySet<string>;
    knownClientKeySecrets?: ReadonlySet<string>;
    knownBasicAuthSecrets?: ReadonlySet<string>;
    knownCredentialSecrets?: ReadonlyMap<string, Readonly<Record<string, string>>>;
    knownModels?: ReadonlyMap<string, ManifestObject>;
    checkReferences: boolean;
    /** A platform's own rule over the validated object (throws a SpecError). */
    check?: (parsed: ManifestObject) => void;
  },
): Rendered {
  const build = (plain: pulumi.Unwrap<RenderInput>) =>
    asResourceError(resource, () => {
      const meta = plain.meta as Meta;
      const leftovers = [...leftoverKeys(kind, plain.spec as Plain), ...leftoverCredentials(kind, plain.spec as Plain), ...leftoverBasicAuthUsers(kind, plain.spec as Plain)];
      if (leftovers.length > 0) {
        throw new SpecError(
          leftovers.map((path) =>
            problem(
              owner,
              path,
              'a key inside an Output cannot be moved into a Secret; pass the objects that lead to `auth` (its `gcp`, `azure`, `aws`; or `traffic.apiKeyAuthentication`, `traffic.basicAuthentication`) as plain values (only their fields may be Outputs)',
            ),
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
        const knownBasicAuthSecrets = new Set(context.knownBasicAuthSecrets);
        for (const name of plain.ownBasicAuthSecrets ?? []) knownBasicAuthSecrets.add(`${meta.namespace}/${name}`);
        const knownCredentialSecrets = new Map(context.knownCredentialSecrets);
        for (const own of plain.ownCredentialSecrets ?? []) knownCredentialSecrets.set(`${meta.namespace}/${own.name}`, own.standIn);
        checkReferences(owner, parsed, {
          trustsUnmanaged: context.trustsUnmanaged,
          gateway: plain.gateway as ManifestObject | undefined,
          knownSecrets,
          knownClientKeySecrets,
          knownBasicAuthSecrets,
          knownCredentialSecrets,
          ...(context.knownModels && { knownModels: context.knownModels }),
        });
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
  if (info.gateway !== source.gateway)
    problems.push(problem(owner, source.path, `the ${info.component} belongs to another Gateway; components refer only to components of their own Gateway`));
  if (problems.length > 0) throw new SpecError(problems);
  if (info.component !== 'Gateway') dependsOn.push(info.resource);
  return toRef(info);
}

export interface SpecComponentArgs {
  /** The Gateway this object belongs to: decides platform, namespace and (on AWS) the table. */
  gateway: unknown;
  /** `metadata.name`; the component's name by default. */
  name?: pulumi.Input<string>;
  /** `metadata.annotations` (modelgate's `modelgate.dev/` settings: hedging.ts). */
  annotations?: AnnotationsInput;
}

const suffix = (i: number) => (i === 0 ? '' : `-${i + 1}`);

/** What a component's Secret holds: a provider key, provider credentials (gcp, azure, aws), client API keys' digests, or basic-auth users. */
export type SecretPurpose = 'provider-key' | 'provider-credentials' | 'client-keys' | 'basic-auth';

/**
 * A Secret a component makes: provider key (`{Authorization: key}`), client keys' digests
 * (`{key-1: {"keyHash": ...}}`) or basic-auth users (`{".htaccess": "user:hash\n..."}`).
 */
export interface OwnedSecret {
  /** The Pulumi resource name of its resources (`<component>-secret`, `<component>-client-keys`, `<component>-basic-auth`). */
  resourceName: string;
  meta: pulumi.Output<Meta>;
  /** Its entries, a Pulumi secret. */
  data: pulumi.Output<Record<string, string>>;
  describe: (meta: Meta) => string;
  purpose: SecretPurpose;
}

/**
 * A list of secret strings (client keys, basic-auth users) as the entries of their Secret (a Pulumi
 * secret): checked now where plain, the rest when known. Never a value in a message.
 */
function secretEntriesOf(
  resource: pulumi.Resource,
  owner: Owner,
  list: pulumi.Input<pulumi.Input<string>[]>,
  problemsOf: (list: unknown, known: (value: unknown) => boolean) => PathProblem[],
  entries: (list: string[]) => Record<string, string>,
): pulumi.Output<Record<string, string>> {
  const fail = (found: PathProblem[]) => {
    if (found.length > 0)
      throw new InvalidSpecError(
        found.map((p) => problem(owner, p.path, p.message)),
        resource,
      );
  };
  fail(Array.isArray(list) || !hasUnresolved(list) ? problemsOf(list, (value) => !hasUnresolved(value)) : []);
  return pulumi.secret(
    pulumi.output(list).apply((plain) => {
      fail(problemsOf(plain, () => true));
      return entries(plain);
    }),
  );
}

/** Client keys: at least one; each a non-empty string. */
function clientKeyProblems(list: unknown, known: (value: unknown) => boolean): PathProblem[] {
  if (!Array.isArray(list)) return [{ path: CLIENT_KEYS_PATH, message: 'must be a list of keys' }];
  if (list.length === 0) return [{ path: CLIENT_KEYS_PATH, message: 'should have at least 1 items' }];
  return list.flatMap((key: unknown, i) =>
    known(key) && (typeof key !== 'string' || key.trim() === '') ? [{ path: `${CLIENT_KEYS_PATH}[${i}]`, message: 'must be a non-empty string' }] : [],
  );
}

/** The Gateway a component names in `gateway`, or an InvalidSpecError. */
function gatewayOf(resource: pulumi.Resource, owner: Owner, value: unknown): GatewayContext {
  const info = componentInfo(value);
  if (info?.component !== 'Gateway') {
    throw new InvalidSpecError([problem(owner, 'gateway', 'must be a modelgate Gateway (the instance the object belongs to)')], resource);
  }
  return info.gateway;
}

/** A spec with its keys moved out: what the object holds, and what goes into the component's Secrets. */
interface Extracted {
  /** The spec with `secretRef`s in place of the keys. */
  keyless: Plain;
  /** Provider keys, each checked (a non-empty string), and the Secret it goes into. */
  keys: Array<ExtractedKey<pulumi.Input<string>, pulumi.Input<string>>>;
  keyInputs: Array<pulumi.Input<string>>;
  /** Inline provider credentials (gcp, azure, aws), each with the Secret it goes into and its entries (a Pulumi secret, checked once known). */
  credentials: Array<ExtractedCredential<pulumi.Input<string>> & { entries: pulumi.Output<Record<string, string>> }>;
  /** The client keys' Secret and its entries, for a Policy with `traffic.apiKeyAuthentication.keys`. */
  clientKeysName: pulumi.Input<string>;
  clientEntries?: pulumi.Output<Record<string, string>>;
  /** The basic-auth users' Secret and its entries, for a Policy with `traffic.basicAuthentication.users`. */
  basicAuthName: pulumi.Input<string>;
  basicAuthEntries?: pulumi.Output<Record<string, string>>;
}

/** Keys out of the spec, into Secrets named after the object. */
function extractSecrets(resource: pulumi.Resource, owner: Owner, kind: ComponentKind, spec: Plain, objectName: pulumi.Input<string>): Extracted {
  const { spec: withoutProviderKeys, keys } = extractKeys<pulumi.Input<string>, pulumi.Input<string>>(kind, spec, (i) => mapInput(objectName, (n) => secretName(n, i)));
  const keyInputs = keys.map((k) =>
    mapInput(k.key, (value) => {
      // Never the value in a message: it is a key.
      if (typeof value !== 'string' || value.trim() === '')
        throw new InvalidSpecError(
          k.paths.map((p) => problem(owner, p, 'must be a non-empty string')),
          resource,
        );
      return value;
    }),
  );
  const inline = extractCredentials<pulumi.Input<string>>(kind, withoutProviderKeys, (k: CredentialKind, i) => mapInput(objectName, (n) => credentialsSecretName(n, k, i)));
  if (inline.problems.length > 0)
    throw new InvalidSpecError(
      inline.problems.map((p) => problem(owner, p.path, p.message)),
      resource,
    );
  const credentials = inline.credentials.map((c) => ({ ...c, entries: credentialEntriesOf(resource, owner, c) }));
  const clientKeysName = mapInput(objectName, clientKeysSecretName);
  const client = extractClientKeys<pulumi.Input<pulumi.Input<string>[]>, pulumi.Input<string>>(kind, inline.spec, clientKeysName);
  if (client.problems.length > 0)
    throw new InvalidSpecError(
      client.problems.map((p) => problem(owner, p.path, p.message)),
      resource,
    );
  const clientEntries = client.keys === undefined ? undefined : secretEntriesOf(resource, owner, client.keys, clientKeyProblems, clientKeyEntries);
  const basicAuthName = mapInput(objectName, basicAuthSecretName);
  const basic = extractBasicAuthUsers<pulumi.Input<pulumi.Input<string>[]>, pulumi.Input<string>>(kind, client.spec, basicAuthName);
  if (basic.problems.length > 0)
    throw new InvalidSpecError(
      basic.problems.map((p) => problem(owner, p.path, p.message)),
      resource,
    );
  const users = basic.users === undefined ? undefined : secretEntriesOf(resource, owner, basic.users, basicAuthUserProblems, basicAuthEntries);
  return { keyless: basic.spec, keys, keyInputs, credentials, clientKeysName, clientEntries, basicAuthName, basicAuthEntries: users };
}

/**
 * A credential's Secret entries, a Pulumi secret: checked now where its fields are plain (so a bad
 * one fails the constructor), the rest when known. Never a value in a message.
 */
function credentialEntriesOf(resource: pulumi.Resource, owner: Owner, credential: ExtractedCredential<pulumi.Input<string>>): pulumi.Output<Record<string, string>> {
  const [path] = credential.paths as [string];
  const entriesOf = (value: unknown) => {
    const result = credentialEntries(credential.kind, value, path);
    if ('problems' in result)
      throw new InvalidSpecError(
        result.problems.map((p) => problem(owner, p.path, p.message)),
        resource,
      );
    return result.entries;
  };
  const value = credential.value as pulumi.Input<string | Record<string, pulumi.Input<string>>>;
  if (!hasUnresolved(value)) entriesOf(value);
  return pulumi.secret(pulumi.output(value).apply((plain) => entriesOf(plain)));
}

/** The Secrets' names the gateway knows at construction, so a later component's `secretRef` to them is checked now. */
function noteSecrets(gateway: GatewayContext, extracted: Extracted): void {
  if (typeof gateway.namespace !== 'string') return;
  for (const n of extracted.keys.map((k) => k.secretName)) if (typeof n === 'string') gateway.knownSecrets.add(`${gateway.namespace}/${n}`);
  for (const c of extracted.credentials)
    if (typeof c.secretName === 'string') gateway.knownCredentialSecrets.set(`${gateway.namespace}/${c.secretName}`, CREDENTIAL_STAND_INS[c.kind]);
  if (extracted.clientEntries && typeof extracted.clientKeysName === 'string') gateway.knownClientKeySecrets.add(`${gateway.namespace}/${extracted.clientKeysName}`);
  if (extracted.basicAuthEntries && typeof extracted.basicAuthName === 'string') gateway.knownBasicAuthSecrets.add(`${gateway.namespace}/${extracted.basicAuthName}`);
}

/** A Model of the gateway whose args were plain, for the virtual models that name it. */
function noteModel(gateway: GatewayContext, rendered: Rendered): void {
  const parsed = rendered.now?.parsed;
  if (parsed) gateway.knownModels.set(`${parsed.metadata.namespace ?? 'default'}/${parsed.metadata.name}`, parsed);
}

/** The names of the component's Secrets, in the order of `secretNames` (and of `OwnedSecret`s). */
function ownedSecretNames(extracted: Extracted): Array<pulumi.Input<string>> {
  return [
    ...extracted.keys.map((k) => k.secretName),
    ...extracted.credentials.map((c) => c.secretName),
    ...(extracted.clientEntries ? [extracted.clientKeysName] : []),
    ...(extracted.basicAuthEntries ? [extracted.basicAuthName] : []),
  ];
}

const CREDENTIAL_DESCRIPTION: Record<CredentialKind, string> = {
  gcp: 'Google service-account key',
  azure: 'Entra ID client secret',
  aws: 'AWS access keys',
};

/** Every Secret the component makes. Metadata comes from the validated object, so an invalid spec fails its Secrets too. */
function ownedSecrets(name: string, rendered: Rendered, extracted: Extracted): OwnedSecret[] {
  const metaOf = (nameOf: (object: string) => string) => rendered.manifest.apply((m) => ({ name: nameOf(m.metadata.name), namespace: m.metadata.namespace }));
  const providerKeys = extracted.keyInputs.map((key, i) => ({
    resourceName: `${name}-secret${suffix(i)}`,
    meta: metaOf((n) => secretName(n, i)),
    data: pulumi.secret(pulumi.output(key).apply(providerKeyEntries)),
    describe: (m: Meta) => `modelgate: provider key of Secret ${m.namespace}/${m.name}`,
    purpose: 'provider-key' as const,
  }));
  const credentials = extracted.credentials.map((c) => {
    // Numbered per kind, as the Secrets' names are (credentials.ts).
    const index = extracted.credentials.filter((o) => o.kind === c.kind).indexOf(c);
    return {
      resourceName: credentialsSecretName(name, c.kind, index),
      meta: metaOf((n) => credentialsSecretName(n, c.kind, index)),
      data: c.entries,
      describe: (m: Meta) => `modelgate: ${CREDENTIAL_DESCRIPTION[c.kind]} of Secret ${m.namespace}/${m.name}`,
      purpose: 'provider-credentials' as const,
    };
  });
  const clientKeys = extracted.clientEntries
    ? [
        {
          resourceName: `${name}-client-keys`,
          meta: metaOf(clientKeysSecretName),
          data: extracted.clientEntries,
          describe: (m: Meta) => `modelgate: client API keys (SHA-256 digests) of Secret ${m.namespace}/${m.name}`,
          purpose: 'client-keys' as const,
        },
      ]
    : [];
  const basicAuth = extracted.basicAuthEntries
    ? [
        {
          resourceName: `${name}-basic-auth`,
          meta: metaOf(basicAuthSecretName),
          data: extracted.basicAuthEntries,
          describe: (m: Meta) => `modelgate: basic-auth users (htpasswd) of Secret ${m.namespace}/${m.name}`,
          purpose: 'basic-auth' as const,
        },
      ]
    : [];
  return [...providerKeys, ...credentials, ...clientKeys, ...basicAuth];
}

/** Base of Backend, Policy, Route and Model: one object of a gateway, and the Secrets of its keys. */
export abstract class SpecComponent extends pulumi.ComponentResource {
  /** `metadata.name` of the object. */
  readonly name!: pulumi.Output<string>;
  /** The gateway's namespace, which the object is in. */
  readonly namespace!: pulumi.Output<string>;
  /** The rendered object, exactly as applied or stored; provider keys are never in it. */
  readonly manifest!: pulumi.Output<Manifest>;
  /**
   * Names of the Secrets the component made: one per provider key (`<name>-secret`,
   * `<name>-secret-2`, ...), one per inline provider credential (`<name>-gcp-credentials`,
   * `<name>-azure-credentials`, `<name>-aws-credentials`, numbered likewise), then, for a Policy with client API keys, `<name>-client-keys`, and with
   * basic-auth users, `<name>-basic-auth`.
   */
  readonly secretNames!: pulumi.Output<string[]>;

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
  /** What a reference to this component (and the component's own checks) read: its gateway, kind and name. */
  readonly [COMPONENT_INFO]!: ComponentInfo;

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
    // Rehydrated (`opts.urn`: a reference to a component that exists, from a program in another language): nothing to create.
    if (opts?.urn) return;
    const owner: Owner = { type, name };
    const gateway = gatewayOf(this, owner, args.gateway);
    const objectName = args.name ?? name;
    const dependsOn: pulumi.Resource[] = [];
    const spec = asResourceError(this, () => prepare(owner, gateway, dependsOn));
    this[COMPONENT_INFO] = { component, gateway, name: objectName, namespace: gateway.namespace, resource: this };

    const extracted = extractSecrets(this, owner, kind, spec, objectName);
    noteSecrets(gateway, extracted);
    const rule = asResourceError(this, () => gateway.platformObjects.rule?.(owner, kind, extracted.keyless));
    const rendered = renderObject(
      this,
      owner,
      kind,
      {
        meta: {
          name: objectName,
          namespace: gateway.namespace,
          ...(args.annotations !== undefined && { annotations: args.annotations as Meta<pulumi.Input<string>>['annotations'] }),
        },
        spec: extracted.keyless,
        ownSecrets: extracted.keys.map((k) => k.secretName),
        ownClientKeySecrets: extracted.clientEntries ? [extracted.clientKeysName] : [],
        ownBasicAuthSecrets: extracted.basicAuthEntries ? [extracted.basicAuthName] : [],
        ownCredentialSecrets: extracted.credentials.map((c) => ({ name: c.secretName, standIn: { ...CREDENTIAL_STAND_INS[c.kind] } })),
        ...((kind === 'HTTPRoute' || kind === 'AgentgatewayModel') && { gateway: gateway.parsedNow ?? gateway.parsed }),
      },
      {
        trustsUnmanaged: gateway.trustsUnmanaged,
        knownSecrets: gateway.knownSecrets,
        knownClientKeySecrets: gateway.knownClientKeySecrets,
        knownBasicAuthSecrets: gateway.knownBasicAuthSecrets,
        knownCredentialSecrets: gateway.knownCredentialSecrets,
        knownModels: gateway.knownModels,
        checkReferences: true,
        check: rule?.check,
      },
    );
    gateway.objects.push(rendered.parsed);
    if (kind === 'AgentgatewayModel') noteModel(gateway, rendered);
    this.manifest = rendered.manifest;
    this.name = rendered.manifest.apply((m) => m.metadata.name);
    this.namespace = rendered.manifest.apply((m) => m.metadata.namespace);
    this.secretNames = pulumi.output(ownedSecretNames(extracted));

    const owned = ownedSecrets(name, rendered, extracted);
    const created = gateway.platformObjects.create({ parent: this, name, kind, rendered, owned, dependsOn }, rule);
    Object.assign(this, created);

    // Every child resource, by the field that holds it.
    this.registerOutputs({ name: this.name, namespace: this.namespace, manifest: this.manifest, secretNames: this.secretNames, ...created });
  }
}
