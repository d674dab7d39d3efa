/**
 * The AWS platform, as the table in ../platforms.ts reads it: its own Gateway args, and what it
 * makes of a Gateway (gateway.ts) and of each Backend, Policy and Route (object.ts), with the rule
 * its role's Bedrock grant needs (bedrock.ts).
 */
import type * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Platform } from '../context.js';
import type { GatewayCommonArgs } from '../gateway.js';
import type { GatewayPlatform, PlatformObjects } from '../platforms.js';
import { createAwsGateway, type Architecture, type FunctionUrlAuthType, type LogLevel } from './gateway.js';
import { bedrockRule, createAwsObject, type BedrockRule } from './object.js';

/** What only an `aws` gateway takes. */
export interface AwsGatewayFields {
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
}

export interface AwsGatewayArgs extends GatewayCommonArgs, AwsGatewayFields {
  platform: typeof Platform.Aws;
  /** The AWS provider (account, region); the component's `aws` provider or the default provider otherwise. */
  provider?: aws.Provider;
}

export const AWS_PLATFORM: GatewayPlatform = {
  trustsUnmanaged: false,
  fields: [
    'authType',
    'memorySize',
    'timeout',
    'architecture',
    'logRetentionInDays',
    'tags',
    'pointInTimeRecovery',
    'configRefreshInterval',
    'logLevel',
    'reservedConcurrency',
    'functionName',
    'roleName',
    'tableName',
  ] satisfies ReadonlyArray<keyof AwsGatewayFields>,
  refusals: { install: 'on AWS the gateway is the Lambda function' },
  createGateway: ({ parent, name, owner, args, manifest, gateway }) => {
    // No field of another platform is left (checked before): these are the AWS args.
    const made = createAwsGateway(parent, name, owner, args as AwsGatewayArgs, manifest, gateway);
    const { table, function: fn, role, logGroup, functionUrl } = made.resources;
    const fields = {
      ...made.resources,
      url: functionUrl.functionUrl.apply((u) => u.replace(/\/$/, '')),
      tableName: table.name,
      functionName: fn.name,
      roleName: role.name,
      logGroupName: logGroup.name,
      bundleSha256: pulumi.output(made.bundleSha256),
    };
    const objects: PlatformObjects<BedrockRule> = { rule: bedrockRule, create: (object, rule) => createAwsObject(object, rule, made.context) };
    return { fields, objects };
  },
};
