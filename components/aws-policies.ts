/**
 * The IAM documents of the AWS platform, as pure functions of ARNs: the Lambda's trust policy,
 * and its permissions — exactly the calls the handler makes (functions/state/dynamodb.ts,
 * functions/config/table-source.ts, functions/config/secrets-manager.ts), on exactly the resources
 * the components created. No statement has a `*` resource.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
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
export const SECRET_ACTIONS = ['secretsmanager:GetSecretValue'];

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

/** Reading the provider keys one component stored: those secrets' ARNs, nothing else. */
export function secretsPolicy(secretArns: readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ProviderKeys', Effect: 'Allow', Action: SECRET_ACTIONS, Resource: [...secretArns] }],
  };
}
