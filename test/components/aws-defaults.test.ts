import { createRequire } from 'node:module';
import * as pulumi from '@pulumi/pulumi';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { builtBundleSha256 } from './bundle-digest.js';
import type { AwsGatewayArgs } from '../../components/index.js';
import { collectingRejections, one, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';
import { buildTutorial } from './tutorial.js';

let recorded: Recorded[];
let c: Components;
let warn: MockInstance<typeof pulumi.log.warn>;

useComponents((loaded) => ({ recorded, c } = loaded));

beforeEach(() => {
  warn = vi.spyOn(pulumi.log, 'warn').mockResolvedValue(undefined);
});

afterEach(() => {
  warn.mockRestore();
});

const KEY = 'sk-ant-aws-defaults-test';
const CLIENT_KEY = 'mg-aws-defaults-client-key';

/** The public-URL warnings so far: message and the resource it was logged on. */
const publicWarnings = () => warn.mock.calls.filter(([message]) => message.includes('the function URL is public'));

/** Lets the deferred check run: it looks once the function URL is registered. */
async function quiet(...outputs: Array<pulumi.Input<unknown>>) {
  await settle(...outputs);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('aws: a public function URL without client keys is warned about', () => {
  const tutorial = (args: Omit<AwsGatewayArgs, 'platform'>) => buildTutorial(c, { platform: 'aws', namespace: 'agentgateway-system', ...args }, pulumi.secret(KEY));

  it('NONE, no client key: one warning on the Gateway, naming it and the open route', async () => {
    const { gateway, route } = tutorial({ authType: 'NONE' });
    await quiet(gateway.urn, route.urn, gateway.url);
    await vi.waitFor(() => expect(publicWarnings()).toHaveLength(1));
    const [message, resource] = publicWarnings()[0]!;
    expect(message).toBe(
      'modelgate:index:Gateway agentgateway-openshell: the function URL is public (authType NONE) and route agentgateway-system/openshell-openai takes requests without a client API key: ' +
        'anyone with the URL spends your provider keys. Add a Policy with traffic.apiKeyAuthentication (keys), jwtAuthentication or basicAuthentication targeting the routes or the Gateway, or use authType AWS_IAM.',
    );
    expect(resource).toBe(gateway);
  });

  it('no warning with a client key on the route, or on the Gateway', async () => {
    const onRoute = tutorial({ authType: 'NONE' });
    const keys = new c.Policy('client-auth', { gateway: onRoute.gateway, targetRefs: [onRoute.route], traffic: { apiKeyAuthentication: { keys: [pulumi.secret(CLIENT_KEY)] } } });
    await quiet(onRoute.gateway.url, keys.urn);

    const gateway = new c.Gateway('edge', { platform: 'aws', authType: 'NONE' });
    const backend = new c.Backend('models', { gateway, ai: { provider: { openai: { model: 'gpt-4o' } } }, policies: { auth: { key: pulumi.secret(KEY) } } });
    const route = new c.Route('chat', { gateway, rules: [{ backendRefs: [backend] }] });
    const onGateway = new c.Policy('edge-keys', { gateway, targetRefs: [gateway], traffic: { apiKeyAuthentication: { keys: [pulumi.secret(CLIENT_KEY)] } } });
    await quiet(gateway.url, route.urn, onGateway.urn);
    expect(publicWarnings()).toEqual([]);
  });

  it('a key that is optional does not protect; only the routes left open are named', async () => {
    const gateway = new c.Gateway('edge', { platform: 'aws', authType: 'NONE' });
    const backend = new c.Backend('models', { gateway, ai: { provider: { openai: { model: 'gpt-4o' } } }, policies: { auth: { key: pulumi.secret(KEY) } } });
    const closed = new c.Route('closed', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [backend] }] });
    const optional = new c.Route('optional', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], backendRefs: [backend] }] });
    const open = new c.Route('open', { gateway, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v3' } }], backendRefs: [backend] }] });
    const strict = new c.Policy('strict', { gateway, targetRefs: [closed], traffic: { apiKeyAuthentication: { keys: [pulumi.secret(CLIENT_KEY)] } } });
    const lax = new c.Policy('lax', { gateway, targetRefs: [optional], traffic: { apiKeyAuthentication: { mode: 'Optional', keys: [pulumi.secret(CLIENT_KEY)] } } });
    await quiet(gateway.url, open.urn, strict.urn, lax.urn);
    await vi.waitFor(() => expect(publicWarnings()).toHaveLength(1));
    expect(publicWarnings()[0]![0]).toContain('routes default/open, default/optional take requests without a client API key');
  });

  it('Strict basic authentication protects a route; a Public model without credentials is named, an Internal one is not', async () => {
    const gateway = new c.Gateway('edge', { platform: 'aws', authType: 'NONE' });
    const backend = new c.Backend('models', { gateway, ai: { provider: { openai: { model: 'gpt-4o' } } }, policies: { auth: { key: pulumi.secret(KEY) } } });
    const route = new c.Route('chat', { gateway, rules: [{ backendRefs: [backend] }] });
    const users = [`alice:${createRequire(import.meta.url)('apache-md5')('alice-password')}`];
    const basic = new c.Policy('basic', { gateway, targetRefs: [route], traffic: { basicAuthentication: { users } } });
    const internal = new c.Model('internal', { gateway, provider: 'OpenAI', match: { model: 'openai/*' }, visibility: 'Internal' });
    const model = new c.Model('resilient', { gateway, virtualModel: { failover: { targets: [{ modelRef: internal, model: 'openai/gpt-4o', priority: 0 }] } } });
    await quiet(gateway.url, route.urn, basic.urn, internal.urn, model.urn);
    await vi.waitFor(() => expect(publicWarnings()).toHaveLength(1));
    expect(publicWarnings()[0]![0]).toContain('(authType NONE) and model default/resilient takes requests without a client API key');
  });

  it('AWS_IAM (the default): no warning, whatever the routes', async () => {
    const { gateway, route } = tutorial({});
    await quiet(gateway.url, route.urn);
    expect(publicWarnings()).toEqual([]);
  });
});

describe('aws: reserved concurrency', () => {
  it("sets the function's reserved concurrent executions; none by default", async () => {
    await settle(new c.Gateway('capped', { platform: 'aws', reservedConcurrency: 20 }).urn);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.reservedConcurrentExecutions).toBe(20);
    recorded.length = 0;
    await settle(new c.Gateway('uncapped', { platform: 'aws' }).urn);
    expect(one(recorded, 'aws:lambda/function:Function').inputs).not.toHaveProperty('reservedConcurrentExecutions');
    recorded.length = 0;
    // 0 is AWS's kill switch: every invocation is throttled.
    await settle(new c.Gateway('stopped', { platform: 'aws', reservedConcurrency: 0 }).urn);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.reservedConcurrentExecutions).toBe(0);
  });

  it.each([-1, 2.5])('refuses %o', (value) => {
    expect(thrown(() => new c.Gateway('gw', { platform: 'aws', reservedConcurrency: value })).message).toBe(
      `modelgate:index:Gateway gw: reservedConcurrency: Invalid value: ${value}: must be an integer of at least 0`,
    );
  });

  it('checks an Output-valued one when known', async () => {
    let failure: unknown;
    await collectingRejections(async () => {
      const gateway = new c.Gateway('gw', { platform: 'aws', reservedConcurrency: pulumi.output(-5) });
      failure = await valueOf(gateway.function!.reservedConcurrentExecutions).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toContain('modelgate:index:Gateway gw: reservedConcurrency: Invalid value: -5: must be an integer of at least 0');
  });
});

describe('aws: names AWS would refuse are refused at construction', () => {
  it('a 56-character component name fits: function and role names are <name>-<7 characters>, at most 64', async () => {
    const name = 'g'.repeat(56);
    await settle(new c.Gateway(name, { platform: 'aws' }).urn);
    for (const type of ['aws:lambda/function:Function', 'aws:iam/role:Role', 'aws:dynamodb/table:Table']) expect(one(recorded, type).inputs).not.toHaveProperty('name');
  });

  it('a 57-character one is refused, naming the component, the limits and the way out', () => {
    const name = 'g'.repeat(57);
    const error = thrown(() => new c.Gateway(name, { platform: 'aws' }));
    expect(error).toBeInstanceOf(c.InvalidSpecError);
    expect(error.message.split('\n')).toEqual([
      `modelgate:index:Gateway ${name}: functionName: the Lambda function name derived from the component's name ("${name}-" and 7 random characters) would be 65 characters; AWS allows at most 64: pass a shorter component name (at most 56 characters) or set functionName`,
      `modelgate:index:Gateway ${name}: roleName: the IAM role name derived from the component's name ("${name}-" and 7 random characters) would be 65 characters; AWS allows at most 64: pass a shorter component name (at most 56 characters) or set roleName`,
    ]);
    // Nothing was created.
    expect(recorded.filter((r) => r.type.startsWith('aws:'))).toEqual([]);
  });

  it('a table name over 255 characters too', () => {
    const message = thrown(() => new c.Gateway('t'.repeat(248), { platform: 'aws', functionName: 'fn', roleName: 'role' })).message;
    expect(message).toContain("tableName: the DynamoDB table name derived from the component's name");
    expect(message).toContain('would be 256 characters; AWS allows at most 255: pass a shorter component name (at most 247 characters) or set tableName');
    expect(message).not.toContain('functionName');
  });

  it('characters a name does not allow', () => {
    // `name` keeps the Gateway object's name valid: only the component's name is at stake.
    const message = thrown(() => new c.Gateway('team/gw.prod', { platform: 'aws', name: 'gw' })).message;
    expect(message.split('\n')).toEqual([
      `modelgate:index:Gateway team/gw.prod: functionName: the Lambda function name derived from the component's name would contain "/", "."; AWS allows only letters, digits, '-' and '_': pass another component name or set functionName`,
      `modelgate:index:Gateway team/gw.prod: roleName: the IAM role name derived from the component's name would contain "/"; AWS allows only letters, digits and '+=,.@_-': pass another component name or set roleName`,
      `modelgate:index:Gateway team/gw.prod: tableName: the DynamoDB table name derived from the component's name would contain "/"; AWS allows only letters, digits, '_', '-' and '.': pass another component name or set tableName`,
    ]);
  });

  it("explicit names are used as they are, whatever the component's name", async () => {
    const name = 'a-component-name-far-too-long-to-derive-aws-names-from-it-0123456789';
    const gateway = new c.Gateway(name, { platform: 'aws', functionName: 'modelgate-prod', roleName: 'modelgate-prod-gateway', tableName: 'modelgate-prod-config' });
    await settle(gateway.urn, gateway.url);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.name).toBe('modelgate-prod');
    expect(one(recorded, 'aws:iam/role:Role').inputs.name).toBe('modelgate-prod-gateway');
    expect(one(recorded, 'aws:dynamodb/table:Table').inputs.name).toBe('modelgate-prod-config');
    expect(await valueOf(gateway.logGroupName)).toBe('/aws/lambda/modelgate-prod');
    // The description stays within AWS's 256 characters, with the whole hash.
    const description = one(recorded, 'aws:lambda/function:Function').inputs.description as string;
    expect(description.length).toBeLessThanOrEqual(256);
  });

  it.each([
    [{ functionName: 'f'.repeat(65) }, `functionName: Invalid value: "${'f'.repeat(65)}": a Lambda function name is 1 to 64 characters, not 65`],
    [{ roleName: 'role name' }, 'roleName: Invalid value: "role name": an IAM role name allows only letters, digits and \'+=,.@_-\''],
    [{ tableName: 'ab' }, 'tableName: Invalid value: "ab": a DynamoDB table name is 3 to 255 characters, not 2'],
  ])('refuses explicit %o', (names, message) => {
    expect(thrown(() => new c.Gateway('gw', { platform: 'aws', ...names })).message).toBe(`modelgate:index:Gateway gw: ${message}`);
  });

  it('checks an Output-valued explicit name when known', async () => {
    let failure: unknown;
    await collectingRejections(async () => {
      const gateway = new c.Gateway('gw', { platform: 'aws', functionName: pulumi.output('bad.name') });
      failure = await valueOf(gateway.functionName).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toContain('modelgate:index:Gateway gw: functionName: Invalid value: "bad.name": a Lambda function name allows only');
  });
});

describe('aws: the Lambda asset knows its build', () => {
  it("the bundle's SHA-256 is an output of the Gateway, and in the function's description", async () => {
    // The handler and its chunks: what the function runs.
    const sha256 = builtBundleSha256();
    const gateway = new c.Gateway('hashed', { platform: 'aws' });
    await settle(gateway.urn);
    expect(await valueOf(gateway.bundleSha256)).toBe(sha256);
    expect(one(recorded, 'aws:lambda/function:Function').inputs.description).toBe(`modelgate gateway hashed (bundle sha256:${sha256})`);
    const k8s = new c.Gateway('k8s', { platform: 'kubernetes' });
    expect(k8s.bundleSha256).toBeUndefined();
  });
});
