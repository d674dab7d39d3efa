/**
 * The IAM documents of the AWS platform, as pure functions of ARNs: the Lambda's trust policy,
 * and its permissions — exactly the calls the handler makes (functions/state/dynamodb.ts,
 * functions/config/table-source.ts, functions/config/secrets-manager.ts), on exactly the resources
 * the components created. No statement has a `*` resource.
 *
 * The one wildcard is the Region of a foundation model reached through a Bedrock inference
 * profile (`arn:aws:bedrock:*::foundation-model/<model>`): that statement holds only with
 * `bedrock:InferenceProfileArn` equal to the profile's ARN, so it admits no direct call to the
 * model anywhere — only the calls that profile routes, to the Regions AWS defines for it.
 */
import type { BedrockGrants } from './bedrock.js';
import { assumeRoleStatements } from '../../functions/model/credential-needs.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Only Lambda may assume the function's role. */
export function lambdaTrustPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
}

/** The table operations the handler uses: Query (config, eviction state), GetItem, UpdateItem (eviction state). */
export const TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
/** The log group exists (the components create it), so only streams and events are written. */
export const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
// DescribeSecret: each config refresh asks which version is current and fetches the value only
// when it moved (a rotated provider key, a revoked client key), with no decryption per poll.
export const SECRET_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

/** The gateway's own permissions: its table, its log group and the group's streams. */
export function gatewayPolicy(tableArn: string, logGroupArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ConfigAndEvictionState', Effect: 'Allow', Action: TABLE_ACTIONS, Resource: tableArn },
      // A log group ARN as Pulumi reports it has no `:*`; its streams are `<arn>:log-stream:<name>`.
      { Sid: 'Logs', Effect: 'Allow', Action: LOG_ACTIONS, Resource: [logGroupArn, `${logGroupArn}:*`] },
    ],
  };
}

/**
 * Reading the secrets one component stored: its provider keys, its client API keys (their
 * digests), its basic-auth users (htpasswd lines) and its provider credentials (a Google
 * service-account key, an Entra ID client secret, AWS keys), those secrets' ARNs, nothing else.
 */
export function secretsPolicy(
  providerKeyArns: readonly string[],
  clientKeyArns: readonly string[] = [],
  basicAuthArns: readonly string[] = [],
  providerCredentialArns: readonly string[] = [],
): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (providerKeyArns.length > 0) statements.push({ Sid: 'ProviderKeys', Effect: 'Allow', Action: SECRET_ACTIONS, Resource: [...providerKeyArns] });
  if (providerCredentialArns.length > 0) statements.push({ Sid: 'ProviderCredentials', Effect: 'Allow', Action: SECRET_ACTIONS, Resource: [...providerCredentialArns] });
  if (clientKeyArns.length > 0) statements.push({ Sid: 'ClientKeys', Effect: 'Allow', Action: SECRET_ACTIONS, Resource: [...clientKeyArns] });
  if (basicAuthArns.length > 0) statements.push({ Sid: 'BasicAuthUsers', Effect: 'Allow', Action: SECRET_ACTIONS, Resource: [...basicAuthArns] });
  return { Version: '2012-10-17', Statement: statements };
}

/** `auth.aws.assumeRole`: `sts:AssumeRole` on exactly the named roles, `sts:TagSession` on those assumed with session tags. */
export function assumeRolePolicy(assumeRoles: readonly string[], tagSessionRoles: readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: assumeRoleStatements(assumeRoles, tagSessionRoles).map((s, i) => ({ Sid: i === 0 ? 'AssumeRoles' : 'TagSessions', ...s })),
  };
}

/** What the bedrock provider calls (Converse and ConverseStream authorize as these two). */
export const BEDROCK_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
/** A provider's `guardrail`, applied by Bedrock during the call, on the caller's permission. */
export const GUARDRAIL_ACTIONS = ['bedrock:ApplyGuardrail'];

/** Invoking exactly the models of one Backend's bedrock providers (aws/bedrock.ts computes the ARNs). */
export function bedrockPolicy(grants: BedrockGrants): PolicyDocument {
  if (grants.models.length === 0) throw new Error('bedrockPolicy: no model to grant');
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'BedrockModels', Effect: 'Allow', Action: BEDROCK_ACTIONS, Resource: [...grants.models] },
      ...grants.viaProfiles.map(
        (v, i): PolicyStatement => ({
          Sid: `BedrockViaInferenceProfile${i + 1}`,
          Effect: 'Allow',
          Action: BEDROCK_ACTIONS,
          Resource: [...v.models],
          Condition: { ArnEquals: { 'bedrock:InferenceProfileArn': v.profileArn } },
        }),
      ),
      ...(grants.guardrails.length > 0 ? [{ Sid: 'BedrockGuardrails', Effect: 'Allow' as const, Action: GUARDRAIL_ACTIONS, Resource: [...grants.guardrails] }] : []),
    ],
  };
}
