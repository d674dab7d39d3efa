/**
 * agentgateway's golden cases for OpenAI Responses clients: requests translated to chat
 * completions (what every provider served through its chat adapter starts from; agentgateway's
 * Gemini provider speaks chat completions, so its `.gemini` snapshots are that body), to Bedrock's
 * Converse, and passed through to OpenAI; and answers back — chat completions and Converse
 * translated to a response (buffered and streamed), and OpenAI's own passed through.
 * Data: ../shared/conformance/agentgateway-golden (read in place).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bedrockChat } from '../../functions/providers/bedrock/adapter.js';
import { openaiChat } from '../../functions/providers/openai/adapter.js';
import { openaiResponses, ResponsesPassthroughStream } from '../../functions/providers/openai/responses-passthrough.js';
import type { ResponsesRequest } from '../../functions/providers/openai/responses-wire.js';
import { responsesToChatRequest } from '../../functions/providers/conversion/responses-to-completions-request.js';
import { responsesViaChat } from '../../functions/providers/shared/responses-via-chat.js';
import { applyResponsesAiPolicy } from '../../functions/engine/responses-api.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
import type { SseEvent } from '../../functions/providers/types.js';
import { type CompareOptions, diffJson, listCases, readGolden, readSnapshot, snapshotJson } from '../support/conformance.js';
import { describeWithShared, GOLDEN } from '../support/shared.js';
import { framesOf, parseSse, readEventStream, Tally, translateStream, type Deviation } from '../support/golden-check.js';

const TO_COMPLETIONS = 'responses->completions';
const TO_BEDROCK = 'responses->bedrock';
const TO_OPENAI = 'responses->openai (passthrough)';
const FROM_COMPLETIONS = 'completions->responses';
const FROM_COMPLETIONS_STREAM = 'completions->responses (streaming)';
const FROM_BEDROCK = 'bedrock->responses';
const FROM_BEDROCK_STREAM = 'bedrock->responses (streaming)';
const FROM_OPENAI = 'openai->responses (passthrough)';
const FROM_OPENAI_STREAM = 'openai->responses (passthrough, streaming)';
const TRANSLATIONS = [
  TO_COMPLETIONS,
  TO_BEDROCK,
  TO_OPENAI,
  FROM_COMPLETIONS,
  FROM_COMPLETIONS_STREAM,
  FROM_BEDROCK,
  FROM_BEDROCK_STREAM,
  FROM_OPENAI,
  FROM_OPENAI_STREAM,
] as const;
type Translation = (typeof TRANSLATIONS)[number];

const UPSTREAM_MODEL =
  'A translated response names the model the upstream reported (as OpenAI names the dated model that served it, and as ' +
  "modelgate's chat and Messages translations do); agentgateway names the model the request was sent with.";
const MAX_OUTPUT_TOKENS =
  'A response cut by the token limit says `incomplete_details.reason: "max_output_tokens"`, OpenAI\'s value, which clients ' +
  "(the Vercel AI SDK's finish reason `length`) read; agentgateway writes `max_tokens`.";
const REASONING_ITEM =
  'Reasoning the provider returns becomes a `reasoning` output item (its text as the summary), as OpenAI reports reasoning; ' +
  "agentgateway writes Bedrock's reasoning text as a second `output_text`, so a client cannot tell thinking from the answer.";

const DEVIATIONS: ReadonlyArray<Deviation<Translation>> = [
  {
    translation: TO_BEDROCK,
    case: 'input-media',
    differsAt: ['$.refused: unexpected', '$.messages: missing', '$.inferenceConfig: missing'],
    reason:
      "Refused with a 400: the file `notes.md` is sent as application/octet-stream, a type Bedrock's documents do not take " +
      '(the Bedrock chat adapter refuses it, naming the part); agentgateway guesses the format from the file name.',
  },
  {
    translation: TO_BEDROCK,
    case: 'parallel-tool-call',
    differsAt: '$.toolConfig.tools[0].toolSpec.name',
    reason: 'The placeholder tool Converse needs when the history holds tool calls but the request offers none is `placeholder_tool_do_not_call` (as for chat clients).',
  },
  {
    translation: TO_BEDROCK,
    case: 'structured-output',
    differsAt: '$.outputConfig.textFormat.structure.jsonSchema.description: missing',
    reason: "The Bedrock chat adapter does not carry a JSON schema's `description` to Converse (reported to its owner; the Responses translation hands it over).",
  },
  ...['audio', 'basic'].map((c): Deviation<Translation> => ({ translation: FROM_COMPLETIONS, case: c, differsAt: '$.model:', reason: UPSTREAM_MODEL })),
  {
    translation: FROM_COMPLETIONS,
    case: 'gemini_with_completion_tokens',
    differsAt: ['$.model:', '$.incomplete_details.reason:'],
    reason: `${UPSTREAM_MODEL} ${MAX_OUTPUT_TOKENS}`,
  },
  { translation: FROM_COMPLETIONS, case: 'truncated_tool_call', differsAt: ['$.model:', '$.incomplete_details.reason:'], reason: `${UPSTREAM_MODEL} ${MAX_OUTPUT_TOKENS}` },
  {
    translation: FROM_COMPLETIONS,
    case: 'gemini_zero_completion_tokens',
    differsAt: ['$.model:', '$.incomplete_details.reason:', '$.usage.output_tokens: expected 1, got 0'],
    reason: `${UPSTREAM_MODEL} ${MAX_OUTPUT_TOKENS} \`output_tokens\` is the upstream's \`completion_tokens\` (0); agentgateway derives 1 from \`total_tokens - prompt_tokens\`.`,
  },
  {
    translation: FROM_COMPLETIONS_STREAM,
    case: 'stream_tool_empty_content',
    differsAt: '$.items: expected 2 items, got 1',
    reason:
      'Empty text deltas (`content: ""` beside a tool call) open no message item: the response holds the function call alone, as OpenAI streams it; agentgateway opens an empty message too.',
  },
  ...['reasoning', 'reasoning_unsigned'].map(
    (c): Deviation<Translation> => ({ translation: FROM_BEDROCK, case: c, differsAt: '$.output: expected 1 items, got 2', reason: REASONING_ITEM }),
  ),
  { translation: FROM_BEDROCK_STREAM, case: 'reasoning', differsAt: ['$.items: expected 1 items, got 2', '$.text:'], reason: REASONING_ITEM },
  {
    translation: FROM_BEDROCK,
    case: 'tool',
    differsAt: '$.usage: unexpected',
    reason: 'The recorded Converse answer has no `usage`; the Bedrock chat translation reports zeros, which the response carries (agentgateway leaves usage out).',
  },
];

const tally = new Tally<Translation>('responses', TRANSLATIONS, DEVIATIONS);
const RESPONSE_COMPARE: CompareOptions = { nullMatchesAbsent: true, placeholderKeys: ['id', 'created_at'] };
const BEDROCK: ProviderTarget = { name: 'golden', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', region: 'us-east-1' };
const OPENAI: ProviderTarget = { name: 'golden', kind: 'openai', baseUrl: 'https://api.openai.com', apiKey: 'k' };
const SENT_MODEL = 'input-model';

/**
 * A Responses event stream, reduced to what a client reads from it: the output items in order,
 * the text and function calls their deltas spell, the model, the final status and usage. (Event
 * by event, agentgateway's streams differ from OpenAI's: they leave the done events empty, omit
 * `response.in_progress` and `response.output_text.done`, and name every event `event`.)
 */
function streamSummary(events: ReadonlyArray<{ event?: string | undefined; data: string }>): Record<string, unknown> {
  const items: unknown[] = [];
  let text = '';
  const calls: Array<{ name: unknown; call_id?: unknown; arguments: string }> = [];
  let usage: unknown;
  let model: unknown;
  let status: unknown;
  for (const e of events) {
    if (e.data.trim() === '[DONE]') continue;
    const data = JSON.parse(e.data) as Record<string, any>;
    const type = String(data.type);
    if (type === 'response.output_item.added') items.push(data.item?.type);
    if (type === 'response.output_text.delta') text += data.delta;
    if (type === 'response.output_item.added' && data.item?.type === 'function_call') calls.push({ name: data.item.name, arguments: '' });
    if (type === 'response.function_call_arguments.delta') calls.at(-1)!.arguments += data.delta;
    if (type === 'response.created') model = data.response?.model;
    if (type === 'response.completed' || type === 'response.incomplete') {
      usage = data.response?.usage;
      status = data.response?.status;
    }
  }
  return { items, text, calls, usage, model, status };
}

/** The `event:`/`data:` events of a streaming snapshot, without the trailing JSON summary. */
function snapshotStream(relativePath: string): SseEvent[] {
  const body = readSnapshot(relativePath).body;
  const summary = body.search(/^\{/m);
  return parseSse(summary < 0 ? body : body.slice(0, summary));
}

describeWithShared('agentgateway golden cases: responses', GOLDEN, () => {
  const requests = 'requests/responses/';
  const request = (name: string) => JSON.parse(readGolden(`${requests}${name}.json`)) as ResponsesRequest;

  describe(TO_COMPLETIONS, () => {
    it.each(listCases(requests, '.json', '.gemini.snap'))('%s', (name) => {
      tally.check(TO_COMPLETIONS, name, diffJson(responsesToChatRequest(request(name)), snapshotJson(`${requests}${name}.gemini.snap`, 'request')));
    });
  });

  describe(TO_BEDROCK, () => {
    it.each(listCases(requests, '.json', '.bedrock.snap'))('%s', (name) => {
      let body: unknown;
      try {
        body = JSON.parse(responsesViaChat(bedrockChat).buildRequest(request(name), BEDROCK).body);
      } catch (error) {
        body = { refused: (error as Error).message };
      }
      // agentgateway writes absent Converse fields as null (`status`, `description`); Bedrock reads both the same.
      tally.check(TO_BEDROCK, name, diffJson(body, snapshotJson(`${requests}${name}.bedrock.snap`, 'request'), { nullMatchesAbsent: true }));
    });
  });

  describe(TO_OPENAI, () => {
    it.each(listCases(requests, '.json', '.openai.snap'))('%s', (name) => {
      // agentgateway's golden test runs these with a prompt policy around the client's input.
      const prompt = {
        prepend: [
          { role: 'system', content: 'prepend system prompt' },
          { role: 'user', content: 'prepend user message' },
          { role: 'assistant', content: 'prepend assistant message' },
        ],
        append: [
          { role: 'user', content: 'append user message' },
          { role: 'system', content: 'append system prompt' },
          { role: 'assistant', content: 'append assistant prompt' },
        ],
      };
      const call = openaiResponses.buildRequest(applyResponsesAiPolicy(request(name), { prompt }), OPENAI);
      expect(call.url).toBe('https://api.openai.com/v1/responses');
      tally.check(TO_OPENAI, name, diffJson(JSON.parse(call.body), snapshotJson(`${requests}${name}.openai.snap`, 'request')));
    });
  });

  const completions = 'response/completions/';
  const viaOpenaiChat = responsesViaChat(openaiChat);

  describe(FROM_COMPLETIONS, () => {
    it.each(listCases(completions, '.json', '.completions-responses.snap'))('%s', (name) => {
      const { body } = viaOpenaiChat.translateResponse(JSON.parse(readGolden(`${completions}${name}.json`)), SENT_MODEL);
      tally.check(FROM_COMPLETIONS, name, diffJson(body, snapshotJson(`${completions}${name}.completions-responses.snap`, 'response'), RESPONSE_COMPARE));
    });
  });

  describe(FROM_COMPLETIONS_STREAM, () => {
    it.each(listCases(completions, '.json', '.completions-responses-streaming.snap'))('%s', (name) => {
      const steps = translateStream(viaOpenaiChat.streamTranslator(SENT_MODEL, true), parseSse(readGolden(`${completions}${name}.json`)));
      expect(steps.at(-1)?.done).toBe(true);
      const mine = streamSummary(parseSse(framesOf(steps).join('')));
      tally.check(
        FROM_COMPLETIONS_STREAM,
        name,
        diffJson(mine, streamSummary(snapshotStream(`${completions}${name}.completions-responses-streaming.snap`)), { nullMatchesAbsent: true }),
      );
    });
  });

  const bedrock = 'response/bedrock/';
  const viaBedrock = responsesViaChat(bedrockChat);

  describe(FROM_BEDROCK, () => {
    it.each(listCases(bedrock, '.json', '.bedrock-responses.snap'))('%s', (name) => {
      const { body } = viaBedrock.translateResponse(JSON.parse(readGolden(`${bedrock}${name}.json`)), SENT_MODEL);
      tally.check(FROM_BEDROCK, name, diffJson(body, snapshotJson(`${bedrock}${name}.bedrock-responses.snap`, 'response'), RESPONSE_COMPARE));
    });
  });

  describe(FROM_BEDROCK_STREAM, () => {
    it.each(listCases(bedrock, '.bin', '.bedrock-responses-streaming.snap'))('%s', async (name) => {
      const steps = translateStream(viaBedrock.streamTranslator(SENT_MODEL, true), await readEventStream(`${bedrock}${name}.bin`));
      expect(steps.at(-1)?.done).toBe(true);
      const mine = streamSummary(parseSse(framesOf(steps).join('')));
      tally.check(FROM_BEDROCK_STREAM, name, diffJson(mine, streamSummary(snapshotStream(`${bedrock}${name}.bedrock-responses-streaming.snap`)), { nullMatchesAbsent: true }));
    });
  });

  const responses = 'response/responses/';

  describe(FROM_OPENAI, () => {
    it.each(listCases(responses, '.json', '.responses-responses.snap'))('%s', (name) => {
      const { body } = openaiResponses.translateResponse(JSON.parse(readGolden(`${responses}${name}.json`)), SENT_MODEL);
      tally.check(FROM_OPENAI, name, diffJson(body, snapshotJson(`${responses}${name}.responses-responses.snap`, 'response'), RESPONSE_COMPARE));
    });
  });

  describe(FROM_OPENAI_STREAM, () => {
    it.each(listCases(responses, '.json', '.responses-responses-streaming.snap'))('%s', (name) => {
      const steps = translateStream(new ResponsesPassthroughStream(), parseSse(readGolden(`${responses}${name}.json`)));
      expect(steps.some((s) => s.done)).toBe(true);
      const json = (e: SseEvent) => ({ event: e.event, data: e.data.trim() === '[DONE]' ? e.data : (JSON.parse(e.data) as unknown) });
      const mine = parseSse(framesOf(steps).join('')).map(json);
      const want = snapshotStream(`${responses}${name}.responses-responses-streaming.snap`).map(json);
      // Ids are the upstream's own: passed through as they came (agentgateway's snapshot masks them).
      tally.check(FROM_OPENAI_STREAM, name, diffJson(mine, want, { placeholderKeys: ['id', 'call_id'] }));
    });
  });

  afterAll(() => console.log(tally.report()));
});
