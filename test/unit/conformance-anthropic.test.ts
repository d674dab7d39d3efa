/**
 * agentgateway's golden cases for the OpenAI <-> Anthropic translations, run against modelgate's
 * anthropic adapter. Data: ../shared/conformance/agentgateway-golden (read in place).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createParser } from 'eventsource-parser';
import { anthropicChat } from '../../functions/providers/anthropic/adapter.js';
import type { SseEvent } from '../../functions/providers/types.js';
import type { ChatCompletionRequest } from '../../functions/providers/openai/wire.js';
import { type CompareOptions, diffJson, listCases, readGolden, snapshotJson, snapshotSseData } from '../support/conformance.js';
import { describeWithShared, GOLDEN } from '../support/shared.js';
import { buildOrRefused, type Refusal } from '../support/refusals.js';

/** Fields agentgateway drops and modelgate refuses (a 400 naming them); the rest of the case must still match. */
const REFUSED: readonly Refusal[] = [
  {
    case: 'full',
    fields: ['n', 'seed', 'logit_bias', 'presence_penalty', 'frequency_penalty', 'functions', 'function_call'],
    reason: 'n: 3, seed, logit_bias, penalties and the legacy functions have no equivalent here: refused, not dropped.',
  },
];

const REQUEST = 'completions->anthropic';
const RESPONSE = 'anthropic->completions';
const STREAM = 'anthropic->completions (streaming)';
type Translation = typeof REQUEST | typeof RESPONSE | typeof STREAM;

/**
 * Where modelgate deliberately differs from agentgateway. Each case listed here must still fail
 * to match exactly, and only under `differsAt` (both asserted below), so the list can neither go
 * stale nor hide an unrelated regression in the same case.
 */
const DEVIATIONS: ReadonlyArray<{ translation: Translation; case: string; differsAt: string; reason: string }> = [
  {
    translation: REQUEST,
    case: 'tool-call',
    differsAt: '$.messages: expected 4 items, got 3',
    reason:
      'Consecutive `tool` messages become ONE user turn with several tool_result blocks (agentgateway sends one user ' +
      'turn each). Anthropic documents that results of parallel calls belong in a single turn, and that splitting ' +
      'them teaches the model to stop calling tools in parallel.',
  },
  {
    translation: STREAM,
    case: 'stream_tool',
    differsAt: 'frame[0].choices[0].delta.tool_calls[0].function.arguments: unexpected ""',
    reason:
      'The opening tool-call delta carries `function.arguments: ""` as OpenAI itself sends it; agentgateway omits ' +
      'the key, which breaks clients that accumulate arguments with `+=` ("undefined{...}").',
  },
  {
    translation: STREAM,
    case: 'stream_tool_empty_args',
    differsAt: 'frame[0].choices[0].delta.tool_calls[0].function.arguments: unexpected ""',
    reason: 'Same as stream_tool: `function.arguments: ""` on the opening tool-call delta.',
  },
];

/** Response JSON: generated ids/timestamps are placeholders, and null == absent for optional fields. */
const RESPONSE_COMPARE: CompareOptions = { placeholderKeys: ['created'], nullMatchesAbsent: true };

const matched: Record<Translation, { ok: number; total: number }> = {
  [REQUEST]: { ok: 0, total: 0 },
  [RESPONSE]: { ok: 0, total: 0 },
  [STREAM]: { ok: 0, total: 0 },
};

function deviation(translation: Translation, name: string) {
  return DEVIATIONS.find((d) => d.translation === translation && d.case === name);
}

/** Records the outcome and asserts it: a match, or — for a listed deviation — a mismatch. */
function check(translation: Translation, name: string, diffs: string[]): void {
  matched[translation].total += 1;
  if (diffs.length === 0) matched[translation].ok += 1;
  const listed = deviation(translation, name);
  if (listed) {
    expect(diffs, `${name} is listed as a deviation but now matches agentgateway: remove it from DEVIATIONS`).not.toEqual([]);
    expect(
      diffs.filter((diff) => !diff.startsWith(listed.differsAt)),
      `${name} differs beyond its listed deviation`,
    ).toEqual([]);
  } else {
    expect(diffs).toEqual([]);
  }
}

/** Feeds recorded SSE text through the same parser the engine uses. */
function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: ({ event, data }) => events.push({ event, data }) });
  parser.feed(text);
  parser.reset({ consume: true });
  return events;
}

function diffStream(frames: string[], expected: string[]): string[] {
  const actual = frames.map((f) => {
    expect(f.startsWith('data: ') && f.endsWith('\n\n'), `frame ${JSON.stringify(f)}`).toBe(true);
    return f.slice('data: '.length, -2);
  });
  if (actual.length !== expected.length) {
    return [`expected ${expected.length} frames, got ${actual.length}:\n${actual.join('\n')}`];
  }
  return expected.flatMap((want, i) =>
    want === '[DONE]' || actual[i] === '[DONE]'
      ? actual[i] === want
        ? []
        : [`frame ${i}: expected ${want}, got ${actual[i]}`]
      : diffJson(JSON.parse(actual[i]!), JSON.parse(want), RESPONSE_COMPARE, `frame[${i}]`),
  );
}

describeWithShared('agentgateway golden cases: anthropic', GOLDEN, () => {
  describe(REQUEST, () => {
    const dir = 'requests/completions/';
    it.each(listCases(dir, '.json', '.anthropic.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as ChatCompletionRequest;
      const upstream = buildOrRefused(REFUSED, name, req, (r) => anthropicChat.buildRequest(r, { name: 'golden', kind: 'anthropic', baseUrl: 'https://api.anthropic.com' }));
      check(REQUEST, name, diffJson(JSON.parse(upstream.body), snapshotJson(`${dir}${name}.anthropic.snap`, 'request')));
    });
  });

  describe(RESPONSE, () => {
    const dir = 'response/anthropic/';
    it.each(listCases(dir, '.json', '.messages-completions.snap'))('%s', (name) => {
      const { body } = anthropicChat.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), 'sent-model');
      const expected = snapshotJson(`${dir}${name}.messages-completions.snap`, 'response');
      check(RESPONSE, name, diffJson(body, expected, RESPONSE_COMPARE));
    });
  });

  describe(STREAM, () => {
    const dir = 'response/anthropic/';
    it.each(listCases(dir, '.json', '.messages-completions-streaming.snap'))('%s', (name) => {
      const translator = anthropicChat.streamTranslator('sent-model', true);
      const steps = parseSse(readGolden(`${dir}${name}.json`)).map((event) => translator.push(event));
      expect(steps.at(-1)?.done).toBe(true);
      expect(steps.some((step) => step.failure)).toBe(false);
      // Every frame before [DONE] is model output, so each must end the engine's hold.
      expect(steps.filter((step) => step.frames.length > 0 && !step.done).every((step) => step.content)).toBe(true);
      const frames = steps.flatMap((step) => step.frames);
      check(STREAM, name, diffStream(frames, snapshotSseData(`${dir}${name}.messages-completions-streaming.snap`)));
    });
  });

  afterAll(() => {
    const counts = Object.entries(matched).map(([translation, { ok, total }]) => `${translation} ${ok}/${total}`);
    console.log(`agentgateway conformance (matched exactly): ${counts.join(', ')}`);
    for (const d of DEVIATIONS) console.log(`  deviation ${d.translation} ${d.case}: ${d.reason}`);
  });
});
