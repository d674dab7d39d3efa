/**
 * A Pulumi program as a user writes one in a project from `pulumi new typescript`, with modelgate
 * installed from its tarball (test/e2e/package-consumer.test.ts copies this folder into a scratch
 * project; it is not part of the repo's own type-check). It runs under Pulumi's mocks instead of
 * an engine, builds the four components on both platforms, and prints one line, `RESULT {json}`:
 * the resource types registered, and which Lambda bundle the AWS gateway would deploy.
 *
 * A CommonJS program (the template's package.json has no "type"), so `import ... from 'modelgate'`
 * compiles to `require('modelgate')` of an ES module package: what Node 22.12+ allows.
 */
import * as pulumi from '@pulumi/pulumi';
import { Backend, Gateway, GATEWAY_TYPE, Policy, Route, type GatewayArgs } from 'modelgate';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

/** What a provider would add to the inputs: enough names and ARNs for the components' outputs to resolve. */
function outputsOf(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = typeof inputs.name === 'string' ? inputs.name : `${name}-1a2b3c4`;
  switch (type) {
    case 'aws:dynamodb/table:Table':
      return { name: physical, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}` };
    case 'aws:iam/role:Role':
      return { name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case 'aws:lambda/function:Function':
      return { name: physical, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}` };
    case 'aws:lambda/functionUrl:FunctionUrl':
      return { functionUrl: `https://${physical}.lambda-url.${REGION}.on.aws/` };
    case 'aws:secretsmanager/secret:Secret':
      return { name: physical, arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${physical}-AbCdEf` };
    default:
      return {};
  }
}

/** Resolves once every output has a value; `apply` alone never calls back for a failed one (the rejection handler below reports it). */
function settled(outputs: Array<pulumi.Input<unknown>>): Promise<unknown[]> {
  return new Promise((resolve) => {
    pulumi.all(outputs).apply((values) => resolve(values));
  });
}

function build(prefix: string, gatewayArgs: GatewayArgs): { gateway: Gateway; urns: Array<pulumi.Output<string>> } {
  const key = pulumi.secret('sk-ant-consumer-test-0123456789');
  const provider = (name: string, model: string) => ({ name, anthropic: { model }, policies: { auth: { key } } });
  const gateway = new Gateway(`${prefix}-gateway`, gatewayArgs);
  const backend = new Backend(`${prefix}-anthropic`, {
    gateway,
    ai: { groups: [{ providers: [provider('opus', 'claude-opus-4-6')] }, { providers: [provider('sonnet', 'claude-sonnet-4-6')] }] },
  });
  const policy = new Policy(`${prefix}-failover`, {
    gateway,
    targetRefs: [backend],
    backend: { health: { unhealthyCondition: 'response.code == 429', eviction: { duration: '10s', consecutiveFailures: 1 } } },
  });
  const route = new Route(`${prefix}-openai`, {
    gateway,
    parentRefs: [gateway],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }],
  });
  return { gateway, urns: [gateway.urn, backend.urn, policy.urn, route.urn] };
}

async function main(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        registered.push({ type: args.type, name: args.name, inputs });
        return { id: `${args.name}-id`, state: { ...inputs, ...outputsOf(args.type, args.name, inputs) } };
      },
      call(args) {
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity') {
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: 'AIDAEXAMPLE', id: ACCOUNT };
        }
        return args.inputs;
      },
    },
    'modelgate-consumer',
    'dev',
    false,
  );

  // Created after the mocks are set: resources made before would never reach them.
  const k8s = build('k8s', { platform: 'kubernetes', namespace: 'agentgateway-system' });
  const aws = build('aws', { platform: 'aws' });
  const [awsUrl] = await settled([aws.gateway.url, ...k8s.urns, ...aws.urns]);
  // Children register after their parents' URNs resolve: wait for every registration to land.
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();

  const types: Record<string, number> = {};
  for (const r of registered) types[r.type] = (types[r.type] ?? 0) + 1;
  // The Lambda's code as the engine would get it: an archive of file assets (handler.mjs) and archives (handler-chunks/), its fields promises.
  const lambda = registered.find((r) => r.type === 'aws:lambda/function:Function');
  type Archive = { assets?: Promise<Record<string, { path?: Promise<string>; assets?: Archive['assets'] }>> };
  const filesOf = async (archive: Archive | undefined, prefix: string): Promise<Array<[string, string | null]>> => {
    const assets = (await archive?.assets) ?? {};
    const nested = await Promise.all(
      Object.entries(assets).map(async ([file, asset]) => (asset.assets ? filesOf(asset, `${prefix}${file}/`) : [[`${prefix}${file}`, (await asset.path) ?? null] as [string, string | null]])),
    );
    return ([] as Array<[string, string | null]>).concat(...nested);
  };
  const lambdaCode = Object.fromEntries(await filesOf(lambda?.inputs.code as Archive | undefined, ''));
  // How this file was loaded: compiled to CommonJS (so modelgate came through require()), or as an ES module.
  const moduleSystem = typeof module === 'object' ? 'commonjs' : 'esm';
  console.log(`RESULT ${JSON.stringify({ gatewayType: GATEWAY_TYPE, moduleSystem, types, lambdaCode, awsUrl })}`);
}

process.on('unhandledRejection', (reason) => {
  console.error('unhandled rejection:', reason);
  process.exit(1);
});
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
