/**
 * Azure OpenAI and custom (OpenAI- or Anthropic-compatible) hosts through the engine, against the
 * simulator: Azure's v1 and dated-version addresses and its `api-key` header; custom hosts by the
 * formats they declare (a Completions host gets chat completions, a Messages-only host gets the
 * Anthropic Messages translation), format paths, and errors in the verdict.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { answerText } from '../../functions/simulator/answer.js';
import {
  compileYaml,
  faultsByModel,
  gatewayYaml,
  HELLO,
  HELLO_MESSAGES,
  messagesEvents,
  servedBy,
  startGateway,
  streamedText,
  type Gateway,
  type GatewayOptions,
} from '../support/harness.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});
async function start(options: GatewayOptions): Promise<Gateway> {
  gw = await startGateway(options);
  return gw;
}
const answer = (model: string) => answerText(model, 'Hello there');

describe('azureopenai', () => {
  it('v1 API (the default): /openai/v1/chat/completions, the deployment as the model, the key in api-key', async () => {
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'azureopenai', model: 'gpt-4o-prod' }]] } });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/openai/v1/chat/completions');
    expect(call.query).toBe('');
    expect(call.body.model).toBe('gpt-4o-prod');
    expect(call.headers['api-key']).toBe('sk-test-a-0123456789');
    expect(call.headers.authorization).toBeUndefined();
    expect(servedBy(res.headers)).toEqual({ provider: 'a', model: 'gpt-4o-prod', attempts: 'a:200' });
  });

  it('a dated apiVersion: /openai/deployments/{deploymentName}/chat/completions?api-version=...', async () => {
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'azureopenai', model: 'my-deployment', options: { apiVersion: '2024-10-21' } }]] } });
    const text = streamedText(await (await g.chat({ ...HELLO, stream: true })).text());
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/openai/deployments/my-deployment/chat/completions');
    expect(call.query).toBe('api-version=2024-10-21');
    expect(call.model).toBe('my-deployment');
    expect(text).toBe(answer('my-deployment'));
  });

  it("v1 without a deploymentName takes the client's model; the endpoint's scheme is stripped", async () => {
    const yaml = gatewayYaml({ groups: [[{ name: 'a', kind: 'azureopenai', model: null, options: { endpoint: 'https://my-resource.openai.azure.com/' } }]] }, 1).replace(
      /\n\s+host: 127\.0\.0\.1\n\s+port: 1\n/,
      '\n',
    );
    const target = compileYaml(yaml).backends[0]!.providers[0]!.target;
    expect(target).toMatchObject({ baseUrl: 'https://my-resource.openai.azure.com', azure: { apiVersion: 'v1' } });
    expect(target.model).toBeUndefined();
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'azureopenai', model: null }]] } });
    await g.chat({ ...HELLO, model: 'gpt-4.1-mini' });
    expect(g.sim.calls[0]!.body.model).toBe('gpt-4.1-mini');
  });

  it('Azure errors keep their status; 429 fails over, 400 goes back', async () => {
    const g = await start({
      config: { groups: [[{ name: 'a', kind: 'azureopenai', model: 'dep-a' }], [{ name: 'b', kind: 'azureopenai', model: 'dep-b' }]] },
      faults: faultsByModel({
        'dep-a': [
          { kind: 'status', status: 429 },
          { kind: 'status', status: 400, message: 'content filtered' },
        ],
      }),
    });
    expect(servedBy((await g.chat(HELLO)).headers).attempts).toBe('a:429,b:200');
    const res = await g.chat(HELLO);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('content filtered');
  });

  it('an Anthropic client through Azure OpenAI', async () => {
    const g = await start({ config: { groups: [[{ name: 'a', kind: 'azureopenai', model: 'gpt-4o-prod' }]] } });
    const message = await g.anthropic.messages.create({ model: 'x', max_tokens: 20, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: answer('gpt-4o-prod') }]);
    expect(g.sim.calls[0]!.body).toMatchObject({ model: 'gpt-4o-prod', max_completion_tokens: 20, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }] });
  });
});

describe('custom', () => {
  it('a Completions host (vLLM, Ollama): chat completions at /v1/chat/completions with a bearer key', async () => {
    const g = await start({ config: { groups: [[{ name: 'vllm', kind: 'custom', model: 'meta-llama/Llama-3.1-8B-Instruct' }]] } });
    const res = await g.chat(HELLO);
    expect(res.status).toBe(200);
    const call = g.sim.calls[0]!;
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.headers.authorization).toBe('Bearer sk-test-vllm-0123456789');
    expect(call.body.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });

  it('a format path replaces the default path (Ollama under /api, a proxy elsewhere)', async () => {
    const g = await start({
      config: { groups: [[{ name: 'ollama', kind: 'custom', model: 'llama3', key: null, options: { formats: [{ type: 'Completions', path: '/ollama/v1/chat/completions' }] } }]] },
    });
    await (await g.chat(HELLO)).text();
    expect(g.sim.calls[0]!.path).toBe('/ollama/v1/chat/completions');
    expect(g.sim.calls[0]!.headers.authorization).toBeUndefined();
  });

  it('a Messages-only host: chat clients are translated to Anthropic Messages; Messages clients pass through', async () => {
    const g = await start({ config: { groups: [[{ name: 'm', kind: 'custom', model: 'qwen3', options: { formats: [{ type: 'Messages' }] } }]] } });
    const chat = await g.chat(HELLO);
    expect(((await chat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe(answer('qwen3'));
    const messages = await g.messages({ ...HELLO_MESSAGES, stream: true });
    const events = messagesEvents(await messages.text());
    expect(events.at(-1)![0]).toBe('message_stop');
    for (const call of g.sim.calls) {
      expect(call.api).toBe('anthropic');
      expect(call.path).toBe('/v1/messages');
      expect(call.headers['x-api-key']).toBe('sk-test-m-0123456789');
      expect(call.headers['anthropic-version']).toBe('2023-06-01');
    }
  });

  it('a host that speaks both: each client in its own API', async () => {
    const g = await start({
      config: { groups: [[{ name: 'both', kind: 'custom', model: 'm', options: { formats: [{ type: 'Completions' }, { type: 'Messages', path: '/anthropic/v1/messages' }] } }]] },
    });
    await (await g.chat(HELLO)).text();
    await (await g.messages(HELLO_MESSAGES)).text();
    expect(g.sim.calls.map((c) => `${c.api} ${c.path}`)).toEqual(['openai /v1/chat/completions', 'anthropic /anthropic/v1/messages']);
  });

  it('backendRef is refused with a clear message: a Kubernetes Service only agentgateway can reach', () => {
    const yaml = gatewayYaml({ groups: [[{ name: 'k', kind: 'custom', options: { backendRef: { name: 'llm-service', port: 8080 } } }]] }, 1).replace(
      /\n\s+host: 127\.0\.0\.1\n\s+port: 1\n/,
      '\n',
    );
    expect(() => compileYaml(yaml)).toThrow(
      /backendRef: is not supported by modelgate yet: a backendRef names a Kubernetes Service, which only agentgateway inside the cluster can reach; give the provider host and port instead/,
    );
  });
});
