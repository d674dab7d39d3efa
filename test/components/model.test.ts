/**
 * The `Model` component (`AgentgatewayModel`) under Pulumi mocks: on Kubernetes the custom
 * resources and the provider keys' Secrets (valid against the upstream CRD, in a suite of its own
 * that needs ../shared); on AWS the config items, which the data plane's own TableConfigSource
 * loads and its engine serves — a virtual failover model over two concrete ones, through the
 * official `openai` client, against the simulator on loopback; a bad field refused at construction,
 * by name; keys only ever in secret inputs.
 */
import * as pulumi from '@pulumi/pulumi';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerLoader } from '../../functions/config/secrets-manager.js';
import { TableConfigSource } from '../../functions/config/table-source.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { Engine } from '../../functions/engine/engine.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { validateObject } from '../../functions/model/validate.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { MemoryStore } from '../../functions/state/memory.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { formatViolation, loadCrdValidators } from '../support/crd-validator.js';
import { faultsByModel } from '../support/harness.js';
import { CRDS, describeWithShared } from '../support/shared.js';
import { useComponents, type Components } from './components.js';
import { ACCOUNT, isSecretInput, one, ofType, plain, REGION, settle, valueOf, type Recorded } from './mocks.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const OPENAI_KEY = 'sk-openai-model-component-0123456789';
const ANTHROPIC_KEY = 'sk-ant-model-component-0123456789';
const KEYS = [OPENAI_KEY, ANTHROPIC_KEY];

/** The README's example (model-example.ts), its keys Pulumi secrets, loaded after the mocks. */
async function buildModels(platform: 'kubernetes' | 'aws', baseURL?: string) {
  const { modelExample } = await import('./model-example.js');
  return modelExample({ platform, openaiKey: pulumi.secret(OPENAI_KEY), anthropicKey: pulumi.secret(ANTHROPIC_KEY), ...(baseURL && { baseURL }) });
}

/** The Kubernetes objects applied, as plain objects (secret markers removed). */
function appliedKubernetes(): Array<Record<string, unknown>> {
  return recorded
    .filter((r) => r.type.startsWith('kubernetes:'))
    .map((r) => Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)])) as Record<string, unknown>);
}

const named = (objects: Array<Record<string, unknown>>, kind: string, name: string) => objects.find((o) => o.kind === kind && (o.metadata as { name: string }).name === name);

/** No key in any input that is not a secret; none in the given outputs. */
async function expectKeysOnlyInSecrets(...outputs: Array<pulumi.Output<unknown>>) {
  for (const r of recorded) {
    for (const [field, value] of Object.entries(r.inputs)) {
      if (isSecretInput(value)) continue;
      for (const key of KEYS) expect(JSON.stringify(value) ?? '', `${r.type} ${r.name} ${field}`).not.toContain(key);
    }
  }
  for (const output of outputs) for (const key of KEYS) expect(JSON.stringify(await valueOf(output))).not.toContain(key);
}

describe('Model on kubernetes', () => {
  it('renders the AgentgatewayModels: parentRefs default to the gateway and its listener, keys become Secrets, targets by component or name', async () => {
    const { openai, resilient, urns } = await buildModels('kubernetes');
    await settle(...urns);
    const objects = appliedKubernetes();
    const parentRefs = [{ name: 'ai-gateway', namespace: 'ai', sectionName: 'llm' }];
    expect(named(objects, 'AgentgatewayModel', 'openai-models')).toEqual({
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayModel',
      metadata: { name: 'openai-models', namespace: 'ai' },
      spec: {
        parentRefs,
        match: { model: 'openai/*' },
        visibility: 'Internal',
        provider: 'OpenAI',
        policies: {
          auth: { secretRef: { name: 'openai-models-secret' } },
          transformations: [{ field: 'model', expression: 'llmRequest.model.stripPrefix("openai/")' }],
          health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '30s' } },
        },
      },
    });
    expect(named(objects, 'AgentgatewayModel', 'resilient')!.spec).toEqual({
      parentRefs,
      virtualModel: {
        failover: {
          targets: [
            { modelRef: { name: 'openai-models' }, model: 'openai/gpt-5-FAKE', priority: 0 },
            { modelRef: { name: 'anthropic-models' }, model: 'anthropic/claude-haiku-4-5', priority: 1 },
          ],
        },
      },
    });
    expect(named(objects, 'Secret', 'openai-models-secret')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'openai-models-secret', namespace: 'ai' },
      type: 'Opaque',
      stringData: { Authorization: OPENAI_KEY },
    });
    expect(isSecretInput(one(recorded, 'kubernetes:core/v1:Secret', 'anthropic-models-secret').inputs.stringData)).toBe(true);
    // The virtual model waits for the Model component it names.
    const cr = one(recorded, 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayModel', 'resilient');
    expect(cr.inputs.spec).toBeDefined();
    for (const object of objects) expect(validateObject(object), String((object.metadata as { name: string }).name)).toMatchObject({ ok: true });
    expect(await valueOf(openai.secretNames)).toEqual(['openai-models-secret']);
    expect(await valueOf(resilient.secretNames)).toEqual([]);
    expect(await valueOf(resilient.name)).toBe('resilient');
    await expectKeysOnlyInSecrets(openai.manifest, resilient.manifest);
  });

  it('warns when the listener does not list the kind (agentgateway would not attach the model); not when it does', async () => {
    const warn = vi.spyOn(pulumi.log, 'warn');
    try {
      const { urns } = await buildModels('kubernetes');
      await settle(...urns);
      expect(warn.mock.calls.map(([message]) => message).filter((m) => m.includes('will not attach'))).toEqual([]);
      const gateway = new c.Gateway('plain', { platform: 'kubernetes' });
      const model = new c.Model('gpt', { gateway, provider: 'OpenAI', match: { model: 'gpt-5-mini' } });
      await settle(gateway.urn, model.urn);
      expect(warn.mock.calls.map(([message]) => message).filter((m) => m.includes('will not attach'))).toEqual([
        'modelgate:index:Model gpt: parentRefs[0]: listener http of Gateway default/plain does not list { group: agentgateway.dev, kind: AgentgatewayModel } in allowedRoutes.kinds: agentgateway will not attach the model there',
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('explicit parentRefs, and a gateway of several listeners: the gateway without a sectionName', async () => {
    const gateway = new c.Gateway('multi', {
      platform: 'kubernetes',
      listeners: [
        { name: 'a', port: 8080, protocol: 'HTTP' },
        { name: 'b', port: 8081, protocol: 'HTTP' },
      ],
    });
    const byDefault = new c.Model('gpt', { gateway, provider: 'OpenAI', match: { model: 'gpt-5-mini' } });
    const explicit = new c.Model('gpt-b', { gateway, provider: 'OpenAI', parentRefs: [{ name: 'multi', sectionName: 'b' }] });
    await settle(gateway.urn, byDefault.urn, explicit.urn);
    expect((await valueOf(byDefault.manifest)).spec).toEqual({ parentRefs: [{ name: 'multi', namespace: 'default' }], provider: 'OpenAI', match: { model: 'gpt-5-mini' } });
    expect((await valueOf(explicit.manifest)).spec).toMatchObject({ parentRefs: [{ name: 'multi', sectionName: 'b' }] });
  });
});

describeWithShared('Model on kubernetes: against the upstream CRD', CRDS, () => {
  it('every custom resource applied is valid (schema and CEL rules)', async () => {
    const { urns } = await buildModels('kubernetes');
    const gateway = new c.Gateway('more', { platform: 'kubernetes', namespace: 'more' });
    const haiku = new c.Model('haiku', { gateway, provider: 'Anthropic', match: { model: 'claude-haiku-4-5' }, policies: { auth: { key: pulumi.secret(ANTHROPIC_KEY) } } });
    const mini = new c.Model('mini', { gateway, provider: 'OpenAI', match: { model: 'gpt-5-mini' }, policies: { authorization: { policy: { matchExpressions: ['true'] } } } });
    const fast = new c.Model('fast', {
      gateway,
      virtualModel: {
        weighted: {
          targets: [
            { modelRef: haiku, weight: 60 },
            { modelRef: mini, weight: 40 },
          ],
        },
      },
    });
    const smart = new c.Model('smart', {
      gateway,
      virtualModel: { conditional: { targets: [{ modelRef: haiku, when: 'request.headers["x-route"] == "code"' }, { modelRef: mini }] } },
    });
    const bedrock = new c.Model('bedrock', { gateway, provider: 'Bedrock', bedrock: { region: 'eu-west-1' }, match: { model: 'anthropic.claude-sonnet-4-6' } });
    await settle(...urns, haiku.urn, mini.urn, fast.urn, smart.urn, bedrock.urn);
    const crds = loadCrdValidators();
    const models = appliedKubernetes().filter((o) => o.kind === 'AgentgatewayModel');
    expect(models).toHaveLength(8);
    for (const object of models) expect(crds.validate(object).map(formatViolation), (object.metadata as { name: string }).name).toEqual([]);
  });
});

describe('Model on aws', () => {
  let sim: Simulator | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await sim?.close();
    sim = undefined;
    close = undefined;
  });

  /** The config items written, and the Secrets Manager secrets' values, as the function reads them. */
  function tableAndSecrets() {
    const written = ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>);
    const versions = ofType(recorded, 'aws:secretsmanager/secretVersion:SecretVersion');
    const dynamodb = { send: async () => ({ Items: written }) } as unknown as DynamoDBClient;
    const secretsManager = {
      send: async (command: { input: { SecretId: string } }) => {
        const version = versions.find((v) => v.inputs.secretId === command.input.SecretId);
        if (!version) throw new Error(`no secret ${command.input.SecretId}`);
        return { SecretString: plain<string>(version.inputs.secretString) };
      },
    };
    return { written, dynamodb, secretsManager };
  }

  it('config items that the data plane loads and serves: a virtual failover model over two concrete ones', async () => {
    sim = await startSimulator({ faults: faultsByModel({ 'gpt-5-FAKE': { kind: 'status', status: 404 } }) });
    const { openai, resilient, urns } = await buildModels('aws', `http://0.0.0.0:${sim.port}`);
    await settle(...urns);
    const { written, dynamodb, secretsManager } = tableAndSecrets();
    expect(written.map((i) => i.sk!.S).sort()).toEqual(
      [
        'AgentgatewayModel#ai/anthropic-models',
        'AgentgatewayModel#ai/openai-models',
        'AgentgatewayModel#ai/resilient',
        'AgentgatewayPolicy#ai/gateway-retry',
        'Gateway#ai/ai-gateway',
        'Secret#ai/anthropic-models-secret',
        'Secret#ai/openai-models-secret',
      ].sort(),
    );
    const item = written.find((i) => i.sk!.S === 'AgentgatewayModel#ai/resilient')!;
    expect(JSON.parse(item[CONFIG_ATTRIBUTE]!.S)).toEqual(await valueOf(resilient.manifest));
    // The role may read exactly the model's key.
    const rolePolicy = one(recorded, 'aws:iam/rolePolicy:RolePolicy', 'openai-models-secrets');
    expect(JSON.parse(plain<string>(rolePolicy.inputs.policy)).Statement).toEqual([
      {
        Sid: 'ProviderKeys',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:openai-models-secret-1a2b3c4-AbCdEf`],
      },
    ]);

    // As the Lambda loads it: the table, then the secrets.
    const logger = new MemoryLogger();
    const source = new TableConfigSource({ client: dynamodb, table: 'ai-gateway-1a2b3c4', secrets: new SecretsManagerLoader(secretsManager as never), logger });
    const config = await source.current();
    // The listener's `kinds` (for agentgateway) is the one thing modelgate ignores, and says so.
    expect(logger.entries.filter((e) => e.level !== 'info').map((e) => e.message)).toEqual([
      'config: item Gateway#ai/ai-gateway: spec.listeners[0].allowedRoutes.kinds is ignored: HTTPRoutes and AgentgatewayModels are served on every listener',
    ]);
    expect(config.models?.map((m) => [m.name, m.kind, m.visibility])).toEqual([
      ['openai-models', 'concrete', 'Internal'],
      ['anthropic-models', 'concrete', 'Internal'],
      ['resilient', 'failover', 'Public'],
    ]);

    // And serves it: the official client names the virtual model; the first target answers 404 and the same request fails over.
    const engine = new Engine({ config, store: new MemoryStore(), logger, limits: { attemptTimeoutMs: 5_000, streamIdleMs: 5_000 } });
    const server = createGatewayServer((req) => engine.handle(req));
    const address = await listen(server, 0, '127.0.0.1');
    close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${address.port}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
    const { data, response } = await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.model).toBe('claude-haiku-4-5');
    expect(response.headers.get('x-modelgate-attempts')).toBe('openai/gpt-5-FAKE:404,anthropic/claude-haiku-4-5:200');
    // Each provider got its own key, from Secrets Manager.
    expect(sim.calls.map((call) => [call.model, call.headers.authorization ?? call.headers['x-api-key']])).toEqual([
      ['gpt-5-FAKE', `Bearer ${OPENAI_KEY}`],
      ['claude-haiku-4-5', ANTHROPIC_KEY],
    ]);
    // An Internal model is not served by name.
    await expect(client.chat.completions.create({ model: 'openai/gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });

    await expectKeysOnlyInSecrets(openai.manifest, resilient.manifest);
    const lambda = one(recorded, 'aws:lambda/function:Function');
    for (const key of KEYS) expect(JSON.stringify(plain(lambda.inputs.environment))).not.toContain(key);
  });

  it('a Bedrock model: the role may invoke exactly its model; a wildcard match is refused on AWS', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const bedrock = new c.Model('sonnet', { gateway, provider: 'Bedrock', bedrock: { region: 'eu-west-1' }, match: { model: 'anthropic.claude-sonnet-4-6' } });
    await settle(gateway.urn, bedrock.urn, bedrock.bedrockPolicy!.urn);
    const document = JSON.parse(plain<string>(one(recorded, 'aws:iam/rolePolicy:RolePolicy', 'sonnet-bedrock').inputs.policy));
    expect(document.Statement).toEqual([
      {
        Sid: 'BedrockModels',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: ['arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-6'],
      },
    ]);
    expect(() => new c.Model('any', { gateway, provider: 'Bedrock', bedrock: {}, match: { model: 'anthropic.*' } })).toThrow(
      /^modelgate:index:Model any: match\.model: must name one model on AWS for a Bedrock model/,
    );
  });
});

describe.each(['kubernetes', 'aws'] as const)('Model, %s: refused at construction, naming the field', (platform) => {
  const thrown = (fn: () => unknown): Error & { problems?: readonly string[] } => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the constructor to throw');
  };

  it('a bad value, a rule of the CRD, a field modelgate does not serve', async () => {
    const gateway = new c.Gateway('gw', { platform });
    const hidden = thrown(() => new c.Model('m', { gateway, provider: 'OpenAI', visibility: 'Hidden' as never }));
    expect(hidden).toBeInstanceOf(c.InvalidSpecError);
    expect(hidden.message).toMatch(/^modelgate:index:Model m: visibility: /);
    expect(thrown(() => new c.Model('local', { gateway, provider: 'OpenAI', baseURL: 'http://localhost:8000' })).message).toBe(
      'modelgate:index:Model local: baseURL: baseURL cannot target localhost, loopback, or link-local addresses',
    );
    expect(thrown(() => new c.Model('both', { gateway, provider: 'OpenAI', virtualModel: { failover: { targets: [{ modelRef: { name: 'x' }, priority: 0 }] } } })).message).toBe(
      'modelgate:index:Model both: exactly one of the fields in [provider virtualModel] must be set',
    );
    expect(thrown(() => new c.Model('typo', { gateway, provider: 'OpenAI', polices: {} } as never)).message).toContain('modelgate:index:Model typo: ');
    expect(thrown(() => new c.Model('typo', { gateway, provider: 'OpenAI', polices: {} } as never)).message).toContain('polices');
    await settle(gateway.urn);
  });

  it('a target that is not a Model, or a Model of another Gateway; a CEL error in a `when`', async () => {
    const gateway = new c.Gateway('gw', { platform });
    const other = new c.Gateway('other', { platform });
    const elsewhere = new c.Model('elsewhere', { gateway: other, provider: 'OpenAI', match: { model: 'gpt-5-mini' } });
    const backend = new c.Backend('b', { gateway, ai: { provider: { openai: {} } } });
    expect(thrown(() => new c.Model('v', { gateway, virtualModel: { failover: { targets: [{ modelRef: backend as never, priority: 0 }] } } })).message).toBe(
      'modelgate:index:Model v: virtualModel.failover.targets[0].modelRef: a Backend cannot be referenced here (allowed: Model)',
    );
    expect(thrown(() => new c.Model('v', { gateway, virtualModel: { weighted: { targets: [{ modelRef: elsewhere }] } } })).message).toBe(
      'modelgate:index:Model v: virtualModel.weighted.targets[0].modelRef: the Model belongs to another Gateway; components refer only to components of their own Gateway',
    );
    expect(thrown(() => new c.Model('v', { gateway, virtualModel: { conditional: { targets: [{ modelRef: { name: 'x' }, when: 'request.(' }] } } })).message).toMatch(
      /^modelgate:index:Model v: virtualModel\.conditional\.targets\[0\]\.when: /,
    );
    await settle(gateway.urn, other.urn, elsewhere.urn, backend.urn);
  });

  it("a target checked against the gateway's own Model: a wildcard match needs `model`; a virtual model is no target", async () => {
    const gateway = new c.Gateway('gw', { platform });
    const wildcard = new c.Model('openai-models', { gateway, provider: 'OpenAI', match: { model: 'openai/*' } });
    const virtual = new c.Model('fast', { gateway, virtualModel: { weighted: { targets: [{ modelRef: wildcard, model: 'openai/gpt-5-mini' }] } } });
    expect(thrown(() => new c.Model('v', { gateway, virtualModel: { failover: { targets: [{ modelRef: wildcard, priority: 0 }] } } })).message).toBe(
      'modelgate:index:Model v: virtualModel.failover.targets[0].model: required, because AgentgatewayModel default/openai-models matches the wildcard openai/*',
    );
    expect(thrown(() => new c.Model('w', { gateway, virtualModel: { conditional: { targets: [{ modelRef: virtual }] } } })).message).toBe(
      'modelgate:index:Model w: virtualModel.conditional.targets[0].modelRef: no concrete AgentgatewayModel default/fast (targets must name concrete models of the same namespace)',
    );
    await settle(gateway.urn, wildcard.urn, virtual.urn);
  });

  it('a key never in an error', async () => {
    const gateway = new c.Gateway('gw', { platform });
    const error = thrown(() => new c.Model('m', { gateway, provider: 'OpenAI', policies: { auth: { key: 'sk-visible-key', secretRef: { name: 's' } } } }));
    expect(error.message).toContain('modelgate:index:Model m: policies.auth');
    expect(error.message).not.toContain('sk-visible-key');
    await settle(gateway.urn);
  });
});
