/**
 * `traffic.rateLimit`: validation with the CRD's rules and messages, `global` refused by name, CEL
 * conditions checked at load, the compiled buckets as agentgateway's controller builds them
 * (max = requests|tokens + burst, refilled by requests|tokens each unit), and the in-memory bucket
 * behaving as agentgateway's local rate limit does.
 */
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../functions/config/describe.js';
import { parseManifests } from '../../functions/config/manifests.js';
import { compileRequestCondition } from '../../functions/model/compile-rate-limit.js';
import { compileConfig } from '../../functions/model/compile.js';
import { validateObject } from '../../functions/model/validate.js';
import { MemoryRateLimits } from '../../functions/state/memory-rate-limits.js';
import type { RateLimitBuckets } from '../../functions/state/store.js';
import { rateLimitManifests } from '../support/rate-limits.js';

function policy(rateLimit: unknown) {
  return {
    apiVersion: 'agentgateway.dev/v1alpha1',
    kind: 'AgentgatewayPolicy',
    metadata: { name: 'p', namespace: 'default' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }], traffic: { rateLimit } },
  };
}

const messages = (rateLimit: unknown) => {
  const v = validateObject(policy(rateLimit));
  return v.ok ? [] : v.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('validation', () => {
  it("accepts agentgateway's shapes", () => {
    expect(messages({ local: [{ requests: 100, unit: 'Minutes', burst: 20 }] })).toEqual([]);
    expect(messages({ local: [{ tokens: 10000, unit: 'Hours' }] })).toEqual([]);
    expect(
      messages({
        conditional: [
          { condition: "request.path == '/limited'", policy: { local: [{ requests: 10, unit: 'Seconds' }] } },
          { policy: { local: [{ requests: 1, unit: 'Minutes' }] } },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses with the CRD's messages", () => {
    expect(messages({ local: [{ requests: 1, tokens: 1, unit: 'Minutes' }] }).join()).toContain('exactly one of the fields in [requests tokens] must be set');
    expect(messages({ local: [{ unit: 'Minutes' }] }).join()).toContain('exactly one of the fields in [requests tokens] must be set');
    expect(messages({ local: [{ requests: 1, unit: 'Days' }] }).join()).toContain('unit: Unsupported value');
    expect(messages({ local: [{ requests: 0, unit: 'Hours' }] }).join()).toMatch(/requests/);
    expect(messages({ local: [{ requests: 1, unit: 'Hours', burst: -1 }] }).join()).toMatch(/burst/);
    expect(messages({}).join()).toContain('at least one of the fields in [conditional global local] must be set');
    expect(messages({ conditional: [{ policy: {} }] }).join()).toContain('at least one of the fields in [global local] must be set');
    expect(
      messages({ conditional: [{ policy: { local: [{ requests: 1, unit: 'Hours' }] } }, { condition: 'true', policy: { local: [{ requests: 1, unit: 'Hours' }] } }] }).join(),
    ).toContain('conditional entries without condition must be last');
    expect(messages({ conditional: [{ policy: { local: [{ requests: 1, unit: 'Hours' }] } }], local: [{ requests: 1, unit: 'Hours' }] }).join()).toContain(
      'conditional cannot be set with any other field',
    );
  });

  it('refuses `global` by name, as unsupported', () => {
    const v = validateObject(policy({ global: { domain: 'd', backendRef: { name: 'rls', port: 8081 }, descriptors: [{ entries: [{ name: 'u', expression: 'request.path' }] }] } }));
    expect(v.ok).toBe(false);
    const issue = v.ok ? undefined : v.issues.find((i) => i.path.endsWith('rateLimit.global'));
    expect(issue?.unsupported).toBe(true);
    expect(issue?.message).toContain('needs an external rate-limit service');
  });
});

describe('compiling', () => {
  it("builds agentgateway's buckets: max = per unit + burst, refilled by per unit each unit", () => {
    const config = compileConfig(
      parseManifests([{ name: 'rl.yaml', text: rateLimitManifests(1, '{ local: [{ requests: 10, burst: 5, unit: Seconds }, { tokens: 1000, unit: Hours }] }') }]).objects,
    );
    const choice = config.rules[0]!.rateLimit!.choices[0]!;
    expect(choice.condition).toBeUndefined();
    expect(choice.policy.limits).toEqual([
      { kind: 'requests', perUnit: 10, burst: 5, unitMs: 1_000 },
      { kind: 'tokens', perUnit: 1000, burst: 0, unitMs: 3_600_000 },
    ]);
    expect(choice.policy.id).toMatch(/^rl\/limits#local#[0-9a-f]{8}$/);
    // The start-up summary (`modelgate serve` / `validate`) says it.
    expect(describeConfig(config)[0]).toContain('-> rl/llm (rate limit: 10 requests/second + burst 5, 1000 tokens/hour)');
  });

  it('checks conditions at load: request only, bool, bounded cost', () => {
    expect(compileRequestCondition('request.headers["x-tier"] == "free"').test({ method: 'POST', path: '/', host: '', headers: { 'x-tier': 'free' } })).toBe(true);
    expect(() => compileRequestCondition('llm.inputTokens > 10')).toThrow(/llm is not available in a rate limit condition/);
    expect(() => compileRequestCondition('response.code == 200')).toThrow(/response is not available/);
    expect(() => compileRequestCondition('request.pth == "/"')).toThrow(/pth/);
    expect(() => compileRequestCondition('request.path')).toThrow(/must evaluate to a bool/);
    expect(() => compileRequestCondition('request.headers.all(a, request.headers.all(b, request.headers.all(c, a + b + c != "")))')).toThrow(/too costly/);
    expect(() =>
      compileConfig(
        parseManifests([{ name: 'rl.yaml', text: rateLimitManifests(1, `{ conditional: [{ condition: 'jwt.sub == "x"', policy: { local: [{ requests: 1, unit: Hours }] } }] }`) }])
          .objects,
      ),
    ).toThrow(/rateLimit\.conditional\[0\]\.condition: .*jwt/);
  });
});

describe("the in-memory bucket (agentgateway's local rate limit)", () => {
  const T0 = 1_800_000_000_000; // on a whole hour
  const requests: RateLimitBuckets = { key: 'r|*', limits: [{ kind: 'requests', perUnit: 2, burst: 3, unitMs: 60_000 }] };
  const tokens: RateLimitBuckets = { key: 't|*', limits: [{ kind: 'tokens', perUnit: 100, burst: 0, unitMs: 60_000 }] };

  it('starts full (per unit + burst), refills per unit each unit, never above its size', async () => {
    const store = new MemoryRateLimits();
    const admitted = async (at: number, n: number) => {
      let count = 0;
      for (let i = 0; i < n; i++) if ((await store.admit(requests, at)).admitted) count++;
      return count;
    };
    expect(await admitted(T0, 10)).toBe(5);
    expect(await admitted(T0 + 60_000, 10)).toBe(2);
    // Three idle units refill 6, capped at 5.
    expect(await admitted(T0 + 5 * 60_000, 10)).toBe(5);
    const refused = await store.admit(requests, T0 + 5 * 60_000 + 30_000);
    expect(refused).toEqual({ admitted: false, refusedBy: 0, statuses: [{ limit: 5, remaining: 0, resetAt: T0 + 6 * 60_000 }] });
  });

  it('admits a token limit while anything is left, charges what was used, and never goes below zero', async () => {
    const store = new MemoryRateLimits();
    expect((await store.admit(tokens, T0)).statuses[0]!.remaining).toBe(100);
    await store.charge(tokens, 70, T0);
    expect((await store.admit(tokens, T0)).admitted).toBe(true);
    await store.charge(tokens, 500, T0);
    expect(await store.admit(tokens, T0)).toMatchObject({ admitted: false, statuses: [{ remaining: 0 }] });
    expect(await store.admit(tokens, T0 + 60_000)).toMatchObject({ admitted: true, statuses: [{ remaining: 100 }] });
  });

  it('takes nothing when one limit of the policy refuses', async () => {
    const store = new MemoryRateLimits();
    const both: RateLimitBuckets = { key: 'b|*', limits: [{ kind: 'requests', perUnit: 10, burst: 0, unitMs: 60_000 }, tokens.limits[0]!] };
    await store.charge(both, 100, T0);
    expect(await store.admit(both, T0)).toMatchObject({ admitted: false, refusedBy: 1, statuses: [{ remaining: 10 }, { remaining: 0 }] });
  });
});
