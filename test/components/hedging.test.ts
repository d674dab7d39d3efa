/**
 * Hedging in the components (issue 17) under Pulumi mocks: a Backend's or Model's `hedging` and
 * `firstTokenTimeout` are rendered as the `modelgate.dev/` annotations on both platforms (the
 * Kubernetes object, the AWS config item), which the data plane, loading the config item, compiles
 * into the backend's (or model's) hedging settings; a bad value is refused at construction by arg.
 */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { collectingRejections, one, ofType, plain, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const ANNOTATIONS = {
  'modelgate.dev/first-token-timeout': '5s',
  'modelgate.dev/hedge-after': '800ms',
  'modelgate.dev/max-hedges': '2',
  'modelgate.dev/hedge-budget': '20%',
};
const SETTINGS = { firstTokenTimeoutMs: 5000, hedgeAfter: { ms: 800 }, maxHedges: 2, budget: 0.2 };

const twoProviders = {
  groups: [{ providers: [{ name: 'opus', anthropic: { model: 'claude-opus-4-6' } }] }, { providers: [{ name: 'sonnet', anthropic: { model: 'claude-sonnet-4-6' } }] }],
};

/** The config items written, parsed by the data plane as the function loads them. */
function loadedItems(): ManifestObject[] {
  return ofType(recorded, 'aws:dynamodb/tableItem:TableItem').map((r) => {
    const item = JSON.parse(plain<string>(r.inputs.item)) as Record<string, { S: string }>;
    const result = validateObject(JSON.parse(item[CONFIG_ATTRIBUTE]!.S));
    expect(result, r.name).toMatchObject({ ok: true, warnings: [] });
    return (result as { object: ManifestObject }).object;
  });
}

describe('hedging: rendered as modelgate.dev/ annotations', () => {
  it('kubernetes: a Backend and a Model carry the four annotations on the custom resource', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = new c.Backend('claude', { gateway, ai: twoProviders, hedging: { after: '800ms', maxHedges: 2, budget: '20%' }, firstTokenTimeout: '5s' });
    const model = new c.Model('haiku', { gateway, provider: 'Anthropic', match: { model: 'claude-haiku-4-5' }, hedging: { after: 'auto' } });
    await settle(gateway.urn, backend.urn, model.urn);
    expect(one(recorded, 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayBackend', 'claude').inputs.metadata).toEqual({
      name: 'claude',
      namespace: 'ai',
      annotations: ANNOTATIONS,
    });
    expect(one(recorded, 'kubernetes:agentgateway.dev/v1alpha1:AgentgatewayModel', 'haiku').inputs.metadata).toEqual({
      name: 'haiku',
      namespace: 'ai',
      annotations: { 'modelgate.dev/hedge-after': 'auto' },
    });
  });

  it('without hedging the objects have no annotations', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    const backend = new c.Backend('claude', { gateway, ai: twoProviders });
    await settle(gateway.urn, backend.urn);
    expect((await valueOf(backend.manifest)).metadata).toEqual({ name: 'claude', namespace: 'ai' });
  });

  it('aws: the config items carry them; loaded and compiled by the data plane, the backend and the model have hedging', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    const backend = new c.Backend('claude', {
      gateway,
      ai: twoProviders,
      // Outputs as values: rendered once known.
      hedging: { after: pulumi.output('800ms'), maxHedges: pulumi.output(2), budget: '20%' },
      firstTokenTimeout: '5s',
    });
    const model = new c.Model('haiku', { gateway, provider: 'Anthropic', match: { model: 'claude-haiku-4-5' }, hedging: { after: 'auto', maxHedges: 1 }, firstTokenTimeout: '3s' });
    await settle(gateway.urn, backend.urn, model.urn);
    const objects = loadedItems();
    expect(objects.find((o) => o.kind === 'AgentgatewayBackend')!.metadata.annotations).toEqual(ANNOTATIONS);
    const config = compileConfig(objects, { get: () => undefined });
    // A concrete model compiles to a backend of its own, which carries its hedging.
    expect(config.backends.map((b) => [b.name, b.hedging])).toEqual([
      ['claude', SETTINGS],
      ['haiku', { firstTokenTimeoutMs: 3000, hedgeAfter: 'auto', maxHedges: 1, budget: 0.1 }],
    ]);
  });

  it('a bad value is refused at construction, naming the arg', () => {
    const gateway = new c.Gateway('gw', { platform: 'aws', namespace: 'ai' });
    expect(() => new c.Backend('soon', { gateway, ai: twoProviders, hedging: { after: 'soon' } })).toThrow(
      'modelgate:index:Backend soon: hedging.after: "soon" is neither "auto" nor a duration of at least 1ms (like 800ms)',
    );
    expect(() => new c.Backend('many', { gateway, ai: twoProviders, hedging: { after: '1s', maxHedges: 9 } })).toThrow(
      'modelgate:index:Backend many: hedging.maxHedges: "9" is not a whole number from 1 to 3',
    );
    expect(() => new c.Model('late', { gateway, provider: 'OpenAI', firstTokenTimeout: 'later', hedging: { after: '1s', budget: '200%' } })).toThrow(
      /^modelgate:index:Model late: firstTokenTimeout: "later" is not a duration of at least 1ms \(like 5s or 800ms\)\nmodelgate:index:Model late: hedging\.budget: "200%" is not a percentage/,
    );
    expect(() => new c.Backend('order', { gateway, ai: twoProviders, hedging: { after: '5s' }, firstTokenTimeout: '2s' })).toThrow(
      'modelgate:index:Backend order: hedging.after: 5s is not before the first-token timeout (2s), so no hedge would ever start',
    );
    expect(ofType(recorded, 'aws:dynamodb/tableItem:TableItem').filter((r) => r.name !== 'gw')).toEqual([]);
  });

  it('a bad value given as an Output is refused once known, naming the arg', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: 'ai' });
    let failure: unknown;
    await collectingRejections(async () => {
      const backend = new c.Backend('later', { gateway, ai: twoProviders, hedging: pulumi.output({ after: 'soon' }) });
      failure = await valueOf(backend.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toMatch(/modelgate:index:Backend later: hedging\.after: "soon" is neither "auto" nor a duration/);
  });
});
