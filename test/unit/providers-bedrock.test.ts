import { describe, expect, it } from 'vitest';
import { AwsEventStreamReader } from '../../functions/providers/bedrock/event-stream-reader.js';
import { bedrockChat, bedrockMessages } from '../../functions/providers/bedrock/adapter.js';
import { bedrockStreamFailure, translateBedrockError } from '../../functions/providers/bedrock/errors.js';
import { bedrockEvent, bedrockStreamException, decodeEventStreamFrame, encodeEventStreamMessage } from '../../functions/providers/bedrock/event-stream.js';
import { PLACEHOLDER_TOOL } from '../../functions/providers/bedrock/request.js';
import { setAwsCredentialProvider, signBedrockCall } from '../../functions/providers/bedrock/sign.js';
import type { ChatCompletionRequest } from '../../functions/providers/openai/wire.js';
import { RequestNotExpressible } from '../../functions/providers/types.js';
import type { ProviderTarget } from '../../functions/core/provider-target.js';
import { parseAuthorization, verifySigV4 } from '../support/sigv4.js';

const target: ProviderTarget = { name: 'b', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', region: 'us-east-1' };
const body = (req: Partial<ChatCompletionRequest>) =>
  JSON.parse(bedrockChat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...req }, target).body) as Record<string, unknown>;

async function* chunks(...parts: Uint8Array[]) {
  for (const p of parts) yield p;
}

describe('bedrock: addressing', () => {
  it('the model id is one escaped path segment: `:` of a version, `/` of an inference profile ARN', () => {
    expect(bedrockChat.buildRequest({ model: 'amazon.nova-pro-v1:0', messages: [{ role: 'user', content: 'hi' }] }, target).url).toBe(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse',
    );
    expect(
      bedrockChat.buildRequest(
        { model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true },
        target,
      ).url,
    ).toBe(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-sonnet-4-5/converse-stream',
    );
  });

  it('no key header: the credential is the signature (added by authorize)', () => {
    expect(bedrockChat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { ...target, apiKey: 'ignored' }).headers).toEqual({
      'content-type': 'application/json',
    });
  });
});

describe('bedrock: SigV4', () => {
  it('signs with the credentials of the provider chain, for the region and the bedrock service; the signature checks out', async () => {
    setAwsCredentialProvider(async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' }));
    try {
      const call = bedrockChat.buildRequest(
        { model: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: 'hi' }] },
        { ...target, baseUrl: 'http://127.0.0.1:4010', region: 'ap-northeast-1' },
      );
      const signed = await signBedrockCall(call, 'ap-northeast-1', new Date('2025-01-02T03:04:05Z'));
      expect(signed.headers['x-amz-date']).toBe('20250102T030405Z');
      expect(signed.headers.host).toBe('127.0.0.1:4010');
      expect(signed.headers['x-amz-security-token']).toBe('session');
      expect(parseAuthorization(signed.headers.authorization)).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', date: '20250102', region: 'ap-northeast-1', service: 'bedrock' });
      const url = new URL(signed.url);
      const recorded = {
        api: 'bedrock' as const,
        model: '',
        stream: false,
        body: {},
        method: 'POST',
        path: url.pathname,
        query: '',
        rawBody: signed.body,
        headers: signed.headers,
      };
      expect(verifySigV4(recorded, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')).toBe(true);
      // Deterministic for the same call, date and credentials.
      expect((await signBedrockCall(call, 'ap-northeast-1', new Date('2025-01-02T03:04:05Z'))).headers.authorization).toBe(signed.headers.authorization);
    } finally {
      setAwsCredentialProvider(undefined);
    }
  });
});

describe('bedrock: request translation', () => {
  it('blank text is dropped, consecutive same-role turns merged, a history with tool calls gets a placeholder toolConfig', () => {
    const b = body({
      messages: [
        { role: 'user', content: '  ' },
        { role: 'user', content: 'a' },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
        { role: 'assistant', content: '', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '[1]' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'r' },
      ],
    });
    expect(b.messages).toEqual([
      { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'f', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'r' }] } }] },
    ]);
    expect(b.toolConfig).toEqual({ tools: [{ toolSpec: { name: PLACEHOLDER_TOOL, inputSchema: { json: { type: 'object' } } } }] });
  });

  it('images must be inline: a URL is refused before any call', () => {
    expect(() => body({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }] }] })).toThrow(RequestNotExpressible);
    expect(body({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpg;base64,QQ==' } }] }] }).messages).toEqual([
      { role: 'user', content: [{ image: { format: 'jpeg', source: { bytes: 'QQ==' } } }] },
    ]);
  });

  it('reasoning_effort -> thinking in additionalModelRequestFields; max tokens default 4096; a guardrail from the config', () => {
    const b = JSON.parse(
      bedrockChat.buildRequest(
        { model: 'm', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'high' },
        { ...target, guardrail: { identifier: 'gr-1', version: '2' } },
      ).body,
    );
    expect(b.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(b.inferenceConfig).toEqual({ maxTokens: 4096 });
    expect(b.guardrailConfig).toEqual({ guardrailIdentifier: 'gr-1', guardrailVersion: '2', trace: 'enabled' });
  });

  it('Messages: server tools refused, is_error kept as status, cache points after cache_control, at most four', () => {
    const req = {
      model: 'm',
      max_tokens: 10,
      system: [1, 2, 3, 4, 5].map((i) => ({ type: 'text', text: `s${i}`, cache_control: { type: 'ephemeral' } })),
      tools: [
        { name: 'web_search', type: 'web_search_20250305' },
        { name: 'f', input_schema: { type: 'object' } },
      ],
      messages: [
        { role: 'user' as const, content: 'q' },
        { role: 'assistant' as const, content: [{ type: 'tool_use', id: 't', name: 'f', input: { a: 1 } }] },
        { role: 'user' as const, content: [{ type: 'tool_result', tool_use_id: 't', content: 'boom', is_error: true }] },
      ],
    };
    expect(() => bedrockMessages.buildRequest(req, target)).toThrow(/server tool "web_search_20250305" \(tools\.0\)/);
    const b = JSON.parse(bedrockMessages.buildRequest({ ...req, tools: req.tools.slice(1) }, target).body);
    expect(b.system.filter((s: object) => 'cachePoint' in s)).toHaveLength(4);
    expect(b.toolConfig.tools).toEqual([{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }]);
    expect(b.messages[2].content[0]).toEqual({ toolResult: { toolUseId: 't', content: [{ text: 'boom' }], status: 'error' } });
  });
});

describe('bedrock: errors', () => {
  const error = (name: string, status: number) =>
    translateBedrockError(status, JSON.stringify({ message: `m ${name}` }), { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
  it.each([
    ['ThrottlingException', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['ServiceUnavailableException', 503, 'server_error', 'service_unavailable'],
    ['ModelNotReadyException', 429, 'server_error', 'model_not_ready'],
    ['ValidationException', 400, 'invalid_request_error', null],
    ['AccessDeniedException', 403, 'permission_error', null],
    ['ResourceNotFoundException', 404, 'not_found_error', 'model_not_found'],
    ['UnrecognizedClientException', 403, 'authentication_error', 'invalid_api_key'],
  ])('%s', (name, status, type, code) => {
    expect(error(name, status)).toEqual({ error: { message: `m ${name}`, type, code } });
  });

  it("the name from the body's __type when the header is missing; an unreadable body", () => {
    expect(translateBedrockError(429, JSON.stringify({ __type: 'com.amazon.coral.availability#ThrottlingException', message: 'slow' })).error.type).toBe('rate_limit_error');
    expect(translateBedrockError(502, 'Bad Gateway').error.message).toMatch(/HTTP 502/);
  });

  it.each([
    ['throttlingException', 429],
    ['serviceUnavailableException', 503],
    ['validationException', 400],
    ['internalServerException', 500],
    ['modelStreamErrorException', 500],
    ['somethingNewException', 500],
  ])('in-stream %s stands for %i', (exception, status) => {
    expect(bedrockStreamFailure(exception, JSON.stringify({ message: 'x' }))).toEqual({ status, type: exception, message: 'x' });
  });
});

describe('bedrock: the AWS event stream', () => {
  it('frames split anywhere across chunks decode; events, exceptions and errors are told apart', async () => {
    const bytes = Buffer.concat([
      bedrockEvent('messageStart', { role: 'assistant' }),
      bedrockStreamException('throttlingException', 'slow down'),
      encodeEventStreamMessage({ ':message-type': 'error', ':error-code': 'InternalFailure', ':error-message': 'oops' }, ''),
    ]);
    const reader = new AwsEventStreamReader(chunks(...Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => new Uint8Array(bytes.subarray(i * 5, i * 5 + 5)))));
    expect(await reader.next()).toEqual({ event: 'messageStart', data: '{"role":"assistant"}' });
    expect(await reader.next()).toEqual({ event: 'throttlingException', data: '{"message":"slow down"}', exception: 'throttlingException' });
    expect(await reader.next()).toEqual({ event: 'InternalFailure', data: '{"message":"oops"}', exception: 'InternalFailure' });
    expect(await reader.next()).toBeNull();
  });

  it('a corrupt frame (bad CRC) and a stream cut inside a frame are errors', async () => {
    const frame = bedrockEvent('messageStart', { role: 'assistant' });
    const corrupt = new Uint8Array(frame);
    corrupt[corrupt.length - 8] = corrupt[corrupt.length - 8]! ^ 1;
    expect(() => decodeEventStreamFrame(corrupt)).toThrow(/undecodable/);
    await expect(new AwsEventStreamReader(chunks(corrupt)).next()).rejects.toThrow(/undecodable/);
    await expect(new AwsEventStreamReader(chunks(frame.subarray(0, 20))).next()).rejects.toThrow(/ended inside a frame/);
  });

  it('an absurd frame length is refused before buffering it', async () => {
    const bogus = new Uint8Array(16);
    new DataView(bogus.buffer).setUint32(0, 0x7fffffff);
    await expect(new AwsEventStreamReader(chunks(bogus)).next()).rejects.toThrow(/frame of/);
  });

  it('the chat stream: done at metadata, or at the close once messageStop was seen; broken otherwise', () => {
    const ev = (event: string, payload: unknown) => ({ event, data: JSON.stringify(payload) });
    const complete = bedrockChat.streamTranslator('m', false);
    complete.push(ev('messageStart', { role: 'assistant' }));
    expect(complete.push(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } })).content).toBe(true);
    expect(complete.finish!()).toBeUndefined();
    expect(complete.push(ev('messageStop', { stopReason: 'max_tokens' })).frames[0]).toContain('"finish_reason":"length"');
    expect(complete.finish!()).toMatchObject({ done: true, frames: ['data: [DONE]\n\n'] });
    const step = bedrockChat.streamTranslator('m', false).push({ event: 'throttlingException', data: '{"message":"slow"}', exception: 'throttlingException' });
    expect(step.failure).toEqual({ status: 429, type: 'throttlingException', message: 'slow' });
  });
});
