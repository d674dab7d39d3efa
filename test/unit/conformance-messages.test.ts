/**
 * agentgateway's golden cases for Anthropic Messages clients: requests passed through to
 * Anthropic and translated to OpenAI chat completions (what OpenAI, Azure OpenAI, custom hosts and
 * — through their chat adapters — Gemini and Vertex AI receive), and answers back: Anthropic's
 * passed through, OpenAI's translated, buffered and streamed.
 * Data: ../shared/conformance/agentgateway-golden (read in place).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../functions/providers/anthropic/passthrough.js';
import type { MessagesApiRequest } from '../../functions/providers/anthropic/wire.js';
import { messagesAdapter } from '../../functions/providers/registry.js';
import { type CompareOptions, diffJson, listCases, readGolden, snapshotJson } from '../support/conformance.js';
import { describeWithShared, GOLDEN } from '../support/shared.js';
import { diffMessagesFrames, framesOf, parseSse, snapshotEvents, Tally, translateStream, type Deviation } from '../support/golden-check.js';
import { buildOrRefused, type Refusal } from '../support/refusals.js';

const TO_ANTHROPIC = 'messages->anthropic';
const TO_VERTEX = 'messages->vertex (Claude on Vertex AI)';
const TO_COMPLETIONS = 'messages->completions';
const FROM_ANTHROPIC = 'anthropic->messages';
const FROM_ANTHROPIC_STREAM = 'anthropic->messages (streaming)';
const FROM_COMPLETIONS = 'completions->messages';
const FROM_COMPLETIONS_STREAM = 'completions->messages (streaming)';
type Translation =
  | typeof TO_ANTHROPIC
  | typeof TO_VERTEX
  | typeof TO_COMPLETIONS
  | typeof FROM_ANTHROPIC
  | typeof FROM_ANTHROPIC_STREAM
  | typeof FROM_COMPLETIONS
  | typeof FROM_COMPLETIONS_STREAM;

const DEVIATIONS: ReadonlyArray<Deviation<Translation>> = [
  {
    translation: TO_COMPLETIONS,
    case: 'cache_control',
    differsAt: [
      ...['[0].content[1]', '[1].content[1]', '[4].content[0]', '[5].content[0]', '[6].content[0]', '[7].content[1]', '[8].content[0]'].map(
        (at) => `$.messages${at}.prompt_cache_breakpoint: missing`,
      ),
      '$.messages: expected 9 items, got 10',
    ],
    reason:
      'Anthropic `cache_control` hints are dropped: OpenAI caches prompts automatically and documents no per-part ' +
      'breakpoint. agentgateway writes a `prompt_cache_breakpoint` on each part for GPT models from 5.6 on. And the ' +
      'images inside tool results, which agentgateway drops, go in a user message after the tool messages (chat ' +
      'tool messages carry text only): one message more.',
  },
];

/** Fields agentgateway drops and modelgate refuses (a 400 naming them); the rest of each case must still match. */
const REFUSED_FOR_COMPLETIONS: readonly Refusal[] = [{ case: 'structured-output', fields: ['top_k'], reason: 'OpenAI chat completions has no `top_k`: refused, not dropped.' }];

const tally = new Tally<Translation>(
  'messages',
  [TO_ANTHROPIC, TO_VERTEX, TO_COMPLETIONS, FROM_ANTHROPIC, FROM_ANTHROPIC_STREAM, FROM_COMPLETIONS, FROM_COMPLETIONS_STREAM],
  DEVIATIONS,
);
const RESPONSE_COMPARE: CompareOptions = { nullMatchesAbsent: true };
const openai = messagesAdapter('openai');

describeWithShared('agentgateway golden cases: messages', GOLDEN, () => {
  describe(TO_ANTHROPIC, () => {
    const dir = 'requests/messages/';
    it.each(listCases(dir, '.json', '.anthropic.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as MessagesApiRequest;
      const call = anthropicMessages.buildRequest(req, { name: 'golden', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'k' });
      expect(call.url).toBe('https://api.anthropic.com/v1/messages');
      tally.check(TO_ANTHROPIC, name, diffJson(JSON.parse(call.body), snapshotJson(`${dir}${name}.anthropic.snap`, 'request')));
    });
  });

  describe(TO_VERTEX, () => {
    const dir = 'requests/messages/';
    it.each(listCases(dir, '.json', '.vertex.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as MessagesApiRequest;
      // agentgateway's golden test: model anthropic/claude-sonnet-4-5, region us-central1, project test-project-123.
      const target = {
        name: 'golden',
        kind: 'vertexai' as const,
        baseUrl: 'https://us-central1-aiplatform.googleapis.com',
        region: 'us-central1',
        projectId: 'test-project-123',
        model: 'anthropic/claude-sonnet-4-5',
        apiKey: 'ya29.t',
      };
      const call = messagesAdapter('vertexai').buildRequest(req, target);
      expect(call.url).toBe(
        `https://us-central1-aiplatform.googleapis.com/v1/projects/test-project-123/locations/us-central1/publishers/anthropic/models/claude-sonnet-4-5:${req.stream ? 'streamRawPredict' : 'rawPredict'}`,
      );
      expect(call.headers.authorization).toBe('Bearer ya29.t');
      tally.check(TO_VERTEX, name, diffJson(JSON.parse(call.body), snapshotJson(`${dir}${name}.vertex.snap`, 'request')));
    });
  });

  describe(TO_COMPLETIONS, () => {
    const dir = 'requests/messages/';
    it.each(listCases(dir, '.json', '.completions.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as MessagesApiRequest;
      const call = buildOrRefused(REFUSED_FOR_COMPLETIONS, name, req, (r) =>
        openai.buildRequest(r, { name: 'golden', kind: 'openai', baseUrl: 'https://api.openai.com', apiKey: 'k' }),
      );
      expect(call.url).toBe('https://api.openai.com/v1/chat/completions');
      tally.check(TO_COMPLETIONS, name, diffJson(JSON.parse(call.body), snapshotJson(`${dir}${name}.completions.snap`, 'request')));
    });
  });

  describe(FROM_ANTHROPIC, () => {
    const dir = 'response/anthropic/';
    it.each(listCases(dir, '.json', '.messages-messages.snap'))('%s', (name) => {
      const { body } = anthropicMessages.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), 'sent-model');
      tally.check(FROM_ANTHROPIC, name, diffJson(body, snapshotJson(`${dir}${name}.messages-messages.snap`, 'response'), RESPONSE_COMPARE));
    });
  });

  describe(FROM_ANTHROPIC_STREAM, () => {
    const dir = 'response/anthropic/';
    it.each(listCases(dir, '.json', '.messages-messages-streaming.snap'))('%s', (name) => {
      const steps = translateStream(anthropicMessages.streamTranslator('sent-model', true), parseSse(readGolden(`${dir}${name}.json`)));
      expect(steps.at(-1)?.done).toBe(true);
      tally.check(FROM_ANTHROPIC_STREAM, name, diffMessagesFrames(framesOf(steps), snapshotEvents(`${dir}${name}.messages-messages-streaming.snap`), {}));
    });
  });

  describe(FROM_COMPLETIONS, () => {
    const dir = 'response/completions/';
    it.each(listCases(dir, '.json', '.completions-messages.snap'))('%s', (name) => {
      const { body } = openai.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), 'sent-model');
      tally.check(FROM_COMPLETIONS, name, diffJson(body, snapshotJson(`${dir}${name}.completions-messages.snap`, 'response'), { ...RESPONSE_COMPARE, placeholderKeys: ['id'] }));
    });
  });

  describe(FROM_COMPLETIONS_STREAM, () => {
    const dir = 'response/completions/';
    it.each(listCases(dir, '.json', '.completions-messages-streaming.snap'))('%s', (name) => {
      const steps = translateStream(openai.streamTranslator('sent-model', true), parseSse(readGolden(`${dir}${name}.json`)));
      expect(steps.at(-1)?.done).toBe(true);
      tally.check(FROM_COMPLETIONS_STREAM, name, diffMessagesFrames(framesOf(steps), snapshotEvents(`${dir}${name}.completions-messages-streaming.snap`), {}));
    });
  });

  afterAll(() => console.log(tally.report()));
});
