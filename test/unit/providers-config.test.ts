/**
 * The provider kinds added for issue 7 in the config: agentgateway's field shapes and CRD rules
 * (with the CRD's messages), and what each compiles to — where it is called, with which region,
 * project, deployment or formats, and which credential.
 */
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../functions/model/compile.js';
import { backend, load, parse, problemsOf, providerOf, secret, type Obj } from '../support/manifests.js';

const one = (fields: Obj, policies?: Obj) => backend('b', [[{ name: 'p', ...fields, ...(policies && { policies }) }]]);
const targetOf = (fields: Obj, policies?: Obj, extra: Obj[] = []) => providerOf(load([one(fields, policies), ...extra]), 'default/b/p').target;
const warningsOf = (fields: Obj, policies?: Obj) => compileConfig(parse([one(fields, policies)]).objects).warnings;

describe('gemini, vertexai', () => {
  it('gemini: Google AI Studio by default, the key from auth', () => {
    expect(targetOf({ gemini: { model: 'gemini-2.5-pro' } }, { auth: { key: 'AIzaKEY' } })).toEqual({
      name: 'p',
      kind: 'gemini',
      model: 'gemini-2.5-pro',
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiKey: 'AIzaKEY',
    });
  });

  it('vertexai: region global by default; the token from a Secret, `Bearer ` dropped', () => {
    const t = targetOf({ vertexai: { projectId: 'proj' } }, { auth: { secretRef: { name: 'gcp' } } }, [secret('gcp', { stringData: { Authorization: 'Bearer ya29.x' } })]);
    expect(t).toEqual({ name: 'p', kind: 'vertexai', baseUrl: 'https://aiplatform.googleapis.com', region: 'global', projectId: 'proj', apiKey: 'ya29.x' });
  });

  it('vertexai: projectId is required', () => {
    expect(problemsOf(() => load([one({ vertexai: { region: 'us-central1' } })])).join('\n')).toMatch(/spec\.ai\.groups\[0\]\.providers\[0\]\.vertexai\.projectId: Required value/);
  });

  it('vertexai without auth: a warning (modelgate does not mint Google tokens)', () => {
    expect(warningsOf({ vertexai: { projectId: 'proj' } }).join('\n')).toMatch(/vertexai provider p has no auth: Vertex AI needs an OAuth access token/);
  });
});

describe('bedrock', () => {
  it('region us-east-1 by default; host/port for a local endpoint; a guardrail', () => {
    expect(targetOf({ bedrock: { model: 'amazon.nova-lite-v1:0' } })).toEqual({
      name: 'p',
      kind: 'bedrock',
      model: 'amazon.nova-lite-v1:0',
      region: 'us-east-1',
      baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com',
    });
    expect(targetOf({ bedrock: { region: 'eu-central-1', guardrail: { identifier: 'g', version: '1' } }, host: 'localhost', port: 4000 })).toMatchObject({
      region: 'eu-central-1',
      baseUrl: 'http://localhost:4000',
      guardrail: { identifier: 'g', version: '1' },
    });
  });

  it('auth is not used: a warning, no key on the target', () => {
    expect(targetOf({ bedrock: {} }, { auth: { key: 'unused' } }).apiKey).toBeUndefined();
    expect(warningsOf({ bedrock: {} }, { auth: { key: 'unused' } }).join('\n')).toMatch(/auth is not used for bedrock provider p: Bedrock calls are signed with SigV4/);
  });

  it('the region must look like one', () => {
    expect(problemsOf(() => load([one({ bedrock: { region: 'US East' } })])).join('\n')).toMatch(/bedrock\.region: should match/);
  });
});

describe('azureopenai', () => {
  it('the endpoint (scheme stripped), v1 by default, the deployment as the model', () => {
    expect(targetOf({ azureopenai: { endpoint: 'https://res.openai.azure.com', deploymentName: 'gpt4o' } }, { auth: { key: 'k' } })).toEqual({
      name: 'p',
      kind: 'azureopenai',
      baseUrl: 'https://res.openai.azure.com',
      azure: { apiVersion: 'v1', deploymentName: 'gpt4o' },
      model: 'gpt4o',
      apiKey: 'k',
    });
  });

  it("a dated apiVersion needs a deploymentName (the CRD's rule and message)", () => {
    expect(problemsOf(() => load([one({ azureopenai: { endpoint: 'e', apiVersion: '2024-10-21' } })])).join('\n')).toMatch(
      /azureopenai: deploymentName is required for this apiVersion/,
    );
    expect(() => load([one({ azureopenai: { endpoint: 'e', apiVersion: 'v1' } })])).not.toThrow();
  });
});

describe('custom', () => {
  it('host and port, the formats it speaks with their paths; formats modelgate does not serve are warned about', () => {
    const fields = {
      custom: { model: 'llama3', formats: [{ type: 'Completions' }, { type: 'Messages', path: '/anthropic/v1/messages' }, { type: 'Embeddings' }] },
      host: 'ollama.local',
      port: 11434,
    };
    expect(targetOf(fields)).toEqual({
      name: 'p',
      kind: 'custom',
      model: 'llama3',
      baseUrl: 'http://ollama.local:11434',
      formats: { Completions: {}, Messages: { path: '/anthropic/v1/messages' } },
    });
    expect(warningsOf(fields).join('\n')).toMatch(/custom\.formats\[2\]: format Embeddings is not used by modelgate/);
  });

  it.each([
    [{ custom: { formats: [{ type: 'Completions' }] } }, 'custom providers must specify exactly one of backendRef or host and port'],
    [{ custom: {}, host: 'h', port: 1 }, 'formats: Required value'],
    [{ custom: { formats: [] }, host: 'h', port: 1 }, 'should have at least 1 items'],
    [{ custom: { formats: [{ type: 'Completions' }, { type: 'Completions' }] }, host: 'h', port: 1 }, 'Duplicate value'],
    [{ custom: { formats: [{ type: 'Completions', path: '/x' }] }, host: 'h', port: 1, pathPrefix: '/p' }, 'path, pathPrefix, and custom format paths are mutually exclusive'],
    [{ custom: { formats: [{ type: 'Embeddings' }] }, host: 'h', port: 1 }, 'without a Completions or Messages format is not supported by modelgate yet'],
    [
      { custom: { formats: [{ type: 'Completions' }], backendRef: { name: 'svc', port: 80 } } },
      'a backendRef names a Kubernetes Service, which only agentgateway inside the cluster can reach',
    ],
  ])('refused: %j', (fields, message) => {
    expect(problemsOf(() => load([one(fields)])).join('\n')).toContain(message);
  });
});
