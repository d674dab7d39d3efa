/**
 * Bedrock on AWS under Pulumi mocks: a Backend with `bedrock` providers lets the gateway's role
 * invoke exactly their models — foundation models in their Region, inference profiles in their
 * source Region plus the underlying foundation model only through that profile, guardrails — and
 * nothing when there is no bedrock provider. A provider without a pinned model is refused on AWS.
 */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { ACCOUNT, calls, collectingRejections, ofType, one, plain, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const TABLE = (gateway: string) => `${gateway}-1a2b3c4`;

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

function roleDocuments(): Array<{ name: string; role: unknown; statements: Statement[] }> {
  return ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').map((r) => ({
    name: r.name,
    role: r.inputs.role,
    statements: (JSON.parse(plain<string>(r.inputs.policy)) as { Statement: Statement[] }).Statement,
  }));
}

function bedrockDocument(name: string): Statement[] {
  const found = roleDocuments().filter((d) => d.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!.statements;
}

/** No statement of any role policy has a `*` resource or a wildcard action. */
function expectNoStar() {
  for (const statement of roleDocuments().flatMap((d) => d.statements)) {
    const resources = [statement.Resource].flat();
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(resource).not.toBe('*');
    for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
  }
}

const identityCalls = () => calls.filter((call) => call.token === 'aws:index/getCallerIdentity:getCallerIdentity');

describe('bedrock on aws: the role may invoke exactly the configured models', () => {
  it("foundation models: one statement, each model in its provider's Region (default us-east-1); no account lookup", async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('claude', {
      gateway,
      ai: {
        groups: [
          { providers: [{ name: 'sonnet', bedrock: { model: 'anthropic.claude-sonnet-4-6' } }] },
          { providers: [{ name: 'nova', bedrock: { model: 'amazon.nova-pro-v1:0', region: 'eu-west-1' } }] },
        ],
      },
    });
    await settle(gateway.urn, backend.urn);

    const documents = roleDocuments();
    expect(documents.map((d) => [d.name, d.role]).sort()).toEqual([
      ['claude-bedrock', TABLE('gw')],
      ['gw', TABLE('gw')],
    ]);
    expect(bedrockDocument('claude-bedrock')).toEqual([
      {
        Sid: 'BedrockModels',
        Effect: 'Allow',
        Action: ACTIONS,
        Resource: ['arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0', 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6'],
      },
    ]);
    expect(identityCalls()).toEqual([]);
    expectNoStar();
    expect(backend.bedrockPolicy).toBeDefined();
  });

  it('inference profiles: the profile ARN in the account (getCallerIdentity), and the foundation model in any Region only through that profile', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const backend = new c.Backend('profiles', {
      gateway,
      ai: {
        groups: [
          { providers: [{ name: 'us-sonnet', bedrock: { model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', region: 'us-west-2' } }] },
          { providers: [{ name: 'global-sonnet', bedrock: { model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' } }] },
          { providers: [{ name: 'eu-nova', bedrock: { model: 'eu.amazon.nova-lite-v1:0', region: 'eu-central-1' } }] },
        ],
      },
    });
    await settle(gateway.urn, backend.urn);

    const usProfile = `arn:aws:bedrock:us-west-2:${ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0`;
    const globalProfile = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0`;
    const euProfile = `arn:aws:bedrock:eu-central-1:${ACCOUNT}:inference-profile/eu.amazon.nova-lite-v1:0`;
    const viaProfile = (profileArn: string, model: string) => ({
      Effect: 'Allow',
      Action: ACTIONS,
      Resource: [`arn:aws:bedrock:*::foundation-model/${model}`],
      Condition: { ArnEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    });
    const statements = bedrockDocument('profiles-bedrock');
    expect(statements.map(({ Sid: _sid, ...rest }) => rest)).toEqual([
      { Effect: 'Allow', Action: ACTIONS, Resource: [euProfile, globalProfile, usProfile] },
      viaProfile(euProfile, 'amazon.nova-lite-v1:0'),
      viaProfile(globalProfile, 'anthropic.claude-sonnet-4-5-20250929-v1:0'),
      viaProfile(usProfile, 'anthropic.claude-sonnet-4-5-20250929-v1:0'),
    ]);
    expect(statements.map((s) => s.Sid)).toEqual(['BedrockModels', 'BedrockViaInferenceProfile1', 'BedrockViaInferenceProfile2', 'BedrockViaInferenceProfile3']);
    // The only wildcard is the Region of a foundation model, and only under the profile condition.
    for (const s of statements) {
      for (const resource of [s.Resource].flat()) {
        if (resource.includes('*')) {
          expect(resource).toMatch(/^arn:aws:bedrock:\*::foundation-model\/[^*?]+$/);
          expect(s.Condition?.ArnEquals?.['bedrock:InferenceProfileArn']).toMatch(/^arn:aws:bedrock:[a-z0-9-]+:\d{12}:inference-profile\/[^*?]+$/);
        }
      }
    }
    expect(identityCalls()).toHaveLength(1);
    expectNoStar();
  });

  it('a single provider, a guardrail, and model ARNs as written', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const single = new c.Backend('single', {
      gateway,
      ai: { provider: { bedrock: { model: 'anthropic.claude-haiku-4-5', region: 'us-east-2', guardrail: { identifier: 'gr-abc123', version: '1' } } } },
    });
    const profileArn = `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.meta.llama3-3-70b-instruct-v1:0`;
    const provisioned = `arn:aws:bedrock:us-east-1:${ACCOUNT}:provisioned-model/abcdef123456`;
    const arns = new c.Backend('arns', {
      gateway,
      ai: {
        groups: [
          {
            providers: [
              { name: 'profile', bedrock: { model: profileArn } },
              { name: 'provisioned', bedrock: { model: provisioned } },
            ],
          },
        ],
      },
    });
    await settle(gateway.urn, single.urn, arns.urn);

    expect(bedrockDocument('single-bedrock')).toEqual([
      { Sid: 'BedrockModels', Effect: 'Allow', Action: ACTIONS, Resource: ['arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-haiku-4-5'] },
      { Sid: 'BedrockGuardrails', Effect: 'Allow', Action: ['bedrock:ApplyGuardrail'], Resource: [`arn:aws:bedrock:us-east-2:${ACCOUNT}:guardrail/gr-abc123`] },
    ]);
    expect(bedrockDocument('arns-bedrock')).toEqual([
      { Sid: 'BedrockModels', Effect: 'Allow', Action: ACTIONS, Resource: [profileArn, provisioned] },
      {
        Sid: 'BedrockViaInferenceProfile1',
        Effect: 'Allow',
        Action: ACTIONS,
        Resource: ['arn:aws:bedrock:*::foundation-model/meta.llama3-3-70b-instruct-v1:0'],
        Condition: { ArnEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      },
    ]);
    expectNoStar();
  });

  it('nothing is granted, and no account is looked up, without bedrock providers', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const backend = new c.Backend('openai', { gateway, ai: { provider: { openai: { model: 'gpt-4o' } } }, policies: { auth: { key: pulumi.secret('sk-1') } } });
    await settle(gateway.urn, backend.urn);
    expect(
      roleDocuments()
        .map((d) => d.name)
        .sort(),
    ).toEqual(['gw', 'openai-secrets']);
    expect(JSON.stringify(roleDocuments())).not.toContain('bedrock');
    expect(backend.bedrockPolicy).toBeUndefined();
    expect(identityCalls()).toEqual([]);
  });

  it('Output-valued fields: the grant follows the values once known', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const backend = new c.Backend('later', {
      gateway,
      ai: { provider: { bedrock: { model: pulumi.output('us.anthropic.claude-opus-4-6-v1'), region: pulumi.output('us-east-2') } } },
    });
    await settle(gateway.urn, backend.urn, backend.manifest);
    const profile = `arn:aws:bedrock:us-east-2:${ACCOUNT}:inference-profile/us.anthropic.claude-opus-4-6-v1`;
    expect(bedrockDocument('later-bedrock').map((s) => s.Resource)).toEqual([[profile], ['arn:aws:bedrock:*::foundation-model/anthropic.claude-opus-4-6-v1']]);
  });

  it('the config item holds the provider as written, and compiles', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('claude', { gateway, ai: { provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6', region: 'eu-west-1' } } } });
    const route = new c.Route('v1', { gateway, rules: [{ backendRefs: [backend] }] });
    await settle(gateway.urn, backend.urn, route.urn);
    const objects = ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => {
      const item = JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>;
      const result = validateObject(JSON.parse(item[CONFIG_ATTRIBUTE]!.S));
      expect(result).toMatchObject({ ok: true, warnings: [] });
      return (result as { object: ManifestObject }).object;
    });
    const config = compileConfig(objects);
    expect(config.backends[0]!.providers[0]!.target).toMatchObject({
      kind: 'bedrock',
      model: 'anthropic.claude-sonnet-4-6',
      region: 'eu-west-1',
      baseUrl: 'https://bedrock-runtime.eu-west-1.amazonaws.com',
    });
    expect(one(recorded, 'aws:dynamodb/tableItem:TableItem', 'claude').inputs.tableName).toBe(TABLE('gw'));
  });
});

describe('bedrock on aws: what cannot be scoped is refused', () => {
  const thrown = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the constructor to throw');
  };

  it('a provider without a model, naming the field', () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const error = thrown(
      () =>
        new c.Backend('any-model', {
          gateway,
          ai: {
            groups: [
              {
                providers: [
                  { name: 'pinned', bedrock: { model: 'anthropic.claude-sonnet-4-6' } },
                  { name: 'open', bedrock: { region: 'us-west-2' } },
                ],
              },
            ],
          },
        }),
    );
    expect(error).toBeInstanceOf(c.InvalidSpecError);
    expect(error.message).toBe(
      "modelgate:index:Backend any-model: ai.groups[0].providers[1].bedrock.model: is required on AWS: the gateway's role may invoke exactly the models the config names, and a bedrock provider without one lets each client pick any model (that would need bedrock:InvokeModel on every model)",
    );
    expect(thrown(() => new c.Backend('single', { gateway, ai: { provider: { bedrock: {} } } })).message).toMatch(
      /^modelgate:index:Backend single: ai\.provider\.bedrock\.model: is required on AWS/,
    );
  });

  it("kubernetes: a provider without a model is agentgateway's business (its own credentials), not refused", () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes' });
    expect(() => new c.Backend('any-model', { gateway, ai: { provider: { bedrock: {} } } })).not.toThrow();
  });

  it('IAM wildcards in a model or guardrail id', () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    expect(thrown(() => new c.Backend('wild', { gateway, ai: { provider: { bedrock: { model: 'anthropic.*' } } } })).message).toBe(
      'modelgate:index:Backend wild: ai.provider.bedrock.model: may not contain "*", "?" or "$": in an IAM resource they would widen the grant beyond this model',
    );
    expect(
      thrown(() => new c.Backend('wild2', { gateway, ai: { provider: { bedrock: { model: 'anthropic.claude-haiku-4-5', guardrail: { identifier: 'gr-?', version: '1' } } } } }))
        .message,
    ).toContain('ai.provider.bedrock.guardrail.identifier: may not contain');
    expect(thrown(() => new c.Backend('bad-arn', { gateway, ai: { provider: { bedrock: { model: 'arn:aws:s3:::bucket/x' } } } })).message).toContain(
      'ai.provider.bedrock.model: is not a Bedrock ARN',
    );
  });

  it('a missing model inside an Output fails once known', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    await settle(gateway.urn);
    let failure: unknown;
    await collectingRejections(async () => {
      const backend = new c.Backend('later', { gateway, ai: { provider: { bedrock: pulumi.output({ region: 'us-west-2' }) } } });
      failure = await valueOf(backend.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    // (Pulumi prefixes the message with where it met the error first: the role policy, or the item.)
    expect((failure as Error).message).toMatch(/modelgate:index:Backend later: ai\.provider\.bedrock\.model: is required on AWS/);
    expect(ofType(recorded, 'aws:dynamodb/tableItem:TableItem').filter((r) => r.name === 'later')).toEqual([]);
  });

  it('a bedrock provider hidden in an Output (the grant is decided at construction)', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    await settle(gateway.urn);
    let failure: unknown;
    await collectingRejections(async () => {
      const backend = new c.Backend('hidden', { gateway, ai: pulumi.output({ provider: { bedrock: { model: 'anthropic.claude-sonnet-4-6' } } }) as never });
      failure = await valueOf(backend.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toContain('modelgate:index:Backend hidden: ai.provider.bedrock: a bedrock provider inside an Output');
    expect(ofType(recorded, 'aws:iam/rolePolicy:RolePolicy').filter((r) => r.name === 'hidden-bedrock')).toEqual([]);
  });
});
