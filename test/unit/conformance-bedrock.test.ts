/**
 * agentgateway's golden cases for Bedrock, run against modelgate's bedrock adapters: completions
 * and messages requests -> Converse, Converse answers -> completions and messages, buffered and
 * streamed (the recorded `.bin` AWS event streams, decoded with the SDK's codec).
 * Data: ../shared/conformance/agentgateway-golden (read in place).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bedrockChat, bedrockMessages } from '../../functions/providers/bedrock/adapter.js';
import type { MessagesApiRequest } from '../../functions/providers/anthropic/wire.js';
import type { ChatCompletionRequest } from '../../functions/providers/openai/wire.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
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
import { diffChatFrames, diffMessagesFrames, framesOf, readEventStream, snapshotEvents, Tally, translateStream, type Deviation } from '../support/golden-check.js';

const COMPLETIONS_REQUEST = 'completions->bedrock';
const MESSAGES_REQUEST = 'messages->bedrock';
const COMPLETIONS_RESPONSE = 'bedrock->completions';
const COMPLETIONS_STREAM = 'bedrock->completions (streaming)';
const MESSAGES_RESPONSE = 'bedrock->messages';
const MESSAGES_STREAM = 'bedrock->messages (streaming)';
type Translation =
  | typeof COMPLETIONS_REQUEST
  | typeof MESSAGES_REQUEST
  | typeof COMPLETIONS_RESPONSE
  | typeof COMPLETIONS_STREAM
  | typeof MESSAGES_RESPONSE
  | typeof MESSAGES_STREAM;

const PLACEHOLDER_REASON =
  'The placeholder tool Converse needs when the history holds tool calls but the request offers no tools is named ' +
  '`placeholder_tool_do_not_call` (agentgateway names it after itself); it is never called either way.';

const DEVIATIONS: ReadonlyArray<Deviation<Translation>> = [
  {
    translation: COMPLETIONS_REQUEST,
    case: 'full',
    differsAt: ['$.toolConfig.toolChoice: unexpected', '$.toolConfig.tool_choice: missing'],
    reason:
      'The forced tool choice goes in `toolConfig.toolChoice`, the field the Converse API defines; agentgateway writes ' +
      '`tool_choice`, which Bedrock does not read, so the choice is lost.',
  },
  { translation: COMPLETIONS_REQUEST, case: 'tool-call', differsAt: '$.toolConfig.tools[0].toolSpec.name', reason: PLACEHOLDER_REASON },
  { translation: COMPLETIONS_REQUEST, case: 'parallel-tool-call', differsAt: '$.toolConfig.tools[0].toolSpec.name', reason: PLACEHOLDER_REASON },
  {
    translation: COMPLETIONS_STREAM,
    case: 'tool',
    differsAt: ['frame[2].choices[0].delta.tool_calls[0].function.arguments: unexpected ""', 'frame[5].choices[0].delta.tool_calls[0].function.arguments: unexpected ""'],
    reason: 'The opening tool-call delta carries `function.arguments: ""` as OpenAI itself sends it (clients append to it); agentgateway omits it.',
  },
  {
    translation: MESSAGES_STREAM,
    case: 'reasoning',
    differsAt: ['expected 8 events, got 10'],
    reason:
      'The recorded stream starts the text block without closing the thinking block; modelgate closes it ' +
      '(`content_block_stop`) before the next block starts and before `message_delta`, as Anthropic streams always do.',
  },
];

const tally = new Tally<Translation>('bedrock', [COMPLETIONS_REQUEST, MESSAGES_REQUEST, COMPLETIONS_RESPONSE, COMPLETIONS_STREAM, MESSAGES_RESPONSE, MESSAGES_STREAM], DEVIATIONS);

/** agentgateway writes `null` for absent optional fields (`status`, `description`); modelgate leaves them out. */
const REQUEST_COMPARE: CompareOptions = { nullMatchesAbsent: true };
const RESPONSE_COMPARE: CompareOptions = { placeholderKeys: ['created', 'id'], nullMatchesAbsent: true };
/** The model agentgateway's golden tests sent (Converse answers do not name it). */
const SENT_MODEL = 'input-model';

const target: ProviderTarget = {
  name: 'golden',
  kind: 'bedrock',
  baseUrl: 'https://bedrock-runtime.us-west-2.amazonaws.com',
  region: 'us-west-2',
  model: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
};

describeWithShared('agentgateway golden cases: bedrock', GOLDEN, () => {
  describe(COMPLETIONS_REQUEST, () => {
    const dir = 'requests/completions/';
    it.each(listCases(dir, '.json', '.bedrock.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as ChatCompletionRequest;
      const call = buildOrRefused(REFUSED, name, req, (r) => bedrockChat.buildRequest(r, target));
      expect(call.url).toBe(`https://bedrock-runtime.us-west-2.amazonaws.com/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/${req.stream ? 'converse-stream' : 'converse'}`);
      tally.check(COMPLETIONS_REQUEST, name, diffJson(JSON.parse(call.body), snapshotJson(`${dir}${name}.bedrock.snap`, 'request'), REQUEST_COMPARE));
    });
  });

  describe(MESSAGES_REQUEST, () => {
    const dir = 'requests/messages/';
    it.each(listCases(dir, '.json', '.bedrock.snap'))('%s', (name) => {
      const req = JSON.parse(readGolden(`${dir}${name}.json`)) as MessagesApiRequest;
      const call = bedrockMessages.buildRequest(req, target);
      tally.check(MESSAGES_REQUEST, name, diffJson(JSON.parse(call.body), snapshotJson(`${dir}${name}.bedrock.snap`, 'request'), REQUEST_COMPARE));
    });
  });

  describe(COMPLETIONS_RESPONSE, () => {
    const dir = 'response/bedrock/';
    it.each(listCases(dir, '.json', '.bedrock-completions.snap'))('%s', (name) => {
      const { body } = bedrockChat.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), SENT_MODEL);
      tally.check(COMPLETIONS_RESPONSE, name, diffJson(body, snapshotJson(`${dir}${name}.bedrock-completions.snap`, 'response'), RESPONSE_COMPARE));
    });
  });

  describe(COMPLETIONS_STREAM, () => {
    const dir = 'response/bedrock/';
    it.each(listCases(dir, '.bin', '.bedrock-completions-streaming.snap'))('%s', async (name) => {
      const steps = translateStream(bedrockChat.streamTranslator(SENT_MODEL, true), await readEventStream(`${dir}${name}.bin`));
      expect(steps.at(-1)?.done).toBe(true);
      expect(steps.some((s) => s.failure)).toBe(false);
      expect(steps.at(-1)?.usage).toBeDefined();
      tally.check(COMPLETIONS_STREAM, name, diffChatFrames(framesOf(steps), snapshotSseData(`${dir}${name}.bedrock-completions-streaming.snap`), RESPONSE_COMPARE));
    });
  });

  describe(MESSAGES_RESPONSE, () => {
    const dir = 'response/bedrock/';
    it.each(listCases(dir, '.json', '.bedrock-messages.snap'))('%s', (name) => {
      const { body } = bedrockMessages.translateResponse(JSON.parse(readGolden(`${dir}${name}.json`)), SENT_MODEL);
      tally.check(MESSAGES_RESPONSE, name, diffJson(body, snapshotJson(`${dir}${name}.bedrock-messages.snap`, 'response'), RESPONSE_COMPARE));
    });
  });

  describe(MESSAGES_STREAM, () => {
    const dir = 'response/bedrock/';
    it.each(listCases(dir, '.bin', '.bedrock-messages-streaming.snap'))('%s', async (name) => {
      const steps = translateStream(bedrockMessages.streamTranslator(SENT_MODEL, true), await readEventStream(`${dir}${name}.bin`));
      expect(steps.at(-1)?.done).toBe(true);
      // The message id is made up (Converse has none); agentgateway leaves it empty.
      const anyId = (data: unknown) => {
        const d = data as { type?: string; message?: { id?: string } };
        return d.type === 'message_start' ? { ...d, message: { ...d.message, id: '' } } : data;
      };
      tally.check(MESSAGES_STREAM, name, diffMessagesFrames(framesOf(steps), snapshotEvents(`${dir}${name}.bedrock-messages-streaming.snap`), {}, anyId));
    });
  });

  it('a recorded event stream cut inside a frame is a broken stream, not a short answer', async () => {
    await expect(readEventStream('response/detect/bedrock-broken.bin')).rejects.toThrow(/ended inside a frame/);
  });

  afterAll(() => console.log(tally.report()));
});
