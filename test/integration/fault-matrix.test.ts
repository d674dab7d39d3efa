/**
 * The fault matrix: every way an upstream fails, each row run through `modelgate serve` (a real
 * process) and through the Lambda handler (the real bundle, DynamoDB state in dynalite), under the
 * default health rules and under a CEL condition (the tutorial's). For each row: does the same
 * request fail over, what does the client receive (status, error shape, how a stream ends), and is
 * the provider evicted afterwards. Everything logged and returned is also searched for the keys.
 *
 * Each row has a backend of its own (two groups: `a`, which misbehaves, then `b`, which answers),
 * so rows never share eviction state. A follow-up request tells whether `a` was evicted: if it
 * was, the follow-up goes straight to `b`.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../support/temp.js';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../functions/config/manifests.js';
import { SECRET_ARN_ANNOTATION } from '../../functions/config/secrets-manager.js';
import type { Fault } from '../../functions/simulator/faults.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { configItem } from '../../functions/state/table-layout.js';
import { serve, stop, type Served } from '../support/cli.js';
import { startDynalite, type Dynalite } from '../support/dynalite.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { closedPort } from '../support/harness.js';
import { functionUrlEvent, installAwsLambdaGlobal, invoke, type StreamingHandler } from '../support/lambda-runtime.js';

const PROVIDER_KEY = 'sk-ant-api03-MATRIXKEY-provider-0123456789abcdef';
const CLIENT_KEY = 'mg-client-CLIENTKEY-0123456789abcdef';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:matrix-key-AbCdEf';
const CLIENT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:matrix-clients-AbCdEf';
const TABLE = 'modelgate-matrix';

interface Row {
  name: string;
  fault?: Fault;
  /** `a` listens nowhere. */
  refused?: boolean;
  stream?: boolean;
  /** Expected, default rules: [fails over, a evicted afterwards]. */
  standard: [boolean, boolean];
  /** Expected with `response.code == 404 || response.code == 429`. */
  cel: [boolean, boolean];
  /** What the client gets when there is no failover (or the final answer): status, and for streams how it ends. */
  client?: { status: number; end?: 'done' | 'error-event' };
}

const status = (code: number, headers?: Record<string, string>, message?: string): Fault => ({
  kind: 'status',
  status: code,
  ...(headers && { headers }),
  ...(message && { message }),
});

const ROWS: Row[] = [
  { name: '400 bad request', fault: status(400), standard: [false, false], cel: [false, false], client: { status: 400 } },
  {
    name: '401 (message echoes the key)',
    fault: status(401, undefined, `invalid x-api-key: ${PROVIDER_KEY}`),
    standard: [false, false],
    cel: [false, false],
    client: { status: 401 },
  },
  { name: '403 forbidden', fault: status(403), standard: [false, false], cel: [false, false], client: { status: 403 } },
  { name: '404 unknown model', fault: status(404), standard: [false, false], cel: [true, true], client: { status: 404 } },
  { name: '408 request timeout', fault: status(408), standard: [true, false], cel: [true, false] },
  { name: '413 too large', fault: status(413), standard: [false, false], cel: [false, false], client: { status: 413 } },
  { name: '429', fault: status(429), standard: [true, false], cel: [true, true] },
  { name: '429 Retry-After: 30', fault: status(429, { 'retry-after': '30' }), standard: [true, false], cel: [true, true] },
  { name: '429 retry-after-ms: 30000', fault: status(429, { 'retry-after-ms': '30000' }), standard: [true, false], cel: [true, true] },
  { name: '500', fault: status(500), standard: [true, true], cel: [true, false] },
  { name: '502', fault: status(502), standard: [true, true], cel: [true, false] },
  { name: '503', fault: status(503), standard: [true, true], cel: [true, false] },
  { name: '504', fault: status(504), standard: [true, true], cel: [true, false] },
  { name: '529 overloaded', fault: status(529), standard: [true, true], cel: [true, false] },
  { name: 'connection refused', refused: true, standard: [true, true], cel: [true, true] },
  { name: 'reset before headers', fault: { kind: 'reset' }, standard: [true, true], cel: [true, true] },
  { name: 'reset mid-body', fault: { kind: 'stream-break', afterEvents: 3 }, standard: [true, true], cel: [true, true] },
  { name: 'hang past requestTimeout', fault: { kind: 'hang' }, standard: [true, true], cel: [true, true] },
  { name: 'malformed JSON body', fault: { kind: 'malformed-json' }, standard: [true, true], cel: [true, false] },
  // A stream with no readable event is no answer at all: unhealthy under any condition.
  { name: 'malformed SSE', fault: { kind: 'malformed-sse' }, stream: true, standard: [true, true], cel: [true, true] },
  { name: 'error event before first content', fault: { kind: 'stream-error-before-content' }, stream: true, standard: [true, true], cel: [true, false] },
  {
    name: 'error event after first content',
    fault: { kind: 'stream-error-after-content', afterEvents: 4 },
    stream: true,
    standard: [false, false],
    cel: [false, false],
    client: { status: 200, end: 'error-event' },
  },
  {
    name: 'stream broken after first content',
    fault: { kind: 'stream-break', afterEvents: 4 },
    stream: true,
    standard: [false, false],
    cel: [false, false],
    client: { status: 200, end: 'error-event' },
  },
];

const CONDITIONS = { standard: undefined, cel: 'response.code == 404 || response.code == 429' } as const;
type Condition = keyof typeof CONDITIONS;

function manifests(simPort: number, deadPort: number): string {
  const docs: string[] = [
    `apiVersion: v1
kind: Secret
metadata: { name: key, namespace: matrix }
stringData: { Authorization: ${PROVIDER_KEY} }`,
    `apiVersion: v1
kind: Secret
metadata: { name: client-keys, namespace: matrix }
stringData: { matrix: ${CLIENT_KEY} }`,
  ];
  for (const cond of Object.keys(CONDITIONS) as Condition[]) {
    ROWS.forEach((row, i) => {
      const name = `${cond}-${i}`;
      docs.push(`apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: ${name}, namespace: matrix }
spec:
  policies:
    auth: { secretRef: { name: key } }
    http: { requestTimeout: 400ms }
  ai:
    groups:
      - providers:
          - { name: a, anthropic: {}, host: 127.0.0.1, port: ${row.refused ? deadPort : simPort} }
      - providers:
          - { name: b, anthropic: { model: model-b }, host: 127.0.0.1, port: ${simPort} }`);
      docs.push(`apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: ${name}, namespace: matrix }
spec:
  targetRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: ${name} }]
  backend:
    health:
      ${CONDITIONS[cond] ? `unhealthyCondition: "${CONDITIONS[cond]}"\n      ` : ''}eviction: { duration: 60s }`);
      // Clients authenticate on every route: the matrix also proves their key is never echoed.
      docs.push(`apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata: { name: ${name}-clients, namespace: matrix }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${name} }]
  traffic: { apiKeyAuthentication: { secretRef: { name: client-keys } } }`);
      docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: matrix }
spec:
  rules:
    - matches: [{ path: { type: PathPrefix, value: /${name} } }]
      backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: ${name} }]`);
    });
  }
  return docs.join('\n---\n');
}

/** Faults by the model the client sends: row i's requests name `row-i`; `b` pins `model-b`. */
const faultPlan = (call: { model: string }) => {
  const m = /^row-(\d+)$/.exec(call.model);
  return m ? ROWS[Number(m[1])]!.fault : undefined;
};

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}
type Send = (path: string, body: unknown) => Promise<Reply>;

interface Observed {
  failover: boolean;
  evicted: boolean;
  status: number;
  attempts: string;
  end?: 'done' | 'error-event' | 'json';
  errorShape: boolean;
}

async function observe(send: Send, cond: Condition, i: number): Promise<Observed> {
  const row = ROWS[i]!;
  const body = { model: `row-${i}`, messages: [{ role: 'user', content: 'hi' }], ...(row.stream && { stream: true }) };
  const res = await send(`/${cond}-${i}/v1/chat/completions`, body);
  const attempts = res.headers['x-modelgate-attempts'] ?? '';
  const follow = await send(`/${cond}-${i}/v1/chat/completions`, body);
  const end = !row.stream ? 'json' : res.body.includes('data: [DONE]') ? 'done' : res.body.includes('data: {"error"') ? 'error-event' : undefined;
  let errorShape = true;
  if (res.status >= 400) {
    const parsed = JSON.parse(res.body) as { error?: { message?: unknown; type?: unknown } };
    errorShape = typeof parsed.error?.message === 'string' && typeof parsed.error?.type === 'string';
  }
  return {
    failover: attempts.split(',').length > 1,
    evicted: (follow.headers['x-modelgate-attempts'] ?? '').startsWith('b:'),
    status: res.status,
    attempts,
    ...(end && { end }),
    errorShape,
  };
}

const everything: string[] = [];

async function runMatrix(platform: string, send: Send): Promise<string[]> {
  const table: string[] = [];
  for (const cond of Object.keys(CONDITIONS) as Condition[]) {
    for (let i = 0; i < ROWS.length; i++) {
      const row = ROWS[i]!;
      const seen = await observe(send, cond, i);
      const [failover, evicted] = row[cond];
      if (process.env.MATRIX_DEBUG) console.log(platform, cond, row.name, JSON.stringify(seen));
      const where = `${platform} / ${cond} / ${row.name}`;
      expect({ where, failover: seen.failover, evicted: seen.evicted }).toEqual({ where, failover, evicted });
      if (failover) {
        expect({ where, status: seen.status }).toEqual({ where, status: 200 });
        if (row.stream) expect({ where, end: seen.end }).toEqual({ where, end: 'done' });
      } else if (row.client) {
        expect({ where, status: seen.status }).toEqual({ where, status: row.client.status });
        if (row.client.end) expect({ where, end: seen.end }).toEqual({ where, end: row.client.end });
      }
      expect({ where, errorShape: seen.errorShape }).toEqual({ where, errorShape: true });
      table.push(
        `| ${row.name} | ${cond === 'standard' ? 'default' : 'CEL 404‖429'} | ${seen.failover ? 'yes' : 'no'} | ${seen.status}${row.stream ? `, ${seen.end}` : ''} | \`${seen.attempts}\` | ${seen.evicted ? 'evicted' : '—'} |`,
      );
    }
  }
  return table;
}

describe('the fault matrix', () => {
  let sim: Simulator;
  let yaml: string;
  beforeAll(async () => {
    sim = await startSimulator({ faults: faultPlan });
    yaml = manifests(sim.port, await closedPort());
  });
  afterAll(async () => {
    await sim?.close();
    // Secrets: nothing any platform logged or returned carries the provider key.
    expect(everything.join('\n')).not.toContain(PROVIDER_KEY);
    expect(everything.join('\n')).not.toContain('MATRIXKEY');
    expect(everything.join('\n')).not.toContain('CLIENTKEY');
  });

  describe('through modelgate serve', () => {
    let served: Served;
    beforeAll(async () => {
      const file = join(tempDir('modelgate-matrix-'), 'matrix.yaml');
      writeFileSync(file, yaml);
      served = await serve(['-f', file, '--port', '0']);
    });
    afterAll(async () => {
      await stop(served);
      everything.push(...served.logs);
    });

    it('behaves as the matrix says, row by row', async () => {
      const table = await runMatrix('serve', async (path, body) => {
        const res = await fetch(`${served.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const reply = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
        everything.push(JSON.stringify(reply));
        return reply;
      });
      console.log(['| upstream | health rule | same-request failover | client gets | attempts | after |', '|---|---|---|---|---|---|', ...table].join('\n'));
    }, 60_000);
  });

  describe('through the Lambda handler', () => {
    let db: Dynalite;
    let sm: FakeSecretsManager;
    let handler: StreamingHandler;
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const writeOut = process.stdout.write.bind(process.stdout);

    beforeAll(async () => {
      db = await startDynalite([TABLE]);
      sm = await startFakeSecretsManager({ [SECRET_ARN]: JSON.stringify({ Authorization: PROVIDER_KEY }), [CLIENT_ARN]: JSON.stringify({ matrix: CLIENT_KEY }) });
      Object.assign(process.env, {
        MODELGATE_TABLE: TABLE,
        MODELGATE_STATE_STALENESS_MS: '0',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
      });
      const client = db.client();
      for (const o of parseManifests([{ name: 'matrix.yaml', text: yaml }]).objects) {
        // The key goes to Secrets Manager; the Secret item only names it, as the components write it.
        const arn = o.metadata.name === 'client-keys' ? CLIENT_ARN : SECRET_ARN;
        const item = o.kind === 'Secret' ? { apiVersion: 'v1' as const, kind: 'Secret' as const, metadata: { ...o.metadata, annotations: { [SECRET_ARN_ANNOTATION]: arn } } } : o;
        await client.send(new PutItemCommand({ TableName: TABLE, Item: configItem(item) }));
      }
      installAwsLambdaGlobal();
      process.stderr.write = ((c: string | Uint8Array, ...r: unknown[]) => {
        stderr.push(String(c));
        return (write as (...a: unknown[]) => boolean)(c, ...r);
      }) as typeof process.stderr.write;
      process.stdout.write = ((c: string | Uint8Array, ...r: unknown[]) => {
        stderr.push(String(c));
        return String(c).startsWith('{"_aws"') ? true : (writeOut as (...a: unknown[]) => boolean)(c, ...r);
      }) as typeof process.stdout.write;
      const href = pathToFileURL(fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url))).href;
      handler = ((await import(`${href}?matrix`)) as { handler: StreamingHandler }).handler;
    });
    afterAll(async () => {
      process.stderr.write = write;
      process.stdout.write = writeOut;
      everything.push(...stderr);
      await sm?.close();
      await db?.close();
    });

    it('behaves as the matrix says, row by row', async () => {
      await runMatrix('lambda', async (path, body) => {
        const res = await invoke(handler, functionUrlEvent('POST', path, body, { headers: { authorization: `Bearer ${CLIENT_KEY}` } }));
        const reply = { status: res.statusCode, headers: res.headers, body: res.body };
        everything.push(JSON.stringify(reply));
        return reply;
      });
    }, 60_000);
  });
});
