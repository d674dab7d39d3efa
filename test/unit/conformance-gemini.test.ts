/**
 * agentgateway's golden cases for Gemini (its `vertex-gemini` translation: the native
 * generateContent format both Google AI Studio and Vertex AI speak), run against modelgate's
 * gemini and vertexai adapters: completions requests -> generateContent, generateContent answers
 * -> completions, buffered and streamed. Data: ../shared/conformance/agentgateway-golden.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { geminiChat } from '../../functions/providers/gemini/adapter.js';
import { vertexChat } from '../../functions/providers/vertex/adapter.js';
import type { ChatCompletionRequest } from '../../functions/providers/openai/wire.js';
import { type CompareOptions, diffJson, listCases, readGolden, snapshotJson, snapshotSseData } from '../support/conformance.js';
import { describeWithShared, GOLDEN } from '../support/shared.js';
import { diffChatFrames, framesOf, parseSse, Tally, translateStream, type Deviation } from '../support/golden-check.js';

const REQUEST = 'completions->vertex-gemini';
const RESPONSE = 'vertex-gemini->completions';
const STREAM = 'vertex-gemini->completions (streaming)';
type Translation = typeof REQUEST | typeof RESPONSE | typeof STREAM;

const DEVIATIONS: ReadonlyArray<Deviation<Translation>> = [];

const tally = new Tally<Translation>('gemini', [REQUEST, RESPONSE, STREAM], DEVIATIONS);
const RESPONSE_COMPARE: CompareOptions = { placeholderKeys: ['created'], nullMatchesAbsent: true };

describeWithShared('agentgateway golden cases: gemini', GOLDEN, () => {
  describe(REQUEST, () => {
    const dir = 'requests/completions/';
    it.each(listCases(dir, '.json', '.vertex-gemini.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as ChatCompletionRequest;
      // agentgateway's golden test pins gemini-2.5-pro (a thinking budget, not a Gemini 3 level).
      const expected = snapshotJson(`${dir}${name}.vertex-gemini.snap`, 'request');
      const vertex = vertexChat.buildRequest(req, {
        name: 'golden',
        kind: 'vertexai',
        baseUrl: 'https://aiplatform.googleapis.com',
        projectId: 'p',
        region: 'global',
        model: 'gemini-2.5-pro',
      });
      const gemini = geminiChat.buildRequest(req, { name: 'golden', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', model: 'gemini-2.5-pro', apiKey: 'k' });
      // The same body for both ways in; only the address and the credential differ.
      expect(gemini.body).toBe(vertex.body);
      tally.check(REQUEST, name, diffJson(JSON.parse(vertex.body), expected));
    });
  });

  describe(RESPONSE, () => {
    const dir = 'response/vertex-gemini/';
    it.each(listCases(dir, '.json', '.vertex-gemini-completions.snap'))('%s', (name) => {
      const { body } = geminiChat.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), 'sent-model');
      tally.check(
        RESPONSE,
        name,
        diffJson(body, snapshotJson(`${dir}${name}.vertex-gemini-completions.snap`, 'response'), { ...RESPONSE_COMPARE, placeholderKeys: ['created', 'id'] }),
      );
    });
  });

  describe(STREAM, () => {
    const dir = 'response/vertex-gemini/';
    it.each(listCases(dir, '.json', '.vertex-gemini-completions-streaming.snap'))('%s', (name) => {
      const steps = translateStream(geminiChat.streamTranslator('sent-model', true), parseSse(readGolden(`${dir}${name}.json`)));
      // Gemini has no end marker: the answer is complete when the stream closes after a finishReason.
      expect(steps.at(-1)?.done).toBe(true);
      expect(steps.some((s) => s.failure)).toBe(false);
      tally.check(STREAM, name, diffChatFrames(framesOf(steps), snapshotSseData(`${dir}${name}.vertex-gemini-completions-streaming.snap`), RESPONSE_COMPARE));
    });
  });

  afterAll(() => console.log(tally.report()));
});
