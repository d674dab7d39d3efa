/**
 * A Backend's, Policy's or Route's resources on AWS: per Secret a Secrets Manager secret, its
 * version and its config item; the grant to read them; for bedrock providers the grant to invoke
 * exactly their models; and last the object's own config item, which the function reads.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../../functions/model/validate.js';
import { KEY } from '../../functions/state/table-layout.js';
import { validatedConfigItem } from '../../functions/config/validated-item.js';
import { ConfigError } from '../../functions/model/compile.js';
import { asResourceError, type OwnedSecret, type Rendered, type SecretPurpose } from '../object.js';
import type { ObjectRule, ObjectToCreate } from '../platforms.js';
import { hasUnresolved } from '../inputs.js';
import { authBlocks, awsSecretItem, entriesSecretString, isObject, type ComponentKind, type Manifest, type Plain } from '../render.js';
import { problem, SpecError, type Owner } from '../validation.js';
import { bedrockGrants, bedrockTargets, hasBedrockProvider, isBedrockModel, needsAccount } from './bedrock.js';
import { assumeRolePolicy, bedrockPolicy, secretsPolicy } from './policies.js';
import { assumedRolesIn } from '../../functions/model/credential-needs.js';

export interface AwsObjectResources {
  /** The object's config item. */
  item: aws.dynamodb.TableItem;
  /** Per Secret (in the order of `secretNames`): its Secrets Manager secret, version and config item. */
  secretsManagerSecrets: aws.secretsmanager.Secret[];
  secretVersions: aws.secretsmanager.SecretVersion[];
  secretItems: aws.dynamodb.TableItem[];
  /** Lets the gateway's function read exactly these secrets. */
  secretsPolicy?: aws.iam.RolePolicy;
  /** A Backend with bedrock providers: lets the gateway's function invoke exactly their models. */
  bedrockPolicy?: aws.iam.RolePolicy;
  /** `auth.aws.assumeRole`: lets the gateway's function assume exactly the roles the object names. */
  assumeRolePolicy?: aws.iam.RolePolicy;
}

/**
 * AWS's rule over an object: whether it calls bedrock and which roles it assumes (both known at
 * construction, since they decide the role's grants), and the check of both once it is parsed.
 */
export interface BedrockRule extends ObjectRule {
  bedrock: boolean | undefined;
  /** `auth.aws.assumeRole` roles named with plain values (functions/model/credential-needs.ts). */
  roles: { assumeRoles: string[]; tagSessionRoles: string[] };
}

/** What the objects of a gateway need of it on AWS: where they are written and granted. */
export interface AwsTable {
  provider: pulumi.ProviderResource | undefined;
  tableName: pulumi.Output<string>;
  roleId: pulumi.Output<string>;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
  /** The handler bundle's sha256: each config item carries a copy validated for it (functions/config/validated-copy.ts). */
  build: string;
}

/** The role's Bedrock grant names the models, so they must be pinned, and known to be bedrock at construction. */
export function bedrockRule(owner: Owner, kind: ComponentKind, spec: Plain): BedrockRule {
  const unknownRoles = unresolvedRoleArns(kind, spec);
  if (unknownRoles.length > 0) {
    throw new SpecError(
      unknownRoles.map((path) =>
        problem(owner, path, "an Output: on AWS the role's sts:AssumeRole grant names the role and is decided at construction; pass the roleArn as a plain string"),
      ),
    );
  }
  const roles = assumedRolesIn(spec);
  // A role named inside an Output is seen only once parsed: too late to grant it.
  const checkRoles = (parsed: ManifestObject) =>
    assumedRolesIn(parsed)
      .assumeRoles.filter((r) => !roles.assumeRoles.includes(r))
      .map((r) =>
        problem(
          owner,
          'auth.aws.assumeRole.roleArn',
          `${r} is inside an Output: on AWS the role's sts:AssumeRole grant is decided at construction; pass the roleArn as a plain string`,
        ),
      );
  if (kind !== 'AgentgatewayBackend' && kind !== 'AgentgatewayModel') {
    return {
      bedrock: false,
      roles,
      check: (parsed) => {
        const all = checkRoles(parsed);
        if (all.length > 0) throw new SpecError(all);
      },
    };
  }
  const bedrock = kind === 'AgentgatewayModel' ? isBedrockModel(spec) : hasBedrockProvider(spec);
  const plainly = kind === 'AgentgatewayModel' ? 'pass `provider` as a plain string' : 'pass `ai` and its providers as plain objects (their fields may be Outputs)';
  const check = (parsed: ManifestObject) => {
    const { targets, problems } = bedrockTargets(parsed);
    const all = [...problems.map((p) => problem(owner, p.path, p.message)), ...checkRoles(parsed)];
    if (bedrock !== true) {
      for (const t of targets) {
        all.push(problem(owner, t.path, `a bedrock provider inside an Output: on AWS the role's Bedrock grant is decided at construction; ${plainly}`));
      }
    }
    if (all.length > 0) throw new SpecError(all);
  };
  return { bedrock, roles, check };
}

/** Paths of the `auth.aws.assumeRole.roleArn`s that are Outputs (or inside one) where the `aws` block itself is plain. */
function unresolvedRoleArns(kind: ComponentKind, spec: Plain): string[] {
  return authBlocks(kind, spec).flatMap((b) => {
    const aws = b.auth.aws;
    if (!isObject(aws) || aws.assumeRole === undefined) return [];
    const role = aws.assumeRole;
    return hasUnresolved(isObject(role) ? role.roleArn : role) ? [`${b.path}.aws.assumeRole.roleArn`] : [];
  });
}

/**
 * A config item as the handler reads it, with its copy validated for the handler `build`
 * (functions/config/validated-copy.ts). An object that does not validate (only a value JSON
 * changes gets this far) is refused on `resource`, naming its fields.
 */
export function validatedItemText(resource: pulumi.Resource, object: Manifest, build: string): string {
  return asResourceError(resource, () => {
    try {
      return JSON.stringify(validatedConfigItem(object, build));
    } catch (error) {
      if (error instanceof ConfigError) throw new SpecError([...error.problems]);
      throw error;
    }
  });
}

export function createAwsObject({ parent, name, rendered, owned, dependsOn }: ObjectToCreate, rule: BedrockRule | undefined, table: AwsTable): AwsObjectResources {
  const bedrock = rule?.bedrock;
  const opts = { parent, provider: table.provider };
  const itemArgs = (object: pulumi.Input<Manifest>) => ({
    tableName: table.tableName,
    hashKey: KEY.partition,
    rangeKey: KEY.sort,
    item: pulumi.output(object).apply((o) => validatedItemText(parent, o as Manifest, table.build)),
  });
  const secretsManagerSecrets = owned.map(
    (secret) => new aws.secretsmanager.Secret(secret.resourceName, { description: secret.meta.apply(secret.describe), tags: table.tags }, opts),
  );
  const secretVersions = owned.map(
    (secret, i) =>
      new aws.secretsmanager.SecretVersion(
        secret.resourceName,
        { secretId: secretsManagerSecrets[i]!.id, secretString: pulumi.secret(secret.data.apply(entriesSecretString)) },
        opts,
      ),
  );
  const readSecrets = createSecretsPolicy(name, owned, secretsManagerSecrets, table, opts);
  // A Secret's config item names its ARN only once the function may read it.
  const secretItems = secretsManagerSecrets.map(
    (secret, i) =>
      new aws.dynamodb.TableItem(owned[i]!.resourceName, itemArgs(pulumi.all([owned[i]!.meta, secret.arn]).apply(([meta, arn]) => awsSecretItem(meta, arn))), {
        ...opts,
        dependsOn: [secretVersions[i]!, ...(readSecrets ? [readSecrets] : [])],
      }),
  );
  const invokeModels = bedrock === true ? createBedrockPolicy(parent, name, rendered, table, opts) : undefined;
  const assumeRoles =
    rule && rule.roles.assumeRoles.length > 0
      ? new aws.iam.RolePolicy(`${name}-assume-role`, { role: table.roleId, policy: JSON.stringify(assumeRolePolicy(rule.roles.assumeRoles, rule.roles.tagSessionRoles)) }, opts)
      : undefined;
  // The function sees the object only once it may read its secrets, call its models and assume its roles.
  const grants = [...(invokeModels ? [invokeModels] : []), ...(assumeRoles ? [assumeRoles] : [])];
  const item = new aws.dynamodb.TableItem(name, itemArgs(rendered.manifest), { ...opts, dependsOn: [...secretItems, ...grants, ...dependsOn] });
  return {
    item,
    secretsManagerSecrets,
    secretVersions,
    secretItems,
    secretsPolicy: readSecrets,
    bedrockPolicy: invokeModels,
    ...(assumeRoles && { assumeRolePolicy: assumeRoles }),
  };
}

/** Read access to exactly the component's secrets (provider keys, provider credentials, client keys' digests and basic-auth users apart); none without secrets. */
function createSecretsPolicy(
  name: string,
  owned: readonly OwnedSecret[],
  secrets: readonly aws.secretsmanager.Secret[],
  table: AwsTable,
  opts: pulumi.CustomResourceOptions,
): aws.iam.RolePolicy | undefined {
  if (owned.length === 0) return undefined;
  const arns = (purpose: SecretPurpose) => pulumi.all(secrets.filter((_s, i) => owned[i]!.purpose === purpose).map((s) => s.arn));
  return new aws.iam.RolePolicy(
    `${name}-secrets`,
    {
      role: table.roleId,
      policy: pulumi
        .all([arns('provider-key'), arns('client-keys'), arns('basic-auth'), arns('provider-credentials')])
        .apply(([provider, client, basicAuth, credentials]) => JSON.stringify(secretsPolicy(provider, client, basicAuth, credentials))),
    },
    opts,
  );
}

/** Invoke access to exactly the models of the Backend's bedrock providers. */
function createBedrockPolicy(parent: pulumi.Resource, name: string, rendered: Rendered, table: AwsTable, opts: pulumi.CustomResourceOptions): aws.iam.RolePolicy {
  // The account id is in an inference profile's and a guardrail's ARN; a plain model's needs none.
  const needs = rendered.now ? bedrockTargets(rendered.now.parsed).targets.some(needsAccount) : true;
  const accountId = needs ? aws.getCallerIdentityOutput({}, { parent, provider: table.provider }).accountId : undefined;
  return new aws.iam.RolePolicy(
    `${name}-bedrock`,
    {
      role: table.roleId,
      policy: pulumi
        .all([rendered.parsed, accountId])
        .apply(([parsed, account]) => JSON.stringify(bedrockPolicy(bedrockGrants(bedrockTargets(parsed as ManifestObject).targets, account)))),
    },
    opts,
  );
}
