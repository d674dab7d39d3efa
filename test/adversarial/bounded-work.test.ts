/**
 * Small requests that used to cost a lot of CPU, through `modelgate serve`: a backtracking route
 * regex and CEL `matches()` against a 40-byte header (hours of CPU with JavaScript's RegExp), a
 * 2 KB tool schema whose `$ref`s multiply (10 s and 250 MB on Gemini). The cost is read as the
 * gateway process's own CPU time (/proc/<pid>/stat), against a bound far from both the healthy
 * value and the value before the fix. Configs that would cost too much are refused at load.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, serve, stop, type Served } from '../support/cli.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, post } from '../support/adversarial.js';
import { openAIAnswer, startHostile, type Hostile } from '../support/hostile-upstream.js';

/** User + system CPU seconds a process has used (fields 14 and 15 of /proc/<pid>/stat, in ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const EVIL = `${'a'.repeat(40)}!`;
const BACKTRACKING = '^(a+)+$';

let hostile: Hostile;
let served: Served;

beforeAll(async () => {
  hostile = await startHostile((call, res) => openAIAnswer(call, res, 'ok'));
  const p = hostile.port;
  const text = adversarialManifests([
    {
      name: 'regex',
      groups: [[loopbackProvider('r', 'openai', p, 'key-r-0123', { model: 'gpt' })]],
      matches: [{ path: { type: 'PathPrefix', value: '/regex' }, headers: [{ name: 'x-probe', type: 'RegularExpression', value: BACKTRACKING }] }],
    },
    {
      name: 'cel',
      groups: [[loopbackProvider('c', 'openai', p, 'key-c-0123', { model: 'gpt' })]],
      backendPolicy: { health: { unhealthyCondition: `request.headers["x-probe"].matches("${BACKTRACKING}")` } },
    },
    { name: 'gemini', groups: [[loopbackProvider('g', 'gemini', p, 'key-g-0123', { model: 'gemini-x' })]] },
  ]);
  served = await serve(['-f', manifestFile(text), '--port', '0']);
});

afterAll(async () => {
  await stop(served);
  await hostile?.close();
});

/** CPU the gateway spent on `f`: a loose bound, far from seconds-to-hours before the fixes. */
async function cpuOf<T>(f: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const pid = served.child.pid!;
  const before = cpuSeconds(pid);
  const result = await f();
  return { result, cpu: cpuSeconds(pid) - before };
}

describe('bounded work per request', () => {
  it('a backtracking route header regex against 40 bytes: no match, at once', async () => {
    const { result, cpu } = await cpuOf(() => Promise.all(Array.from({ length: 5 }, () => post(`${served.url}/regex/v1/chat/completions`, CHAT_BODY, { 'x-probe': EVIL }))));
    expect(result.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect(cpu).toBeLessThan(2);
    // The pattern still matches what it should.
    expect((await post(`${served.url}/regex/v1/chat/completions`, CHAT_BODY, { 'x-probe': 'aaaa' })).status).toBe(200);
  });

  it('CEL matches() with a backtracking pattern on every judged answer: at once', async () => {
    const { result, cpu } = await cpuOf(() => Promise.all(Array.from({ length: 5 }, () => post(`${served.url}/cel/v1/chat/completions`, CHAT_BODY, { 'x-probe': EVIL }))));
    expect(result.every((r) => r.status === 200)).toBe(true);
    expect(cpu).toBeLessThan(2);
  });

  it('an exponential $defs chain in a tool for Gemini: a 400 naming the tool, no upstream call', async () => {
    const $defs: Record<string, unknown> = {};
    for (let i = 0; i < 22; i++) $defs[`d${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } } };
    $defs.d22 = { type: 'string' };
    const tools = [{ type: 'function', function: { name: 'explode', parameters: { type: 'object', properties: { r: { $ref: '#/$defs/d0' } }, $defs } } }];
    const calls = hostile.calls.length;
    const { result, cpu } = await cpuOf(() => post(`${served.url}/gemini/v1/chat/completions`, { ...CHAT_BODY, tools }));
    expect(result.status).toBe(400);
    expect(JSON.parse(result.text).error.message).toMatch(/explode/);
    expect(hostile.calls.length).toBe(calls);
    expect(cpu).toBeLessThan(2);
  });
});

describe('configs that would cost too much are refused at load, naming the field', () => {
  it('a CEL comprehension of 150³ steps', async () => {
    const list = `[${Array.from({ length: 150 }, (_, i) => i).join(',')}]`;
    const condition = `${list}.all(x, ${list}.all(y, ${list}.exists(z, z == x + y)))`;
    const file = manifestFile(
      adversarialManifests([
        { name: 'costly', groups: [[loopbackProvider('p', 'openai', 9, 'key-p-0123', { model: 'gpt' })]], backendPolicy: { health: { unhealthyCondition: condition } } },
      ]),
    );
    const { code, output } = await run(['validate', '-f', file]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/health.*unhealthyCondition.*too costly/);
  });

  it('a route regex RE2 cannot run in linear time (lookahead, backreference)', async () => {
    const file = manifestFile(
      adversarialManifests([
        {
          name: 'look',
          groups: [[loopbackProvider('p', 'openai', 9, 'key-p-0123', { model: 'gpt' })]],
          matches: [{ path: { type: 'RegularExpression', value: '/(v1)/\\1' }, headers: [{ name: 'x', type: 'RegularExpression', value: 'a(?=b)' }] }],
        },
      ]),
    );
    const { code, output } = await run(['validate', '-f', file]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/spec\.rules\[0\]\.matches\[0\]\.path\.value: invalid regular expression/);
    expect(output).toMatch(/spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value: invalid regular expression/);
  });
});
