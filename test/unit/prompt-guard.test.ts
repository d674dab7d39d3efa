/**
 * Prompt guards without the network: the built-in patterns, custom patterns refused at load naming
 * their field, request text per client API and scope, and streamed answers masked with matches
 * split across deltas (down to one character per chunk) for the three streaming APIs.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PATTERNS, compilePromptGuard, type BuiltinName, type PromptGuardSettings } from '../../functions/model/compile-prompt-guard.js';
import { applyGuards, guardBufferedAnswer, guardRequest as guardRequestWith, type GuardCall } from '../../functions/engine/prompt-guard.js';
import { guardStream, HOLD_CHARS, MAX_HELD_CHARS } from '../../functions/engine/prompt-guard-stream.js';
import { chatApi, messagesApi } from '../../functions/engine/client-api.js';
import { configDump } from '../../functions/engine/config-dump.js';
import { responsesApi } from '../../functions/engine/responses-api.js';
import { gatewayYaml, compileYaml } from '../support/harness.js';

function settings(spec: Parameters<typeof compilePromptGuard>[0]): PromptGuardSettings {
  const problems: string[] = [];
  const out = compilePromptGuard(spec, 'test', problems);
  expect(problems).toEqual([]);
  return out!;
}
/** No webhook guards here: a call that needs one fails the test. */
const NO_WEBHOOK: GuardCall = { headers: {}, signal: new AbortController().signal, onWebhookFailure: () => expect.fail('no webhook here') };
const guardRequest = <Req>(api: Parameters<typeof guardRequestWith>[0], req: Req, s: PromptGuardSettings) => guardRequestWith(api, req, s, NO_WEBHOOK);
const guardAnswerBody = (api: Parameters<typeof guardBufferedAnswer>[0], body: string, s: PromptGuardSettings) => guardBufferedAnswer(api, body, s, NO_WEBHOOK);
const maskBuiltin = (name: BuiltinName, text: string) => applyGuards(settings({ request: [{ regex: { builtins: [name] } }] }).request, text).text;

describe('built-in patterns', () => {
  const cases: Array<[BuiltinName, string[], string[]]> = [
    ['Ssn', ['123-45-6789', '123 45 6789', '078.05.1120'], ['000-12-3456', '123-00-4567', '666-12-3456', '1234-56-7890']],
    ['CreditCard', ['4111 1111 1111 1111', '4111-1111-1111-1111', '5500000000000004', '3782 822463 10005'], ['4111 1111', '12345']],
    ['PhoneNumber', ['(555) 123-4567', '555-123-4567', '+1 555 123 4567', '555.123.4567'], ['123-4567', '12']],
    ['Email', ['jane.doe@example.com', 'a+tag@mail.co.uk'], ['jane@', '@example.com', 'not an email']],
    ['CaSin', ['046 454 286', '046-454-286', '046454286'], ['046 454', '0464542861']],
  ];
  for (const [name, hits, misses] of cases) {
    it(`${name}: matches are masked with ${BUILTIN_PATTERNS[name].placeholder}, others left alone`, () => {
      for (const hit of hits) expect(maskBuiltin(name, `before ${hit} after`), hit).toBe(`before ${BUILTIN_PATTERNS[name].placeholder} after`);
      for (const miss of misses) expect(maskBuiltin(name, `before ${miss} after`), miss).toBe(`before ${miss} after`);
    });
  }
});

describe('load-time checks', () => {
  it('a custom pattern RE2 refuses is a problem naming its field', () => {
    const problems: string[] = [];
    compilePromptGuard({ request: [{ regex: { matches: ['ok', '(a)\\1'] } }], response: [{ regex: { matches: ['(?=x)y'] } }] }, 'P: spec.backend.ai.promptGuard', problems);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^P: spec\.backend\.ai\.promptGuard\.request\[0\]\.regex\.matches\[1\]: invalid RE2 pattern/);
    expect(problems[1]).toMatch(/^P: spec\.backend\.ai\.promptGuard\.response\[0\]\.regex\.matches\[0\]: invalid RE2 pattern/);
  });

  it('a pattern whose RE2 program is too large, and tool scopes, are refused by name', () => {
    const problems: string[] = [];
    compilePromptGuard({ request: [{ regex: { matches: ['[ab]{999}[cd]{999}'] } }, { regex: { builtins: ['Ssn'] }, scope: ['Messages', 'ToolInput'] }] }, 'P', problems);
    expect(problems[0]).toMatch(/^P\.request\[0\]\.regex\.matches\[0\]: pattern compiles to \d+ RE2 instructions/);
    expect(problems[1]).toMatch(/^P\.request\[1\]\.scope: ToolInput is not supported by modelgate yet/);
  });

  const yaml = (promptGuard: unknown) => gatewayYaml({ groups: [[{ name: 'a', kind: 'openai' }]], backendPolicy: { ai: { promptGuard } } }, 1);

  it('a config with a bad pattern does not load, and says which object and field', () => {
    expect(() => compileYaml(yaml({ request: [{ regex: { matches: ['(?<=a)b'] } }] }))).toThrow(
      /spec\.backend\.ai\.promptGuard\.request\[0\]\.regex\.matches\[0\]: invalid RE2 pattern/,
    );
  });

  it('OpenAI moderation, Bedrock guardrails and Model Armor guards are refused as not supported yet, named', () => {
    for (const [kind, guard] of [
      ['openAIModeration', { model: 'omni-moderation-latest' }],
      ['bedrockGuardrails', { identifier: 'g', version: 'DRAFT', region: 'us-west-2' }],
      ['googleModelArmor', { projectId: 'p', templateId: 't' }],
    ] as const) {
      expect(() => compileYaml(yaml({ request: [{ [kind]: guard }] })), kind).toThrow(new RegExp(`promptGuard\\.request\\[0\\]\\.${kind}.*not supported by modelgate yet`, 's'));
    }
  });

  it('a webhook Service resolves in the cluster; a dotted name is the host itself; unsupported parts are named', () => {
    const config = compileYaml(
      yaml({ request: [{ webhook: { backendRef: { name: 'guard', port: 8000 }, failureMode: 'FailOpen' } }, { webhook: { backendRef: { name: '10.0.0.7', port: 9 } } }] }),
    );
    const [inCluster, byHost] = config.backends[0]!.providers[0]!.ai.promptGuard!.request;
    expect(inCluster).toMatchObject({ kind: 'webhook', url: 'http://guard.gw.svc.cluster.local:8000', failOpen: true });
    expect(byHost).toMatchObject({ kind: 'webhook', url: 'http://10.0.0.7:9', failOpen: false });
    expect(() => compileYaml(yaml({ request: [{ webhook: { backendRef: { name: 'guard' } } }] }))).toThrow(/Must have port for Service reference/);
    expect(() => compileYaml(yaml({ request: [{ webhook: { backendRef: { name: 'b', kind: 'AgentgatewayBackend', group: 'agentgateway.dev' } } }] }))).toThrow(
      /promptGuard\.request\[0\]\.webhook\.backendRef: AgentgatewayBackend references are not supported by modelgate yet/,
    );
    expect(() => compileYaml(yaml({ request: [{ webhook: { backendRef: { name: 'g', port: 1 }, headers: { 'x-user': 'request.headers["x"]' } } }] }))).toThrow(
      /webhook\.headers: CEL-computed webhook headers are not supported by modelgate yet/,
    );
    expect(() => compileYaml(yaml({ response: [{ webhook: { backendRef: { name: 'g', port: 1 } } }], streaming: 'Enabled' }))).toThrow(
      /promptGuard\.streaming: webhook response guards on streamed answers are not supported by modelgate yet/,
    );
  });

  it('/config_dump shows each pattern by its source, not its RE2 program', () => {
    const config = compileYaml(yaml({ request: [{ regex: { builtins: ['Ssn'], matches: ['x+'] } }] }));
    const ai = (configDump(config).backends[0] as any).groups[0].providers[0].ai;
    expect(ai.promptGuard.request[0].patterns).toEqual([
      { placeholder: '<SSN>', source: 'Ssn' },
      { placeholder: '<masked>', source: 'x+' },
    ]);
  });

  it('a valid regex guard compiles into the provider’s AI settings', () => {
    const config = compileYaml(yaml({ request: [{ regex: { action: 'Reject', builtins: ['Ssn'] }, response: { message: 'no', statusCode: 451 } }], streaming: 'Enabled' }));
    const guard = config.backends[0]!.providers[0]!.ai.promptGuard!;
    expect(guard.streaming).toBe(true);
    expect(guard.request[0]).toMatchObject({ action: 'Reject', reject: { status: 451, message: 'no' }, systemPrompt: true, messages: true });
  });
});

describe('request guards per client API', () => {
  const ssnMask = settings({ request: [{ regex: { builtins: ['Ssn'] } }] });

  it('chat: system and user texts, string and part content, masked in a copy; tool results untouched', async () => {
    const req = {
      model: 'm',
      messages: [
        { role: 'system', content: 'id 123-45-6789' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'mine is 123-45-6789' },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
        { role: 'tool', content: '123-45-6789', tool_call_id: 't' },
      ],
    };
    const out = await guardRequest('chat', req, ssnMask);
    expect('request' in out && out.request).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'id <SSN>' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'mine is <SSN>' },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
        { role: 'tool', content: '123-45-6789', tool_call_id: 't' },
      ],
    });
    expect(req.messages[0]!.content).toBe('id 123-45-6789');
  });

  it('scope: a guard on SystemPrompt only does not read user messages', async () => {
    const reject = settings({ request: [{ regex: { action: 'Reject', matches: ['forbidden'] }, scope: ['SystemPrompt'] }] });
    expect('request' in (await guardRequest('chat', { messages: [{ role: 'user', content: 'forbidden' }] }, reject))).toBe(true);
    expect(await guardRequest('chat', { messages: [{ role: 'system', content: 'forbidden' }] }, reject)).toEqual({
      rejected: { status: 403, message: 'The request was rejected due to inappropriate content' },
    });
  });

  it('messages: system string and blocks; responses: instructions and input items', async () => {
    const m = await guardRequest('messages', { system: [{ type: 'text', text: 'a 123-45-6789' }], messages: [{ role: 'user', content: '123-45-6789' }] }, ssnMask);
    expect('request' in m && m.request).toEqual({ system: [{ type: 'text', text: 'a <SSN>' }], messages: [{ role: 'user', content: '<SSN>' }] });
    const r = await guardRequest('responses', { instructions: '123-45-6789', input: [{ role: 'user', content: [{ type: 'input_text', text: 'x 123-45-6789' }] }] }, ssnMask);
    expect('request' in r && r.request).toEqual({ instructions: '<SSN>', input: [{ role: 'user', content: [{ type: 'input_text', text: 'x <SSN>' }] }] });
    const s = await guardRequest('responses', { input: 'call 123-45-6789' }, ssnMask);
    expect('request' in s && s.request).toEqual({ input: 'call <SSN>' });
  });

  it('a request with nothing to mask is passed as the same object', async () => {
    const req = { messages: [{ role: 'user', content: 'hello' }] };
    expect(await guardRequest('chat', req, ssnMask)).toEqual({ request: req });
    expect(((await guardRequest('chat', req, ssnMask)) as { request: unknown }).request).toBe(req);
  });
});

describe('buffered answers', () => {
  const mask = settings({ response: [{ regex: { builtins: ['Email'] } }] });
  it('chat, messages and responses bodies are masked where their text is', async () => {
    const chat = await guardAnswerBody('chat', JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'mail a@b.com' } }] }), mask);
    expect(JSON.parse((chat as { body: string }).body).choices[0].message.content).toBe('mail <EMAIL_ADDRESS>');
    const msg = await guardAnswerBody('messages', JSON.stringify({ content: [{ type: 'text', text: 'a@b.com' }] }), mask);
    expect(JSON.parse((msg as { body: string }).body).content[0].text).toBe('<EMAIL_ADDRESS>');
    const resp = await guardAnswerBody('responses', JSON.stringify({ output: [{ type: 'message', content: [{ type: 'output_text', text: 'x a@b.com' }] }] }), mask);
    expect(JSON.parse((resp as { body: string }).body).output[0].content[0].text).toBe('x <EMAIL_ADDRESS>');
  });
});

/** The source stream as chunks of `size` characters: events split anywhere, deltas one character each. */
async function* chunked(text: string, size: number): AsyncIterable<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
async function collect(source: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of source) out += c;
  return out;
}
const dataOf = (sse: string) =>
  sse
    .split('\n\n')
    .filter((e) => e.includes('data: {'))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Record<string, any>);

const SECRET_ANSWER = 'Your SSN 123-45-6789 and mail jane.doe@example.com are on file.';
const EXPECTED = 'Your SSN <SSN> and mail <EMAIL_ADDRESS> are on file.';
const streamMask = settings({ response: [{ regex: { builtins: ['Ssn', 'Email'] } }], streaming: 'Enabled' });

function chatStream(deltas: string[]): string {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return [chunk({ role: 'assistant', content: '' }, null), ...deltas.map((d) => chunk({ content: d }, null)), chunk({}, 'stop'), 'data: [DONE]\n\n'].join('');
}
function messagesStream(deltas: string[]): string {
  const ev = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  return [
    ev('message_start', { message: { id: 'm' } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...deltas.map((d) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: d } })),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'end_turn' } }),
    ev('message_stop', {}),
  ].join('');
}
function responsesStream(deltas: string[], full: string): string {
  const ev = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  return [
    ...deltas.map((d) => ev('response.output_text.delta', { output_index: 0, content_index: 0, item_id: 'i', delta: d })),
    ev('response.output_text.done', { output_index: 0, content_index: 0, item_id: 'i', text: full }),
    ev('response.completed', { response: { output: [{ type: 'message', content: [{ type: 'output_text', text: full }] }] } }),
  ].join('');
}
const oneCharDeltas = (text: string) => [...text];

describe('streamed answers: a match split across deltas never leaks', () => {
  for (const size of [1, 7, 1_000_000]) {
    it(`chat, one character per delta, source chunks of ${size} chars`, async () => {
      const out = await collect(guardStream(chatApi, chunked(chatStream(oneCharDeltas(SECRET_ANSWER)), size), streamMask));
      const text = dataOf(out)
        .map((d) => d.choices[0].delta.content ?? '')
        .join('');
      expect(text).toBe(EXPECTED);
      expect(out).toContain('data: [DONE]');
      expect(out).not.toMatch(/6789|jane/);
    });
  }

  it('chat with two choices in one chunk: each held and flushed on its own, no text repeated', async () => {
    const chunk = (choices: unknown[]) => `data: ${JSON.stringify({ id: 'c', choices })}\n\n`;
    const source =
      chunk([
        { index: 0, delta: { content: 'one 123-45-' }, finish_reason: null },
        { index: 1, delta: { content: 'two a@b.' }, finish_reason: null },
      ]) +
      chunk([
        { index: 0, delta: { content: '6789' }, finish_reason: null },
        { index: 1, delta: { content: 'com' }, finish_reason: null },
      ]) +
      chunk([{ index: 1, delta: {}, finish_reason: 'stop' }]) +
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
      'data: [DONE]\n\n';
    const out = dataOf(await collect(guardStream(chatApi, chunked(source, 9), streamMask)));
    const textOf = (index: number) =>
      out
        .flatMap((d) => d.choices)
        .filter((c) => c.index === index)
        .map((c) => c.delta.content ?? '')
        .join('');
    expect(textOf(0)).toBe('one <SSN>');
    expect(textOf(1)).toBe('two <EMAIL_ADDRESS>');
  });

  it('messages: the held text goes out in one more delta before content_block_stop', async () => {
    const out = await collect(guardStream(messagesApi, chunked(messagesStream(oneCharDeltas(SECRET_ANSWER)), 5), streamMask));
    const events = dataOf(out);
    expect(
      events
        .filter((e) => e.type === 'content_block_delta')
        .map((e) => e.delta.text)
        .join(''),
    ).toBe(EXPECTED);
    const stop = events.findIndex((e) => e.type === 'content_block_stop');
    expect(events.slice(stop).some((e) => e.type === 'content_block_delta')).toBe(false);
    expect(out).not.toMatch(/6789|jane/);
  });

  it('responses: deltas, and the whole text in .done and response.completed, masked', async () => {
    const out = await collect(guardStream(responsesApi, chunked(responsesStream(oneCharDeltas(SECRET_ANSWER), SECRET_ANSWER), 3), streamMask));
    const events = dataOf(out);
    expect(
      events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
    ).toBe(EXPECTED);
    expect(events.find((e) => e.type === 'response.output_text.done')!.text).toBe(EXPECTED);
    expect(events.find((e) => e.type === 'response.completed')!.response.output[0].content[0].text).toBe(EXPECTED);
    expect(out).not.toMatch(/6789|jane/);
  });

  it('text is held back at most HOLD_CHARS: a long answer starts going out before it ends', async () => {
    const long = `${'word '.repeat(200)}123-45-6789`;
    const source = chatStream(oneCharDeltas(long));
    const events = source.split(/(?<=\n\n)/);
    let seen = '';
    let before = '';
    const iter = guardStream(
      chatApi,
      (async function* () {
        for (const e of events) {
          if (e.includes('"finish_reason":"stop"')) before = seen;
          yield e;
        }
      })(),
      streamMask,
    )[Symbol.asyncIterator]();
    for (let r = await iter.next(); !r.done; r = await iter.next())
      seen += dataOf(r.value)
        .map((d) => d.choices?.[0]?.delta?.content ?? '')
        .join('');
    expect(before.length).toBeGreaterThanOrEqual(long.length - HOLD_CHARS - 1);
    expect(seen).toBe(`${'word '.repeat(200)}<SSN>`);
  });

  it('an unbounded custom match is held whole until it ends, up to MAX_HELD_CHARS', async () => {
    const guard = settings({ response: [{ regex: { matches: ['secret[a-z]*'] } }], streaming: 'Enabled' });
    const text = `a secret${'x'.repeat(1000)} b`;
    const out = await collect(guardStream(chatApi, chunked(chatStream(oneCharDeltas(text)), 50), guard));
    expect(
      dataOf(out)
        .map((d) => d.choices[0].delta.content ?? '')
        .join(''),
    ).toBe('a <masked> b');
    expect(MAX_HELD_CHARS).toBeGreaterThan(1000);
  });

  it('past MAX_HELD_CHARS a match still going on is let go (the bound on what a stream holds): text flows before the end', async () => {
    const guard = settings({ response: [{ regex: { matches: ['secret[a-z]*'] } }], streaming: 'Enabled' });
    const text = `a secret${'x'.repeat(MAX_HELD_CHARS * 2)} b`;
    const out = dataOf(await collect(guardStream(chatApi, chunked(chatStream(oneCharDeltas(text)), 4096), guard)));
    const finish = out.findIndex((d) => d.choices[0].finish_reason === 'stop');
    const before = out
      .slice(0, finish)
      .map((d) => d.choices[0].delta.content ?? '')
      .join('');
    expect(before.startsWith('a <masked>')).toBe(true);
    expect(before.length).toBeGreaterThan(MAX_HELD_CHARS);
  });

  it('a Reject guard ends the stream with the API’s error event and its configured message', async () => {
    const reject = settings({ response: [{ regex: { action: 'Reject', builtins: ['Ssn'] }, response: { message: 'no SSNs here', statusCode: 422 } }], streaming: 'Enabled' });
    const out = await collect(guardStream(messagesApi, chunked(messagesStream(oneCharDeltas(SECRET_ANSWER)), 4), reject));
    expect(out).toContain('event: error');
    expect(out).toContain('no SSNs here');
    expect(out).not.toContain('message_stop');
    expect(out).not.toMatch(/6789/);
  });
});
