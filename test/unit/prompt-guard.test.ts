/**
 * Prompt guards without the network (but for one loopback webhook): the built-in patterns, custom
 * patterns refused at load naming their field, guard services' load-time checks, request text per
 * client API and scope, and streamed answers masked with matches split across deltas (down to one
 * character per chunk) for the three streaming APIs, by regex guards and by a guard service.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PATTERNS, compilePromptGuard, type BuiltinName, type PromptGuardSettings, type RemoteGuard } from '../../functions/model/compile-prompt-guard.js';
import { applyGuards, guardBufferedAnswer, guardRequest as guardRequestWith, type GuardCall } from '../../functions/engine/prompt-guard.js';
import { guardStream, HOLD_CHARS, MAX_HELD_CHARS } from '../../functions/engine/prompt-guard-stream.js';
import { guardStreamRemote, MAX_REMOTE_HELD_CHARS, REMOTE_HOLD_CHARS, REMOTE_WINDOW_CHARS } from '../../functions/engine/prompt-guard-stream-remote.js';
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
const NO_WEBHOOK: GuardCall = { headers: {}, signal: new AbortController().signal, memo: new Map(), onGuardFailure: () => expect.fail('no webhook here') };
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

  it('Model Armor guards are refused as not supported yet, named', () => {
    expect(() => compileYaml(yaml({ request: [{ googleModelArmor: { projectId: 'p', templateId: 't' } }] }))).toThrow(
      /promptGuard\.request\[0\]\.googleModelArmor.*not supported by modelgate yet/s,
    );
  });

  it('OpenAI moderation and Bedrock guardrails compile with their key and where it goes; the key is not in /config_dump', () => {
    const config = compileYaml(
      yaml({
        request: [
          { openAIModeration: { policies: { auth: { key: 'sk-moderation-key-123456' } } } },
          {
            bedrockGuardrails: {
              identifier: 'g1',
              version: 'DRAFT',
              region: 'us-west-2',
              policies: { auth: { key: 'bedrock-key-7890', location: { header: { name: 'X-Api-Key' } } } },
            },
          },
          { bedrockGuardrails: { identifier: 'g2', version: '3', region: 'eu-west-1', policies: { auth: { aws: {} }, http: { requestTimeout: '2s' } } }, scope: ['SystemPrompt'] },
        ],
      }),
    );
    const [moderation, keyed, signed] = config.backends[0]!.providers[0]!.ai.promptGuard!.request;
    expect(moderation).toMatchObject({
      kind: 'moderation',
      model: 'omni-moderation-latest',
      key: { header: { name: 'authorization', prefix: 'Bearer ' }, value: 'sk-moderation-key-123456' },
    });
    expect(keyed).toMatchObject({ kind: 'bedrock', identifier: 'g1', key: { header: { name: 'x-api-key' }, value: 'bedrock-key-7890' }, timeoutMs: 10_000 });
    expect(signed).toMatchObject({ kind: 'bedrock', region: 'eu-west-1', timeoutMs: 2_000, systemPrompt: true, messages: false });
    expect('key' in signed!).toBe(false);
    const dump = JSON.stringify(configDump(config));
    expect(dump).toContain('"kind":"moderation"');
    expect(dump).not.toMatch(/sk-moderation-key|bedrock-key-7890/);
  });

  it('guard service auth: the CRD’s rules, a missing key and a missing Secret are refused by name', () => {
    const bedrock = (auth: unknown) => yaml({ request: [{ bedrockGuardrails: { identifier: 'g', version: 'DRAFT', region: 'us-west-2', policies: { auth } } }] });
    expect(() => compileYaml(bedrock({ aws: {}, secretRef: { name: 's' } }))).toThrow(/exactly one of the fields in \[key secretRef aws\] must be set/);
    expect(() => compileYaml(bedrock({}))).toThrow(/exactly one of the fields in \[key secretRef aws\] must be set/);
    expect(() => compileYaml(bedrock({ aws: {}, location: { header: { name: 'X-Api-Key' } } }))).toThrow(/location may only be set for key or secretRef auth/);
    expect(() => compileYaml(bedrock({ secretRef: { name: 'absent' } }))).toThrow(
      /bedrockGuardrails\.policies\.auth\.secretRef: key "Authorization" of Secret gw\/absent not found/,
    );
    expect(() => compileYaml(yaml({ request: [{ openAIModeration: { policies: { auth: { oauthTokenExchange: {} } } } }] }))).toThrow(
      /openAIModeration\.policies\.auth\.oauthTokenExchange: unknown field "oauthTokenExchange"/,
    );
    expect(() => compileYaml(yaml({ request: [{ openAIModeration: { model: 'omni-moderation-latest' } }] }))).toThrow(
      /promptGuard\.request\[0\]\.openAIModeration\.policies\.auth: OpenAI's moderation endpoint needs a key/,
    );
    expect(() => compileYaml(yaml({ response: [{ openAIModeration: { policies: { auth: { key: 'k' } } } }] }))).toThrow(/openAIModeration/);
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
    // Webhook response guards apply to streamed answers too (prompt-guard-stream-remote.ts).
    expect(compileYaml(yaml({ response: [{ webhook: { backendRef: { name: 'g', port: 1 } } }], streaming: 'Enabled' })).backends[0]!.providers[0]!.ai.promptGuard!.streaming).toBe(
      true,
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

describe('streamed answers with a guard service (a loopback webhook): held in windows, a split match never leaks', () => {
  /** A webhook on 127.0.0.1 masking SSNs (or rejecting `forbidden`) in each choice; records the texts it was sent. */
  async function maskingWebhook(): Promise<{ guards: RemoteGuard[]; seen: string[]; close(): Promise<void> }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const choices = (JSON.parse(raw) as { body: { choices: Array<{ message: { role: string; content: string } }> } }).body.choices;
        seen.push(choices[0]!.message.content);
        const answer = choices.some((c) => c.message.content.includes('forbidden'))
          ? { action: { body: 'answer withheld by the webhook', status_code: 451 } }
          : { action: { body: { choices: choices.map((c) => ({ message: { ...c.message, content: c.message.content.replace(/\d{3}-\d{2}-\d{4}/g, '<SSN>') } })) } } };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const guards = settings({ response: [{ webhook: { backendRef: { name: '127.0.0.1', port } } }], streaming: 'Enabled' }).response as RemoteGuard[];
    return { guards, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  const call = (): GuardCall => ({ headers: {}, signal: new AbortController().signal, memo: new Map(), onGuardFailure: () => expect.fail('the webhook answers') });
  // SSNs everywhere, one right where the first window's held tail starts, so windows cut through some of them.
  const filler = (n: number) => 'lorem ipsum dolor sit amet '.repeat(n);
  const LONG = `${filler(37)}id 123-45-6789 ${filler(20)}and 987-65-4321.${filler(60)}end 555-12-3456`;
  const LONG_MASKED = LONG.replace(/\d{3}-\d{2}-\d{4}/g, '<SSN>');

  for (const size of [1, 13, 1_000_000]) {
    it(`chat, one character per delta, source chunks of ${size}: masked, in windows, bounded`, async () => {
      const hook = await maskingWebhook();
      try {
        const out = await collect(guardStreamRemote(chatApi, chunked(chatStream(oneCharDeltas(LONG)), size), hook.guards, call()));
        const text = dataOf(out)
          .map((d) => d.choices[0].delta.content ?? '')
          .join('');
        expect(text).toBe(LONG_MASKED);
        expect(out).not.toMatch(/6789|4321|3456/);
        expect(out).toContain('data: [DONE]');
        // Windows, not a call per delta, and none larger than the bound.
        expect(hook.seen.length).toBeGreaterThan(1);
        expect(hook.seen.length).toBeLessThan(LONG.length / REMOTE_HOLD_CHARS);
        for (const t of hook.seen) expect(t.length).toBeLessThanOrEqual(MAX_REMOTE_HELD_CHARS + 1);
      } finally {
        await hook.close();
      }
    });
  }

  it('text starts going out before the answer ends: at most a window held, one hold more when the tail was masked', async () => {
    const hook = await maskingWebhook();
    try {
      const events = chatStream(oneCharDeltas(LONG)).split(/(?<=\n\n)/);
      let seen = '';
      let fed = 0;
      async function* source() {
        for (const e of events) {
          fed += (e.match(/"content":"/g) ?? []).length;
          yield e;
        }
      }
      for await (const piece of guardStreamRemote(chatApi, source(), hook.guards, call())) {
        seen += dataOf(piece)
          .map((d) => d.choices[0]?.delta.content ?? '')
          .join('');
        if (seen.length > 0) break;
      }
      expect(seen.length).toBeGreaterThan(0);
      // The first window (1,024) had an SSN in its held tail, masked: it waited REMOTE_HOLD_CHARS more, then let text go.
      expect(fed).toBeGreaterThan(REMOTE_WINDOW_CHARS);
      expect(fed).toBeLessThanOrEqual(REMOTE_WINDOW_CHARS + REMOTE_HOLD_CHARS + 1);
    } finally {
      await hook.close();
    }
  });

  it('messages and responses: deltas masked; Responses’ whole texts too', async () => {
    const hook = await maskingWebhook();
    try {
      const m = dataOf(await collect(guardStreamRemote(messagesApi, chunked(messagesStream(oneCharDeltas(LONG)), 7), hook.guards, call())));
      expect(
        m
          .filter((e) => e.type === 'content_block_delta')
          .map((e) => e.delta.text)
          .join(''),
      ).toBe(LONG_MASKED);
      const r = dataOf(await collect(guardStreamRemote(responsesApi, chunked(responsesStream(oneCharDeltas(SECRET_ANSWER), SECRET_ANSWER), 3), hook.guards, call())));
      const masked = SECRET_ANSWER.replace('123-45-6789', '<SSN>');
      expect(
        r
          .filter((e) => e.type === 'response.output_text.delta')
          .map((e) => e.delta)
          .join(''),
      ).toBe(masked);
      expect(r.find((e) => e.type === 'response.completed')!.response.output[0].content[0].text).toBe(masked);
    } finally {
      await hook.close();
    }
  });

  it('a webhook that rejects mid-stream ends it with the API’s error event; held text never goes out', async () => {
    const hook = await maskingWebhook();
    try {
      const answer = `${filler(60)}now the forbidden part ${filler(3)}`;
      const out = await collect(guardStreamRemote(messagesApi, chunked(messagesStream(oneCharDeltas(answer)), 5), hook.guards, call()));
      expect(out).toContain('event: error');
      expect(out).toContain('answer withheld by the webhook');
      expect(out).not.toContain('forbidden');
      expect(out).not.toContain('message_stop');
      // What was let go before the window with the match did go out.
      expect(out).toContain('lorem');
    } finally {
      await hook.close();
    }
  });
});
