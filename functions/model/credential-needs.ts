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
  const statements: IamStatement[] = [];
  if (assumeRoles.length > 0) statements.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: assumeRoles });
  if (tagSessionRoles.length > 0) statements.push({ Effect: 'Allow', Action: ['sts:TagSession'], Resource: tagSessionRoles });
  return { assumeRoles, tagSessionRoles, statements, mintsBearerTokens };
}
