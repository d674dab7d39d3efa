/**
 * The components as a Pulumi component provider (PulumiPlugin.yaml, components/provider/): the
 * package schema `pulumi package add` generates SDKs for Python, Go, C# and Java from — the five
 * resources by their type tokens, their inputs (required, optional, nested types, descriptions),
 * which are secrets, and their outputs — generated in-process, from the built declarations (what
 * an installed package has), and over gRPC from the plugin process as the engine starts it; and
 * the construct path: a Gateway, then a Backend, a Route and Models that name it by resource reference.
 *
 * Slow by nature: TypeScript reads @pulumi/aws's declarations for each schema (tens of seconds on
 * two busy cores).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useComponents } from './components.js';
import { settle, valueOf, type Recorded } from './mocks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SLOW = 240_000;

interface Property {
  type?: string;
  $ref?: string;
  items?: Property;
  additionalProperties?: Property;
  secret?: boolean;
  plain?: boolean;
  description?: string;
}
interface ObjectType {
  properties: Record<string, Property>;
  required: string[];
  enum?: Array<{ name: string; value: string }>;
}
interface Schema {
  name: string;
  version: string;
  resources: Record<
    string,
    { isComponent: boolean; inputProperties: Record<string, Property>; requiredInputs: string[]; properties: Record<string, Property>; required: string[] }
  >;
  types: Record<string, ObjectType & { type: string }>;
  dependencies: unknown[];
}

const COMPONENT_NAMES = ['Gateway', 'Backend', 'Policy', 'Route', 'Model'];
const TOKENS = ['modelgate:index:Backend', 'modelgate:index:Gateway', 'modelgate:index:Model', 'modelgate:index:Policy', 'modelgate:index:Route'];
const ref = (type: string) => `#/types/modelgate:index:${type}`;

/** Every property of the schema (resource inputs and outputs, object types), as `Owner.property`. */
function allProperties(schema: Schema): Array<[string, Property]> {
  const listed: Array<[string, Property]> = [];
  for (const [token, resource] of Object.entries(schema.resources)) {
    for (const [name, p] of Object.entries(resource.inputProperties)) listed.push([`${token.split(':')[2]}.${name}`, p]);
    for (const [name, p] of Object.entries(resource.properties)) listed.push([`${token.split(':')[2]}.out.${name}`, p]);
  }
  for (const [token, type] of Object.entries(schema.types)) for (const [name, p] of Object.entries(type.properties ?? {})) listed.push([`${token.split(':')[2]}.${name}`, p]);
  return listed;
}

/** Descriptions aside (an `as const` enum's member comments are not in its declaration), the same schema. */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'description')
      .map(([key, field]) => [key, withoutDescriptions(field)]),
  );
}

/** The plugin process as the engine starts it: it prints its port, and answers GetSchema over gRPC. */
async function schemaOverGrpc(child: ChildProcess): Promise<string> {
  const port = await new Promise<string>((done, fail) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) done(out.trim());
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => fail(new Error(`plugin exited (${code}): ${err}`)));
  });
  expect(port).toMatch(/^\d+$/);
  // @pulumi/pulumi's own gRPC and generated stubs: what the engine's side of the protocol speaks.
  const fromPulumi = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi'));
  const grpc = fromPulumi('@grpc/grpc-js') as { credentials: { createInsecure(): unknown } };
  const services = fromPulumi('@pulumi/pulumi/proto/provider_grpc_pb.js') as { ResourceProviderClient: new (address: string, credentials: unknown) => GrpcClient };
  const messages = fromPulumi('@pulumi/pulumi/proto/provider_pb.js') as { GetSchemaRequest: new () => unknown };
  const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const deadline = Date.now() + SLOW - 30_000;
    return await new Promise<string>((done, fail) =>
      client.getSchema(new messages.GetSchemaRequest(), { deadline }, (error, response) => (error ? fail(error) : done(response.getSchema()))),
    );
  } finally {
    client.close();
  }
}
interface GrpcClient {
  getSchema(request: unknown, options: { deadline: number }, callback: (error: Error | null, response: { getSchema(): string }) => void): void;
  close(): void;
}

/**
 * The analysis in a process of its own with the TypeScript @pulumi/pulumi vendors (3.8.3): what the
 * plugin runs on where no TypeScript is installed (an installed modelgate; its devDependencies are not).
 */
function analyzedWithVendoredTypeScript(): Promise<string> {
  const script = `
    const { createRequire } = require('node:module');
    const { dirname, join } = require('node:path');
    const r = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
    const shim = r.resolve('@pulumi/pulumi/typescript-shim.js');
    r(shim);
    r.cache[shim].exports = r(join(dirname(r.resolve('@pulumi/pulumi')), 'vendor/typescript@3.8.3/typescript.js'));
    import(${JSON.stringify(join(ROOT, 'lib/components/provider/analyzer.js'))}).then(({ analyzeComponents }) => {
      const entry = ${JSON.stringify(join(ROOT, 'lib/index.d.ts'))};
      const result = analyzeComponents({ root: ${JSON.stringify(ROOT)}, entry, providerName: 'modelgate', packageJSON: {}, componentNames: ${JSON.stringify(COMPONENT_NAMES)} });
      process.stdout.write(JSON.stringify({ version: r.cache[shim].exports.version, result }));
    });`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(`analysis with TypeScript 3.8.3 exited (${code}): ${err}`))));
  });
}

describe('the package schema (component provider)', () => {
  let schema: Schema;
  let fromDeclarations: Schema;
  let overGrpc: string;
  let withTypeScript38: { version: string; schema: Schema };
  let plugin: ChildProcess | undefined;

  beforeAll(async () => {
    const main = join(ROOT, 'lib/components/provider/main.js');
    expect(existsSync(main), 'the global setup builds lib/').toBe(true);
    // Started first: its schema is made while this process makes its own.
    plugin = spawn(process.execPath, [main], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const grpcSchema = schemaOverGrpc(plugin);
    grpcSchema.catch(() => undefined);
    const vendored = analyzedWithVendoredTypeScript();
    vendored.catch(() => undefined);
    const { ModelgateProvider } = await import('../../components/provider/provider.js');
    schema = JSON.parse(await new ModelgateProvider(ROOT).getSchema()) as Schema;
    const { analyzeComponents } = await import('../../components/provider/analyzer.js');
    const { generateSchema } = await import('@pulumi/pulumi/provider/experimental/schema.js');
    const analyzed = analyzeComponents({ root: ROOT, entry: join(ROOT, 'lib/index.d.ts'), providerName: 'modelgate', packageJSON: {}, componentNames: COMPONENT_NAMES });
    fromDeclarations = generateSchema('modelgate', schema.version, '', analyzed.components, analyzed.typeDefinitions, analyzed.dependencies) as unknown as Schema;
    overGrpc = await grpcSchema;
    const old = JSON.parse(await vendored) as { version: string; result: typeof analyzed };
    const { components, typeDefinitions, dependencies } = old.result;
    withTypeScript38 = { version: old.version, schema: generateSchema('modelgate', schema.version, '', components, typeDefinitions, dependencies) as unknown as Schema };
  }, SLOW);

  afterAll(() => {
    plugin?.kill();
  });

  it('has the five components by the type tokens they register, and needs no other package', async () => {
    const { GATEWAY_TYPE, BACKEND_TYPE, POLICY_TYPE, ROUTE_TYPE, MODEL_TYPE } = await import('../../components/index.js');
    expect(schema.name).toBe('modelgate');
    expect(Object.keys(schema.resources).sort()).toEqual(TOKENS);
    expect([GATEWAY_TYPE, BACKEND_TYPE, POLICY_TYPE, ROUTE_TYPE, MODEL_TYPE].sort()).toEqual(TOKENS);
    for (const resource of Object.values(schema.resources)) expect(resource.isComponent).toBe(true);
    // Child resources (the Lambda function, Secrets) are TypeScript-only: no pulumi-aws or pulumi-kubernetes SDK needed.
    expect(schema.dependencies).toEqual([]);
  });

  it('Gateway: one set of inputs for both platforms, `platform` required and an enum; the provider object is TypeScript-only', () => {
    const gateway = schema.resources['modelgate:index:Gateway']!;
    expect(gateway.requiredInputs).toEqual(['platform']);
    expect(gateway.inputProperties.platform).toMatchObject({ $ref: ref('Platform'), plain: true });
    expect(gateway.inputProperties.platform!.description).toMatch(/kubernetes.*aws/);
    expect(schema.types['modelgate:index:Platform']!.enum!.map((e) => e.value)).toEqual(['kubernetes', 'aws']);
    for (const field of ['namespace', 'listeners', 'install', 'awaitReady', 'memorySize', 'tags', 'authType', 'logLevel', 'tableName']) {
      expect(gateway.inputProperties).toHaveProperty(field);
    }
    expect(gateway.inputProperties).not.toHaveProperty('provider');
    expect(gateway.inputProperties.memorySize).toMatchObject({ type: 'number' });
    expect(gateway.inputProperties.listeners).toMatchObject({ type: 'array', items: { $ref: ref('ListenerArgs') } });
    expect(gateway.inputProperties.authType).toMatchObject({ $ref: ref('FunctionUrlAuthType'), plain: true });
    expect(schema.types['modelgate:index:FunctionUrlAuthType']!.enum).toEqual([
      { name: 'None', value: 'NONE' },
      { name: 'AwsIam', value: 'AWS_IAM' },
    ]);
    expect(schema.types['modelgate:index:LogLevel']!.enum!.map((e) => e.value)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(gateway.inputProperties.tags).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
  });

  it('Backend, Policy, Route and Model name their Gateway by resource reference, and other components by name', () => {
    for (const token of ['modelgate:index:Backend', 'modelgate:index:Policy', 'modelgate:index:Route', 'modelgate:index:Model']) {
      expect(schema.resources[token]!.inputProperties.gateway).toMatchObject({ $ref: '#/resources/modelgate:index:Gateway', plain: true });
    }
    expect(schema.resources['modelgate:index:Backend']!.requiredInputs).toEqual(['ai', 'gateway']);
    expect(schema.resources['modelgate:index:Policy']!.requiredInputs).toEqual(['gateway', 'targetRefs']);
    expect(schema.resources['modelgate:index:Route']!.requiredInputs).toEqual(['gateway']);
    expect(schema.resources['modelgate:index:Policy']!.inputProperties.targetRefs).toMatchObject({ type: 'array', plain: true, items: { $ref: ref('PolicyTargetRefArgs') } });
    expect(schema.types['modelgate:index:PolicyTargetRefArgs']!.required).toEqual(['group', 'kind', 'name']);
    const route = schema.resources['modelgate:index:Route']!.inputProperties;
    expect(route.rules).toMatchObject({ type: 'array', plain: true, items: { $ref: ref('RouteRuleArgs'), plain: true } });
    expect(route.parentRefs).toMatchObject({ type: 'array', items: { $ref: ref('ParentRefArgs') } });
    expect(schema.types['modelgate:index:RouteRuleArgs']!.properties.backendRefs).toMatchObject({ type: 'array', items: { $ref: ref('BackendRefArgs') } });
    expect(schema.types['modelgate:index:BackendRefArgs']!.required).toEqual(['name']);
    // A Model's targets name concrete Models by name; its parents are Gateways by name.
    expect(schema.resources['modelgate:index:Model']!.requiredInputs).toEqual(['gateway']);
    const model = schema.resources['modelgate:index:Model']!.inputProperties;
    expect(model.parentRefs).toMatchObject({ type: 'array', plain: true, items: { $ref: ref('ParentRefArgs') } });
    expect(model.virtualModel).toMatchObject({ $ref: ref('VirtualModelArgs'), plain: true });
    expect(schema.types['modelgate:index:VirtualModelArgs']!.properties.failover).toMatchObject({ $ref: ref('VirtualModelArgsFailover'), plain: true });
    expect(schema.types['modelgate:index:VirtualModelArgsFailover']!.properties.targets).toMatchObject({ type: 'array', plain: true, items: { $ref: ref('FailoverTargetArgs') } });
    for (const target of ['FailoverTargetArgs', 'WeightedTargetArgs', 'ConditionalTargetArgs']) {
      expect(schema.types[`modelgate:index:${target}`]!.properties.modelRef, target).toEqual({ $ref: ref('ModelRefArgs') });
    }
    expect(schema.types['modelgate:index:FailoverTargetArgs']!.required).toEqual(['modelRef', 'priority']);
    expect(schema.types['modelgate:index:ModelRefArgs']!.required).toEqual(['name']);
  });

  it('nested inputs keep their types: providers, groups, inline objects as named types', () => {
    const backend = schema.resources['modelgate:index:Backend']!.inputProperties;
    expect(backend.ai).toMatchObject({ $ref: ref('AiBackendArgs'), plain: true });
    const ai = schema.types['modelgate:index:AiBackendArgs']!.properties;
    expect(ai.provider).toMatchObject({ $ref: ref('ProviderArgs') });
    expect(ai.groups).toMatchObject({ type: 'array', items: { $ref: ref('ProviderGroupArgs') } });
    expect(schema.types['modelgate:index:NamedProviderArgs']!.required).toEqual(['name']);
    expect(schema.types['modelgate:index:ProviderArgs']!.properties.bedrock).toMatchObject({ $ref: ref('BedrockArgs') });
    expect(schema.types['modelgate:index:BedrockArgs']!.properties.guardrail).toMatchObject({ $ref: ref('BedrockArgsGuardrail') });
    expect(schema.types['modelgate:index:BedrockArgsGuardrail']!.required).toEqual(['identifier', 'version']);
    expect(schema.types['modelgate:index:VertexAiArgs']!.required).toEqual(['projectId']);
    expect(schema.types['modelgate:index:BackendTcpArgs']!.properties.keepalive).toMatchObject({ $ref: ref('BackendTcpArgsKeepalive') });
    expect(schema.types['modelgate:index:EvictionArgs']!.properties.consecutiveFailures).toMatchObject({ type: 'number' });
    // A string-literal union without a named enum is a string.
    expect(schema.types['modelgate:index:ApiKeyAuthenticationArgs']!.properties.mode).toMatchObject({ type: 'string' });
    // A Model: concrete fields and policies; the provider key block plain (its key becomes a Secret).
    const model = schema.resources['modelgate:index:Model']!.inputProperties;
    expect(Object.keys(model).sort()).toEqual(
      [
        'azure',
        'baseURL',
        'bedrock',
        'custom',
        'firstTokenTimeout',
        'gateway',
        'hedging',
        'match',
        'name',
        'parentRefs',
        'policies',
        'provider',
        'vertexai',
        'virtualModel',
        'visibility',
      ].sort(),
    );
    // Hedging: a named type on both Backend and Model.
    expect(schema.resources['modelgate:index:Backend']!.inputProperties.hedging).toMatchObject({ $ref: ref('HedgingArgs') });
    expect(model.hedging).toMatchObject({ $ref: ref('HedgingArgs') });
    expect(schema.types['modelgate:index:HedgingArgs']!.required).toEqual(['after']);
    expect(model.policies).toMatchObject({ $ref: ref('ModelPoliciesArgs'), plain: true });
    expect(schema.types['modelgate:index:ModelPoliciesArgs']!.properties.auth).toMatchObject({ $ref: ref('BackendAuthArgs'), plain: true });
    expect(schema.types['modelgate:index:ModelAzureArgs']!.required).toEqual(['resourceName', 'resourceType']);
    // A Policy's traffic fields, as agentgateway's; the basic-auth block plain (its users become a Secret).
    const traffic = schema.types['modelgate:index:TrafficPolicyArgs']!.properties;
    expect(Object.keys(traffic).sort()).toEqual(
      [
        'apiKeyAuthentication',
        'authorization',
        'basicAuthentication',
        'cors',
        'directResponse',
        'headerModifiers',
        'jwtAuthentication',
        'phase',
        'rateLimit',
        'retry',
        'timeouts',
      ].sort(),
    );
    expect(traffic.basicAuthentication).toMatchObject({ $ref: ref('BasicAuthenticationArgs'), plain: true });
    expect(traffic.rateLimit).toMatchObject({ $ref: ref('RateLimitArgs') });
    expect(schema.types['modelgate:index:RateLimitArgs']!.properties.local).toMatchObject({ type: 'array', items: { $ref: ref('LocalRateLimitArgs') } });
    expect(schema.types['modelgate:index:LocalRateLimitArgs']!.required).toEqual(['unit']);
    expect(schema.types['modelgate:index:JwtProviderArgs']!.required).toEqual(['issuer', 'jwks']);
    expect(schema.types['modelgate:index:DirectResponseArgs']!.properties.conditional).toMatchObject({ type: 'array', items: { $ref: ref('ConditionalDirectResponseArgs') } });
  });

  it('marks the provider keys and credentials, the client API keys and the basic-auth users secret, and nothing else', () => {
    const secrets = allProperties(schema)
      .filter(([, p]) => p.secret)
      .map(([path]) => path);
    expect(secrets.sort()).toEqual(
      [
        'ApiKeyAuthenticationArgs.keys',
        'AwsAuthArgs.accessKey',
        'AwsAuthArgs.secretKey',
        'AwsAuthArgs.sessionToken',
        'AzureClientSecretArgs.clientSecret',
        'BackendAuthArgs.key',
        'BasicAuthenticationArgs.users',
        'GcpAuthArgs.credentials',
      ].sort(),
    );
    // The containers of inline credentials are plain (their place must be known to move them into a Secret); their fields are inputs.
    expect(schema.types['modelgate:index:BackendAuthArgs']!.properties.gcp).toMatchObject({ $ref: '#/types/modelgate:index:GcpAuthArgs' });
    expect(schema.types['modelgate:index:GcpAuthArgs']!.properties.credentials).toMatchObject({ type: 'string', secret: true });
    expect(schema.types['modelgate:index:AzureClientSecretArgs']!.properties.clientSecret).toMatchObject({ type: 'string', secret: true });
    expect(schema.types['modelgate:index:BackendAuthArgs']!.properties.key).toMatchObject({ type: 'string', secret: true });
    expect(schema.types['modelgate:index:BackendAuthArgs']!.properties.key!.description).toMatch(/provider key/);
  });

  it('types as `Any` only what the schema cannot express', () => {
    const any = allProperties(schema)
      .filter(([, p]) => p.$ref === 'pulumi.json#/Any')
      .map(([path]) => path);
    const manifests = ['Backend.out.manifest', 'Gateway.out.manifest', 'Model.out.manifest', 'Policy.out.manifest', 'Route.out.manifest'];
    expect(any.sort()).toEqual([...manifests, 'FieldValueArgs.value', 'KubernetesInstallArgs.agentgateway'].sort());
  });

  it('outputs are the values a construct returns: no child resources, no internal state', async () => {
    const { OUTPUTS } = await import('../../components/provider/provider.js');
    for (const [name, outputs] of Object.entries(OUTPUTS)) {
      expect(Object.keys(schema.resources[`modelgate:index:${name}`]!.properties).sort(), name).toEqual([...outputs].sort());
    }
    const gateway = schema.resources['modelgate:index:Gateway']!;
    expect(gateway.required.sort()).toEqual(['manifest', 'name', 'namespace', 'platform', 'url']);
    expect(gateway.properties.url).toMatchObject({ type: 'string' });
    expect(gateway.properties.url!.description).toMatch(/Where clients send requests/);
    expect(schema.resources['modelgate:index:Backend']!.properties.secretNames).toMatchObject({ type: 'array', items: { type: 'string' } });
  });

  it('is the same from the built declarations (what an installed package has: lib/*.d.ts, no sources)', () => {
    expect(withoutDescriptions(fromDeclarations.resources)).toEqual(withoutDescriptions(schema.resources));
    expect(withoutDescriptions(fromDeclarations.types)).toEqual(withoutDescriptions(schema.types));
  });

  it('is the same with the TypeScript Pulumi vendors (3.8.3), where none is installed', () => {
    expect(withTypeScript38.version).toBe('3.8.3');
    expect(withoutDescriptions(withTypeScript38.schema.resources)).toEqual(withoutDescriptions(schema.resources));
    expect(withoutDescriptions(withTypeScript38.schema.types)).toEqual(withoutDescriptions(schema.types));
  });

  it('is what the plugin process serves over gRPC (GetSchema)', () => {
    expect(JSON.parse(overGrpc)).toEqual(schema);
  });
});

describe('construct, as the engine calls it for another language', () => {
  let recorded: Recorded[];
  useComponents((loaded) => ({ recorded } = loaded));

  it('a Backend and a Route get their Gateway by reference; nulls are fields not given; an unknown token is refused', async () => {
    const { ModelgateProvider, OUTPUTS } = await import('../../components/provider/provider.js');
    const { Gateway } = await import('../../components/index.js');
    const provider = new ModelgateProvider(ROOT);
    const gateway = await provider.construct('gw', 'modelgate:index:Gateway', { platform: 'kubernetes', namespace: 'ai', memorySize: null, install: null }, {});
    expect(Object.keys(gateway.state)).toEqual([...OUTPUTS.Gateway]);
    const urn = await valueOf(gateway.urn);
    // The SDK's resource module turns the reference into this process's Gateway.
    const reference = provider.rehydrate('gw', 'modelgate:index:Gateway', urn);
    expect(reference).toBeInstanceOf(Gateway);
    expect(await valueOf((reference as InstanceType<typeof Gateway>).namespace)).toBe('ai');

    const backend = await provider.construct(
      'models',
      'modelgate:index:Backend',
      { gateway: reference, ai: { provider: { openai: { model: 'gpt-4o' } } }, policies: { auth: { key: pulumi.secret('sk-test') } } },
      {},
    );
    expect(await valueOf(backend.state.secretNames)).toEqual(['models-secret']);
    const backendRef = { group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: backend.state.name };
    const route = await provider.construct('chat', 'modelgate:index:Route', { gateway: reference, rules: [{ backendRefs: [backendRef] }] }, {});
    const manifest = (await valueOf(route.state.manifest)) as { metadata: { namespace: string }; spec: { parentRefs: unknown[]; rules: Array<{ backendRefs: unknown[] }> } };
    expect(manifest.metadata.namespace).toBe('ai');
    expect(manifest.spec.parentRefs).toEqual([{ name: 'gw', namespace: 'ai' }]);
    expect(manifest.spec.rules[0]!.backendRefs).toEqual([{ name: 'models', group: 'agentgateway.dev', kind: 'AgentgatewayBackend' }]);
    await settle(route.state.manifest, backend.state.manifest);
    const secret = recorded.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.name === 'models-secret');
    expect(secret, 'the provider key went into a Secret').toBeDefined();
    // Models: a concrete one with its key, and a virtual one naming it.
    const concrete = await provider.construct(
      'haiku',
      'modelgate:index:Model',
      { gateway: reference, provider: 'Anthropic', match: { model: 'claude-haiku-4-5' }, policies: { auth: { key: pulumi.secret('sk-model') } }, baseURL: null },
      {},
    );
    expect(Object.keys(concrete.state)).toEqual([...OUTPUTS.Model]);
    expect(await valueOf(concrete.state.secretNames)).toEqual(['haiku-secret']);
    const virtual = await provider.construct(
      'fast',
      'modelgate:index:Model',
      { gateway: reference, virtualModel: { failover: { targets: [{ modelRef: { name: concrete.state.name }, priority: 0 }] } } },
      {},
    );
    expect(((await valueOf(virtual.state.manifest)) as { spec: unknown }).spec).toEqual({
      parentRefs: [{ name: 'gw', namespace: 'ai', sectionName: 'http' }],
      virtualModel: { failover: { targets: [{ modelRef: { name: 'haiku' }, priority: 0 }] } },
    });
    await settle(concrete.state.manifest, virtual.state.manifest);
    await expect(provider.construct('x', 'modelgate:index:Listener', {}, {})).rejects.toThrow(/unknown resource type "modelgate:index:Listener"/);
  });

  it('a rehydrated component (opts.urn) reads its state and creates nothing', async () => {
    const { Backend, Gateway } = await import('../../components/index.js');
    const live = new Gateway('live', { platform: 'kubernetes' });
    const liveBackend = new Backend('live-models', { gateway: live, ai: { provider: { openai: {} } } });
    // The mocks answer getResource only for custom resources: the URNs of the components' objects stand in.
    const [gatewayUrn, backendUrn] = await Promise.all([valueOf(live.resource!.urn), valueOf(liveBackend.resource!.urn)]);
    await settle(live.manifest, liveBackend.manifest);
    const before = recorded.length;
    const gateway = new Gateway('again', {} as never, { urn: gatewayUrn });
    const backend = new Backend('again-models', {} as never, { urn: backendUrn });
    expect(await valueOf(gateway.urn)).toBe(gatewayUrn);
    expect(await valueOf(backend.urn)).toBe(backendUrn);
    expect(gateway.platform).toBeUndefined();
    expect(backend.manifest).toBeUndefined();
    await settle();
    expect(recorded.length).toBe(before);
  });
});
