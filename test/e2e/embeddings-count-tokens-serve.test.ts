/**
 * Embeddings and token counting through the real entry point: `modelgate serve` spawned as a
 * process, the official `openai` SDK's `embeddings.create` and `@anthropic-ai/sdk`'s
 * `messages.countTokens` as clients, providers on a fake upstream on loopback. One backend holds
 * an Anthropic provider (chat and counting) and two OpenAI-shaped providers of one embedding model.
 */
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/temp.js';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, stop, type Served } from '../support/cli.js';
import { fakeTokenCount, fakeVector, startFakeUpstream, type FakeUpstream } from '../support/fake-embeddings-upstream.js';
import { gatewayYaml } from '../support/harness.js';

const EMB = 'text-embedding-3-small';

describe('embeddings and countTokens through `modelgate serve`', () => {
  let fake: FakeUpstream;
  let served: Served;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    const yaml = gatewayYaml(
      {
        groups: [
          [{ name: 'claude', kind: 'anthropic', model: 'claude-sonnet-4-5' }],
          [{ name: 'openai-emb', kind: 'openai', model: EMB }],
          [{ name: 'azure-emb', kind: 'azureopenai', model: EMB }],
        ],
        backendPolicy: { health: { unhealthyCondition: 'response.code == 429', eviction: { duration: '30s' } } },
      },
      fake.port,
    );
    const dir = tempDir('modelgate-e2e-emb-');
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, yaml);
    served = await serve(['-f', file, '--port', '0']);
    openai = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'not-checked', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: served.url, apiKey: 'not-checked', maxRetries: 0 });
  });
  afterAll(async () => {
    await stop(served);
    await fake?.close();
  });

  it('embeddings: Claude is skipped, a 429 fails over to Azure in the same space, the SDK decodes the vectors', async () => {
    fake.fail(EMB, { status: 429 });
    const { data, response } = await openai.embeddings.create({ model: EMB, input: ['hello', 'world'] }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([fakeVector(EMB, 0).map(Math.fround), fakeVector(EMB, 1).map(Math.fround)]);
    expect(response.headers.get('x-modelgate-attempts')).toBe('claude:unsupported,openai-emb:429,azure-emb:200');
    expect(response.headers.get('x-modelgate-provider')).toBe('azure-emb');
  });

  it('countTokens: answered by Claude; the OpenAI-shaped providers are never asked', async () => {
    const calls = fake.calls.length;
    const messages = [{ role: 'user' as const, content: 'How many tokens is this?' }];
    const { data, response } = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages }).withResponse();
    expect(data).toEqual({ input_tokens: fakeTokenCount(messages) });
    // Skipped providers come first in the trail, in candidate order (the evicted one last).
    expect(response.headers.get('x-modelgate-attempts')).toBe('azure-emb:unsupported,openai-emb:unsupported,claude:200');
    expect(fake.calls.slice(calls).map((c) => c.path)).toEqual(['/v1/messages/count_tokens']);
  });

  it('logs each request with its attempts', async () => {
    // The request line is written as the answer goes out: read until it arrived (bounded).
    for (let i = 0; i < 100 && !served.logs.some((l) => l.includes('POST /v1/messages/count_tokens')); i++) await new Promise((r) => setTimeout(r, 50));
    const text = served.logs.join('\n');
    expect(text).toMatch(/POST \/v1\/embeddings 200 via azure-emb \(text-embedding-3-small\) attempts=claude:unsupported,openai-emb:429,azure-emb:200/);
    expect(text).toMatch(/POST \/v1\/messages\/count_tokens 200 via claude \(claude-sonnet-4-5\) attempts=azure-emb:unsupported,openai-emb:unsupported,claude:200/);
  });
});
