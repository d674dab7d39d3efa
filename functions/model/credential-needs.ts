/**
 * What the gateway's own identity must be allowed to do for the provider credentials a compiled
 * config uses, so a platform grants exactly that and nothing more: on AWS, `sts:AssumeRole` on each
 * role an `auth.aws.assumeRole` names (and `sts:TagSession` on those given session tags). Pure: the
 * components (Pulumi) call it with the config they deploy.
 */
import type { AwsCredential } from '../core/credential-spec.js';
import type { CompiledConfig, CompiledProvider } from './config.js';

export interface IamStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface CredentialNeeds {
  /** Roles assumed (sorted, each once). */
  assumeRoles: string[];
  /** Of those, the roles assumed with session tags. */
  tagSessionRoles: string[];
  /** Policy statements granting exactly the above; empty when nothing is assumed. */
  statements: IamStatement[];
  /** Whether some provider mints Google or Entra ID tokens (the platform has no IAM grant for that: the key or identity is the grant). */
  mintsBearerTokens: boolean;
}

/** Every provider the config can call: backends' and AgentgatewayModels'. */
function providersOf(config: Pick<CompiledConfig, 'backends' | 'models'>): CompiledProvider[] {
  const out: CompiledProvider[] = [];
  for (const b of config.backends) out.push(...b.providers);
  for (const m of config.models ?? []) for (const r of m.routes) for (const { backend } of r.rule.backends) out.push(...backend.providers);
  return out;
}

export function credentialNeeds(config: Pick<CompiledConfig, 'backends' | 'models'>): CredentialNeeds {
  const assume = new Set<string>();
  const tag = new Set<string>();
  let mintsBearerTokens = false;
  for (const p of providersOf(config)) {
    const c = p.target.credential;
    if (c?.kind === 'gcp' || c?.kind === 'azure') mintsBearerTokens = true;
    if (c?.kind !== 'aws') continue;
    const role = (c as AwsCredential).assumeRole;
    if (!role) continue;
    assume.add(role.roleArn);
    if (role.tags && role.tags.length > 0) tag.add(role.roleArn);
  }
  const assumeRoles = [...assume].sort();
  const tagSessionRoles = [...tag].sort();
  return { assumeRoles, tagSessionRoles, statements: assumeRoleStatements(assumeRoles, tagSessionRoles), mintsBearerTokens };
}

/** `sts:AssumeRole` on exactly these roles, `sts:TagSession` on those assumed with tags; none for none. */
export function assumeRoleStatements(assumeRoles: readonly string[], tagSessionRoles: readonly string[]): IamStatement[] {
  const statements: IamStatement[] = [];
  if (assumeRoles.length > 0) statements.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [...assumeRoles] });
  if (tagSessionRoles.length > 0) statements.push({ Effect: 'Allow', Action: ['sts:TagSession'], Resource: [...tagSessionRoles] });
  return statements;
}

/**
 * The roles an object's `auth.aws.assumeRole` blocks name, wherever they are (a backend's or a
 * provider's `policies`, a model's, an AgentgatewayPolicy's `spec.backend`), read from the object
 * itself, before any config is compiled: what a component grants for the one object it deploys.
 * Values that are not plain strings (a Pulumi Output) are not seen.
 */
export function assumedRolesIn(object: unknown): { assumeRoles: string[]; tagSessionRoles: string[] } {
  const assume = new Set<string>();
  const tag = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 32 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    const aws = (value as { auth?: { aws?: { assumeRole?: { roleArn?: unknown; tags?: unknown } } } }).auth?.aws?.assumeRole;
    if (aws && typeof aws.roleArn === 'string') {
      assume.add(aws.roleArn);
      if (Array.isArray(aws.tags) && aws.tags.length > 0) tag.add(aws.roleArn);
    }
    for (const v of Object.values(value)) visit(v, depth + 1);
  };
  visit(object, 0);
  return { assumeRoles: [...assume].sort(), tagSessionRoles: [...tag].sort() };
}
