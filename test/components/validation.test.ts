/**
 * An invalid spec fails at construction (so at `pulumi preview`), with the data plane's own
 * validation, and the message names the component, the field (by its arg path) and the problem.
 * Plain args throw from the constructor; Output-valued args fail the object (and every resource
 * that uses it) once their values are known.
 */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { collectingRejections, settle, valueOf, type Recorded } from './mocks.js';
import { useComponents, type Components } from './components.js';

let recorded: Recorded[];
let c: Components;

useComponents((loaded) => ({ recorded, c } = loaded));

const health = { unhealthyCondition: 'response.code == 429', eviction: { duration: '10s', consecutiveFailures: 1 } };
const target = [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'anthropic' }];

/** The error a constructor throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): Error & { problems?: readonly string[] } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the constructor to throw');
}

describe.each(['kubernetes', 'aws'] as const)('plain args, %s: the constructor throws, naming the field', (platform) => {
  const gateway = () => new c.Gateway('gw', { platform, namespace: 'agentgateway-system' });

  it('a bad duration', () => {
    const error = thrown(
      () => new c.Policy('failover-health', { gateway: gateway(), targetRefs: target, backend: { health: { ...health, eviction: { duration: '10 seconds' } } } }),
    );
    expect(error).toBeInstanceOf(c.InvalidSpecError);
    expect(error.message).toContain(`modelgate:index:Policy failover-health: backend.health.eviction.duration: should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'`);
    expect(pulumi.ResourceError.isInstance(error)).toBe(true);
  });

  it("a duration below the CRD's minimum", () => {
    const error = thrown(() => new c.Policy('failover-health', { gateway: gateway(), targetRefs: target, backend: { health: { eviction: { duration: '500ms' } } } }));
    expect(error.message).toBe('modelgate:index:Policy failover-health: backend.health.eviction.duration: duration must be at least 1 second');
  });

  it('an unknown field', () => {
    const error = thrown(
      () =>
        new c.Backend('anthropic', {
          gateway: gateway(),
          ai: { groups: [{ providers: [{ name: 'opus', anthropic: { model: 'claude-opus-4-6' }, policies: { helth: health } as never }] }] },
        }),
    );
    expect(error.problems).toContain('modelgate:index:Backend anthropic: ai.groups[0].providers[0].policies: unknown field "ai.groups[0].providers[0].policies.helth"');
  });

  it('an unknown top-level arg lands in the spec and is refused there', () => {
    const error = thrown(() => new c.Backend('anthropic', { gateway: gateway(), ai: { provider: { openai: {} } }, polices: {} } as never));
    expect(error.message).toBe('modelgate:index:Backend anthropic: unknown field "polices"');
  });

  it('both provider and groups', () => {
    const error = thrown(
      () =>
        new c.Backend('anthropic', {
          gateway: gateway(),
          ai: { provider: { anthropic: { model: 'claude-sonnet-4-6' } }, groups: [{ providers: [{ name: 'opus', anthropic: {} }] }] },
        }),
    );
    expect(error.message).toBe('modelgate:index:Backend anthropic: ai: exactly one of the fields in [provider groups] must be set');
  });

  it('every problem at once, one per line', () => {
    const error = thrown(
      () =>
        new c.Backend('anthropic', {
          gateway: gateway(),
          ai: {
            groups: [
              {
                providers: [
                  { name: 'Opus', anthropic: {}, openai: {} },
                  { name: 'Opus', anthropic: {} },
                ],
              },
            ],
          },
        }),
    );
    expect(error.problems).toEqual([
      `modelgate:index:Backend anthropic: ai.groups[0].providers[0].name: must be a lowercase RFC 1123 subdomain (should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,
      'modelgate:index:Backend anthropic: ai.groups[0].providers[0]: exactly one of the fields in [openai azureopenai azure anthropic gemini vertexai bedrock custom] must be set',
      `modelgate:index:Backend anthropic: ai.groups[0].providers[1].name: must be a lowercase RFC 1123 subdomain (should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,
      'modelgate:index:Backend anthropic: ai.groups[0].providers[1].name: duplicate provider name "Opus": names must be unique in the backend',
    ]);
    expect(error.message).toBe(error.problems!.join('\n'));
  });

  it('a name Kubernetes would refuse', () => {
    const error = thrown(() => new c.Backend('Anthropic', { gateway: gateway(), ai: { provider: { openai: {} } } }));
    expect(error.message).toMatch(/^modelgate:index:Backend Anthropic: name: must be a lowercase RFC 1123 subdomain/);
  });

  it('a field modelgate does not serve yet', () => {
    const error = thrown(() => new c.Backend('b', { gateway: gateway(), ai: { provider: { openai: {} } }, policies: { tunnel: {} } as never }));
    expect(error.message).toBe('modelgate:index:Backend b: policies.tunnel: is not supported by modelgate yet');
  });

  it("CEL that does not compile (the data plane's compile step)", () => {
    const error = thrown(() => new c.Policy('failover-health', { gateway: gateway(), targetRefs: target, backend: { health: { unhealthyCondition: 'response.code ==' } } }));
    expect(error.message).toMatch(/^modelgate:index:Policy failover-health: backend\.health\.unhealthyCondition: /);
  });

  it('a retry condition that does not compile, on a Route', () => {
    const error = thrown(
      () =>
        new c.Policy('retry', {
          gateway: gateway(),
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'chat' }],
          traffic: { retry: { condition: 'response.code >' } },
        }),
    );
    expect(error.message).toMatch(/^modelgate:index:Policy retry: traffic\.retry\.condition: /);
  });

  it('a backend policy on a Route (the CRD allows it, the data plane does not)', () => {
    const error = thrown(
      () => new c.Policy('p', { gateway: gateway(), targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'chat' }], backend: { health } }),
    );
    expect(error.message).toContain('modelgate:index:Policy p: targetRefs[0]: spec.backend attached to a HTTPRoute is not supported by modelgate yet');
  });

  it('a route to a listener the Gateway does not have', () => {
    const gw = gateway();
    const error = thrown(
      () =>
        new c.Route('r', {
          gateway: gw,
          parentRefs: [{ name: 'gw', namespace: 'agentgateway-system', sectionName: 'https' }],
          rules: [{ backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'b' }] }],
        }),
    );
    expect(error.message).toBe('modelgate:index:Route r: parentRefs[0].sectionName: listener https not found on Gateway agentgateway-system/gw');
  });

  it('a route to a Service backend', () => {
    const error = thrown(() => new c.Route('r', { gateway: gateway(), rules: [{ backendRefs: [{ name: 'my-service', port: 80 }] }] }));
    expect(error.message).toContain('modelgate:index:Route r: rules[0].backendRefs[0]: backend kind Service is not supported by modelgate yet');
  });

  it('an empty key, without the key in the message', () => {
    const error = thrown(() => new c.Backend('b', { gateway: gateway(), ai: { provider: { openai: {} } }, policies: { auth: { key: '  ' } } }));
    expect(error.message).toBe('modelgate:index:Backend b: policies.auth.key: must be a non-empty string');
  });

  it('both key and secretRef, without the key in the message', () => {
    const error = thrown(() => new c.Backend('b', { gateway: gateway(), ai: { provider: { openai: {} } }, policies: { auth: { key: 'sk-visible', secretRef: { name: 's' } } } }));
    expect(error.message).toContain('modelgate:index:Backend b: policies.auth: at most one of the fields in [key secretRef');
    expect(error.message).not.toContain('sk-visible');
  });

  it('a component of another Gateway', () => {
    const other = new c.Gateway('other', { platform, namespace: 'agentgateway-system' });
    const backend = new c.Backend('b', { gateway: other, ai: { provider: { openai: {} } } });
    const error = thrown(() => new c.Route('r', { gateway: gateway(), rules: [{ backendRefs: [backend] }] }));
    expect(error.message).toBe(
      'modelgate:index:Route r: rules[0].backendRefs[0]: the Backend belongs to another Gateway; components refer only to components of their own Gateway',
    );
  });

  it('a gateway that is not a Gateway', () => {
    const error = thrown(() => new c.Backend('b', { gateway: {} as never, ai: { provider: { openai: {} } } }));
    expect(error.message).toBe('modelgate:index:Backend b: gateway: must be a modelgate Gateway (the instance the object belongs to)');
  });

  it('an invalid Gateway', () => {
    const error = thrown(() => new c.Gateway('gw', { platform, listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }] }));
    expect(error.message).toBe('modelgate:index:Gateway gw: listeners[0].protocol: protocol HTTPS is not supported by modelgate yet (HTTP only; terminate TLS in front)');
  });
});

describe('platform differences', () => {
  it("aws: a secretRef must name a Secret this gateway's components made (the table holds nothing else)", () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    const error = thrown(() => new c.Backend('b', { gateway, ai: { provider: { openai: {} } }, policies: { auth: { secretRef: { name: 'made-by-hand' } } } }));
    expect(error.message).toBe('modelgate:index:Backend b: policies.auth.secretRef: key "Authorization" of Secret default/made-by-hand not found');
    // A Secret another component of the gateway made is known.
    new c.Backend('keyed', { gateway, ai: { provider: { openai: {} } }, policies: { auth: { key: 'sk-1' } } });
    expect(() => new c.Backend('shared', { gateway, ai: { provider: { openai: {} } }, policies: { auth: { secretRef: { name: 'keyed-secret' } } } })).not.toThrow();
  });

  it('kubernetes: a secretRef may name a Secret managed elsewhere', () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes' });
    expect(() => new c.Backend('b', { gateway, ai: { provider: { openai: {} } }, policies: { auth: { secretRef: { name: 'made-by-hand' } } } })).not.toThrow();
  });

  it('aws: a route may attach only to its own Gateway; kubernetes: to Gateways managed elsewhere too', () => {
    const aws = new c.Gateway('gw', { platform: 'aws' });
    expect(thrown(() => new c.Route('r', { gateway: aws, parentRefs: [{ name: 'elsewhere' }] })).message).toBe(
      'modelgate:index:Route r: parentRefs[0]: Gateway default/elsewhere not found',
    );
    const k8s = new c.Gateway('gw2', { platform: 'kubernetes' });
    expect(() => new c.Route('r2', { gateway: k8s, parentRefs: [{ name: 'elsewhere' }] })).not.toThrow();
  });

  it('an unknown platform', () => {
    expect(thrown(() => new c.Gateway('gw', { platform: 'gcp' } as never)).message).toBe(
      'modelgate:index:Gateway gw: platform: Unsupported value: "gcp": supported values: "kubernetes", "aws"',
    );
  });

  it.each([
    [{ memorySize: 64 }, 'memorySize: Invalid value: 64: must be an integer from 128 to 10240 MB'],
    [{ timeout: 901 }, 'timeout: Invalid value: 901: must be an integer from 1 to 900 seconds'],
    [{ architecture: 'arm' }, 'architecture: Unsupported value: "arm": supported values: "arm64", "x86_64"'],
    [{ logRetentionInDays: 10 }, 'logRetentionInDays: Unsupported value: 10'],
    [{ authType: 'PUBLIC' }, 'authType: Unsupported value: "PUBLIC": supported values: "NONE", "AWS_IAM"'],
    [{ configRefreshInterval: '500ms' }, 'configRefreshInterval: Invalid value: "500ms": must be a duration of at least 1s'],
    [{ logLevel: 'verbose' }, 'logLevel: Unsupported value: "verbose"'],
  ])('aws settings: %o', (setting, message) => {
    expect(thrown(() => new c.Gateway('gw', { platform: 'aws', ...setting } as never)).message).toContain(`modelgate:index:Gateway gw: ${message}`);
  });
});

describe('Output-valued args: the object fails once the values are known', () => {
  it('a bad duration inside an Output fails the manifest and every resource of the component', async () => {
    const gateway = new c.Gateway('gw', { platform: 'aws' });
    await settle(gateway.urn);
    recorded.length = 0;
    let failure: unknown;
    const rejections = await collectingRejections(async () => {
      const policy = new c.Policy('failover-health', { gateway, targetRefs: target, backend: { health: pulumi.output({ eviction: { duration: '10x' } }) } });
      failure = await valueOf(policy.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect(failure).toBeInstanceOf(c.InvalidSpecError);
    expect((failure as Error).message).toContain(`modelgate:index:Policy failover-health: backend.health.eviction.duration: should match`);
    // The config item never reached the mocks: the engine would stop the update.
    expect(recorded.filter((r) => r.type === 'aws:dynamodb/tableItem:TableItem')).toEqual([]);
    expect(rejections.length).toBeGreaterThan(0);
    for (const r of rejections) expect(String((r as Error).message)).toContain('backend.health.eviction.duration');
  });

  it('an Output-valued setting is checked when known', async () => {
    let failure: unknown;
    await collectingRejections(async () => {
      const gateway = new c.Gateway('gw', { platform: 'aws', memorySize: pulumi.output(99_999) });
      failure = await valueOf(gateway.function!.memorySize).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toContain('modelgate:index:Gateway gw: memorySize: Invalid value: 99999: must be an integer from 128 to 10240 MB');
  });

  it('a key inside an Output cannot become a Secret: refused, without the key', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes' });
    let failure: unknown;
    await collectingRejections(async () => {
      const backend = new c.Backend('b', { gateway, ai: { provider: { openai: {} } }, policies: pulumi.output({ auth: { key: 'sk-hidden' } }) as never });
      failure = await valueOf(backend.manifest).then(
        () => undefined,
        (error: unknown) => error,
      );
    });
    expect((failure as Error).message).toContain('modelgate:index:Backend b: policies.auth.key: a key inside an Output cannot be moved into a Secret');
    expect((failure as Error).message).not.toContain('sk-hidden');
  });

  it('valid Output-valued args render like plain ones', async () => {
    const gateway = new c.Gateway('gw', { platform: 'kubernetes', namespace: pulumi.output('agentgateway-system') });
    const backend = new c.Backend('b', {
      gateway,
      name: pulumi.output('anthropic'),
      ai: { provider: { anthropic: { model: pulumi.output('claude-sonnet-4-6') } } },
      policies: { auth: { key: pulumi.secret('sk') } },
    });
    expect(await valueOf(backend.manifest)).toEqual({
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: 'anthropic', namespace: 'agentgateway-system' },
      spec: { ai: { provider: { anthropic: { model: 'claude-sonnet-4-6' } } }, policies: { auth: { secretRef: { name: 'anthropic-secret' } } } },
    });
    expect(await valueOf(backend.secretNames)).toEqual(['anthropic-secret']);
  });
});
