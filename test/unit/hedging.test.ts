/**
 * Hedging settings as annotations (each bad value refused, naming the annotation), and the state an
 * instance keeps to decide hedges: `auto`'s p95 within its bounds, and the hedge budget's window.
 */
import { describe, expect, it } from 'vitest';
import { AUTO_HEDGE_BOUNDS_MS, compileHedging, HEDGING_ANNOTATIONS as A } from '../../functions/model/compile-hedging.js';
import { HedgeState } from '../../functions/engine/hedging.js';

const compile = (annotations: Record<string, string> | undefined) => {
  const problems: string[] = [];
  const settings = compileHedging(annotations, 'AgentgatewayBackend gw/llm', problems);
  return { settings, problems };
};

describe('hedging annotations', () => {
  it('none, or only foreign annotations: no settings and no problems', () => {
    expect(compile(undefined)).toEqual({ settings: undefined, problems: [] });
    expect(compile({ 'example.com/owner': 'team-a' })).toEqual({ settings: undefined, problems: [] });
  });

  it('reads every annotation, with defaults for max-hedges (1) and hedge-budget (10%)', () => {
    expect(compile({ [A.firstTokenTimeout]: '5s' })).toEqual({ settings: { firstTokenTimeoutMs: 5000, maxHedges: 1, budget: 0.1 }, problems: [] });
    expect(compile({ [A.hedgeAfter]: '800ms', [A.maxHedges]: '2', [A.hedgeBudget]: '25%' })).toEqual({
      settings: { hedgeAfter: { ms: 800 }, maxHedges: 2, budget: 0.25 },
      problems: [],
    });
    expect(compile({ [A.hedgeAfter]: 'auto', [A.firstTokenTimeout]: '20s' }).settings).toEqual({ hedgeAfter: 'auto', firstTokenTimeoutMs: 20000, maxHedges: 1, budget: 0.1 });
  });

  it.each([
    [{ [A.firstTokenTimeout]: 'soon' }, A.firstTokenTimeout, 'is not a duration'],
    [{ [A.hedgeAfter]: '-1s' }, A.hedgeAfter, 'neither "auto" nor a duration'],
    [{ [A.hedgeAfter]: '800ms', [A.maxHedges]: '0' }, A.maxHedges, 'from 1 to 3'],
    [{ [A.hedgeAfter]: '800ms', [A.maxHedges]: '12' }, A.maxHedges, 'from 1 to 3'],
    [{ [A.hedgeAfter]: '800ms', [A.hedgeBudget]: '10' }, A.hedgeBudget, 'percentage'],
    [{ [A.hedgeAfter]: '800ms', [A.hedgeBudget]: '120%' }, A.hedgeBudget, 'percentage'],
    [{ [A.maxHedges]: '2' }, A.maxHedges, 'no effect without'],
    [{ [A.firstTokenTimeout]: '5s', [A.hedgeBudget]: '5%' }, A.hedgeBudget, 'no effect without'],
    [{ [A.hedgeAfter]: '5s', [A.firstTokenTimeout]: '2s' }, A.hedgeAfter, 'not before the first-token timeout'],
    [{ 'modelgate.dev/hedge-afer': '800ms' }, 'modelgate.dev/hedge-afer', 'unknown modelgate annotation'],
  ])('refuses %j, naming %s', (annotations, name, words) => {
    const { problems } = compile(annotations);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`AgentgatewayBackend gw/llm: metadata.annotations["${name}"]`);
    expect(problems[0]).toContain(words);
  });
});

describe('HedgeState', () => {
  const auto = { hedgeAfter: 'auto' as const, maxHedges: 1, budget: 0.1 };

  it('a fixed hedge-after is used as is; no hedge-after means no hedge', () => {
    const s = new HedgeState();
    expect(s.hedgeDelayMs({ hedgeAfter: { ms: 800 }, maxHedges: 1, budget: 0.1 }, 'p')).toBe(800);
    expect(s.hedgeDelayMs({ firstTokenTimeoutMs: 5000, maxHedges: 1, budget: 0.1 }, 'p')).toBeUndefined();
    expect(s.hedgeDelayMs(undefined, 'p')).toBeUndefined();
  });

  it('auto: the upper bound until there are samples, then the p95 of recent ones, within 200 ms - 10 s', () => {
    const s = new HedgeState();
    expect(s.hedgeDelayMs(auto, 'p')).toBe(AUTO_HEDGE_BOUNDS_MS.max);
    // 19 fast answers and one slow: the p95 of 20 samples is the 19th, a fast one.
    for (let i = 0; i < 19; i++) s.noteFirstContent('p', 300 + i);
    s.noteFirstContent('p', 9000);
    expect(s.hedgeDelayMs(auto, 'p')).toBe(318);
    // A provider that is always quick still waits the lower bound; one that is always slow, the upper.
    for (let i = 0; i < 64; i++) s.noteFirstContent('quick', 20);
    for (let i = 0; i < 64; i++) s.noteFirstContent('slow', 60_000);
    expect(s.hedgeDelayMs(auto, 'quick')).toBe(AUTO_HEDGE_BOUNDS_MS.min);
    expect(s.hedgeDelayMs(auto, 'slow')).toBe(AUTO_HEDGE_BOUNDS_MS.max);
    // Only the last 64 samples count: a provider that got fast is seen as fast.
    for (let i = 0; i < 64; i++) s.noteFirstContent('slow', 400);
    expect(s.hedgeDelayMs(auto, 'slow')).toBe(400);
  });

  it('the budget: one hedge in a quiet window, then the share of the window, then it slides', () => {
    const s = new HedgeState();
    const t0 = 1_000_000;
    s.noteRequest('b', t0);
    expect(s.takeHedge('b', auto, t0)).toBe(true);
    expect(s.takeHedge('b', auto, t0)).toBe(false);
    for (let i = 0; i < 99; i++) s.noteRequest('b', t0 + 1000);
    // 100 requests at 10%: 10 hedges in the window, one of them already taken.
    let taken = 0;
    for (let i = 0; i < 20; i++) if (s.takeHedge('b', auto, t0 + 2000)) taken++;
    expect(taken).toBe(9);
    // A minute later the window is empty again.
    s.noteRequest('b', t0 + 61_000);
    expect(s.takeHedge('b', auto, t0 + 61_000)).toBe(true);
    // Another backend has its own budget; a budget of 0% never hedges.
    expect(s.takeHedge('other', { ...auto, budget: 0 }, t0)).toBe(false);
  });
});

describe('the start-up summary', () => {
  it('says how a backend hedges', async () => {
    const { compileYaml, gatewayYaml } = await import('../support/harness.js');
    const { describeConfig } = await import('../../functions/config/describe.js');
    const lines = (annotations: Record<string, string>) =>
      describeConfig(compileYaml(gatewayYaml({ groups: [[{ name: 'a' }], [{ name: 'b' }]], backendAnnotations: annotations }, 9))).filter((l) => /hedging|first-token/.test(l));
    expect(lines({ [A.hedgeAfter]: '800ms', [A.firstTokenTimeout]: '5s' })).toEqual([
      '  hedging: after 800ms, at most 1 extra attempt at once, for up to 10% of requests; first-token timeout 5s',
    ]);
    expect(lines({ [A.hedgeAfter]: 'auto', [A.maxHedges]: '2', [A.hedgeBudget]: '2.5%' })).toEqual([
      "  hedging: after the provider's recent p95 time to first content (200ms-10s), at most 2 extra attempts at once, for up to 2.5% of requests",
    ]);
    expect(lines({})).toEqual([]);
  });
});
