/**
 * Operating `modelgate serve` as a process: graceful drain on SIGTERM/SIGINT (requests in flight
 * finish; past the drain timeout a buffered request gets a 503 and a stream an error event; a
 * second signal exits at once), live reload of the -f files, and the command line a new user
 * meets (per-command --help, -v, a busy port naming its flag). Loopback only; every wait bounded.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { launch, run, serve, stop, type Served } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { adversarialManifests, CHAT_BODY, loopbackProvider, manifestFile, MESSAGES_BODY, post } from '../support/adversarial.js';
import { openAIAnswer, startHostile, type Hostile, type HostileCall } from '../support/hostile-upstream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the upstream has seen `n` calls: the requests are then in flight at the gateway. */
async function upstreamCalls(n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (hostile?.calls.length ?? 0) < n) await sleep(20);
  expect(hostile?.calls.length).toBeGreaterThanOrEqual(n);
}

/** Slow on purpose, by the model the gateway sends: `slow` answers after 1.2 s; `hang` never; `trickle` streams for 1.2 s; `stall` streams once, then nothing. */
function behave(call: HostileCall, res: ServerResponse): void {
  const model = (JSON.parse(call.body) as { model?: string }).model ?? '';
  res.on('error', () => {});
  if (model === 'hang') return;
  if (model === 'slow') {
    setTimeout(() => openAIAnswer(call, res, 'slow answer'), 1_200);
    return;
  }
  if (model === 'trickle' || model === 'stall') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (content: string, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
    res.write(chunk('first '));
    if (model === 'stall') return;
    let n = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      if (++n < 6) return void res.write(chunk(`part${n} `));
      clearInterval(timer);
      res.write(chunk('', 'stop'));
      res.end('data: [DONE]\n\n');
    }, 200);
    return;
  }
  openAIAnswer(call, res, `answer from ${model}`);
}

let hostile: Hostile | undefined;
let served: Served | undefined;

afterEach(async () => {
  await stop(served);
  served = undefined;
  await hostile?.close();
  hostile = undefined;
});

/** A gateway whose one provider sends the client's model on (no pinned model). */
async function start(extraArgs: string[] = []): Promise<Served> {
  hostile = await startHostile(behave);
  const file = manifestFile(
    adversarialManifests([{ name: 'v1', groups: [[loopbackProvider('p', 'openai', hostile.port, 'key-p-0123', {})]], matches: [{ path: { type: 'PathPrefix', value: '/v1' } }] }]),
  );
  served = await serve(['-f', file, '--port', '0', ...extraArgs]);
  return served;
}

function exited(s: Served): Promise<number | null> {
  return new Promise((resolve) => (s.child.exitCode !== null ? resolve(s.child.exitCode) : s.child.once('exit', (code) => resolve(code))));
}

function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('graceful drain', () => {
  it('SIGTERM: no new connections, requests in flight (buffered and streamed) finish whole, exit 0', async () => {
    const s = await start(['--drain-timeout', '10s']);
    const buffered = post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'slow' });
    const streamed = post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'trickle', stream: true });
    await upstreamCalls(2);
    s.child.kill('SIGTERM');
    await sleep(200);
    expect(await refused(s.url)).toBe(true);
    const [b, st] = await Promise.all([buffered, streamed]);
    expect(b.status).toBe(200);
    expect(b.text).toContain('slow answer');
    expect(st.status).toBe(200);
    expect(st.text).toContain('part5');
    expect(st.text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(await exited(s)).toBe(0);
    expect(s.logs.join('\n')).toMatch(/drained: 2 requests finished, 0 ended at the drain timeout/);
  });

  it("past the drain timeout: a buffered request gets a 503, streams an error event in their API's shape; each is logged; exit 0", async () => {
    const s = await start(['--drain-timeout', '500ms']);
    const buffered = post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'hang' });
    const chat = post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'stall', stream: true });
    const messages = post(`${s.url}/v1/messages`, { ...MESSAGES_BODY, model: 'stall', stream: true });
    await upstreamCalls(3);
    await sleep(100); // the streams' first chunks reach the clients
    s.child.kill('SIGINT');
    const [b, c, m] = await Promise.all([buffered, chat, messages]);
    expect(b.status).toBe(503);
    expect(JSON.parse(b.text)).toMatchObject({ error: { code: 'gateway_shutting_down', type: 'server_error' } });
    expect(c.status).toBe(200);
    expect(c.text).toContain('first ');
    expect(c.text).toMatch(/data: \{"error":\{"message":"The gateway is shutting down[^\n]*"code":"gateway_shutting_down"/);
    expect(c.text).not.toContain('[DONE]');
    expect(m.text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"The gateway is shutting down/);
    expect(m.text).not.toContain('message_stop');
    expect(await exited(s)).toBe(0);
    const log = s.logs.join('\n');
    expect(log.match(/drain: ended /g)).toHaveLength(3);
    expect(log).toMatch(/drained: 0 requests finished, 3 ended at the drain timeout/);
  });

  it('a second signal exits at once', async () => {
    const s = await start(['--drain-timeout', '60s']);
    const hanging = post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'hang' }).catch(() => undefined);
    await upstreamCalls(1);
    s.child.kill('SIGTERM');
    await sleep(200);
    expect(s.child.exitCode).toBeNull(); // still draining
    s.child.kill('SIGTERM');
    expect(await exited(s)).toBe(1);
    await hanging;
  });
});

describe('live reload', () => {
  it('a valid change is served within 2 s without dropping a request in flight; an invalid one is logged and the last good config keeps serving', async () => {
    hostile = await startHostile(behave);
    const manifests = (model: string) =>
      adversarialManifests([
        { name: 'v1', groups: [[loopbackProvider('p', 'openai', hostile!.port, 'key-p-0123', { model })]], matches: [{ path: { type: 'PathPrefix', value: '/v1' } }] },
      ]);
    const file = manifestFile(manifests('slow'));
    served = await serve(['-f', file, '--port', '0']);
    const url = `${served.url}/v1/chat/completions`;
    const inFlight = post(url, CHAT_BODY); // pinned to `slow`: answers after 1.2 s
    await upstreamCalls(1);
    writeFileSync(file, manifests('fast'));
    const changedAt = Date.now();
    let answer = '';
    while (Date.now() - changedAt < 5_000) {
      answer = (await post(url, CHAT_BODY)).text;
      if (answer.includes('answer from fast')) break;
      await sleep(100);
    }
    // Served within the loop's bound (the watcher settles 150 ms; its poll fallback runs each second).
    expect(answer).toContain('answer from fast');
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(slow.text).toContain('slow answer');

    // An invalid change: the same words `validate` prints, and the last good config serves on.
    writeFileSync(file, manifests('fast').replace('kind: AgentgatewayBackend', 'kind: AgentgatewayBackend\nbogus: 1'));
    const { output } = await run(['validate', '-f', file]);
    const problem = output
      .split('\n')
      .find((l) => l.includes('bogus'))!
      .replace(/^modelgate: /, '');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !served.logs.some((l) => l.includes(problem))) await sleep(100);
    expect(served.logs.some((l) => l.includes(problem))).toBe(true);
    expect(served.logs.join('\n')).toMatch(/still serving the last good one/);
    expect((await post(url, CHAT_BODY)).text).toContain('answer from fast');
  });

  it('SIGHUP reloads, and the eviction state of providers survives a reload', async () => {
    hostile = await startHostile((call, res) => {
      const model = (JSON.parse(call.body) as { model?: string }).model;
      if (model === 'broken') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end('{"error":{"message":"no such model"}}');
      }
      openAIAnswer(call, res, `answer from ${model}`);
    });
    const manifests = (label: string) =>
      adversarialManifests([
        {
          name: 'v1',
          groups: [
            [loopbackProvider('first', 'openai', hostile!.port, 'key-a-0123', { model: 'broken' })],
            [loopbackProvider('second', 'openai', hostile!.port, 'key-b-0123', { model: label })],
          ],
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          backendPolicy: { health: { unhealthyCondition: 'response.code == 404', eviction: { duration: '1h' } } },
        },
      ]);
    const file = manifestFile(manifests('second-v1'));
    served = await serve(['-f', file, '--port', '0']);
    const url = `${served.url}/v1/chat/completions`;
    const first = await post(url, CHAT_BODY);
    expect(first.headers.get('x-modelgate-attempts')).toBe('first:404,second:200');
    writeFileSync(file, manifests('second-v2'));
    served.child.kill('SIGHUP');
    const deadline = Date.now() + 5_000;
    let after = await post(url, CHAT_BODY);
    while (Date.now() < deadline && !after.text.includes('second-v2')) {
      await sleep(100);
      after = await post(url, CHAT_BODY);
    }
    expect(after.text).toContain('answer from second-v2');
    // `first` is still evicted: its state survived the reload.
    expect(after.headers.get('x-modelgate-attempts')).toBe('second:200');
    expect(served.logs.join('\n')).toMatch(/config reloaded/);
  });
});

describe('the command line, as a new user meets it', () => {
  it('each command has its --help; -v prints the version', async () => {
    const help = await run(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/^Usage: modelgate serve -f FILE/);
    expect(help.output).toMatch(/--drain-timeout/);
    expect(help.output).toMatch(/--acceptors N/);
    expect((await run(['validate', '-h'])).output).toMatch(/^Usage: modelgate validate/);
    expect((await run(['demo', '--help'])).output).toMatch(/--simulator-port/);
    const version = await run(['-v']);
    expect(version.code).toBe(0);
    expect(version.output.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await run(['serve', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/Usage: modelgate serve/);
    const acceptors = await run(['serve', '-f', 'none.yaml', '--acceptors', '0']);
    expect(acceptors.code).toBe(2);
    expect(acceptors.output).toContain('--acceptors must be a whole number from 1 to 64, not 0');
  });

  it("a second gateway on a running gateway's port is refused, though that port has several listening sockets", async () => {
    const s = await start();
    const { port } = new URL(s.url);
    const file = manifestFile(adversarialManifests([{ name: 'v1', groups: [[loopbackProvider('p', 'openai', hostile!.port, 'key-p-0123', {})]] }]));
    const second = await run(['serve', '-f', file, '--port', port]);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`port ${port} is already in use`);
    // The first one still answers every request, whichever of its sockets takes the connection.
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'fast' })));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
  });

  it('a busy port says which flag picks another', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      hostile = await startHostile(behave);
      const file = manifestFile(adversarialManifests([{ name: 'v1', groups: [[loopbackProvider('p', 'openai', hostile.port, 'key-p-0123', {})]] }]));
      const { code, output } = await run(['serve', '-f', file, '--port', String(port)]);
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} is already in use: stop what listens there, or choose another port with --port`);
      const demo = await run(['demo', '--port', '0', '--simulator-port', String(port)]);
      expect(demo.output).toContain('choose another port with --simulator-port');
    } finally {
      blocker.close();
    }
  });

  it('two demos side by side, each with its own simulator port', async () => {
    const demos = await Promise.all([0, 1].map(() => demo()));
    try {
      for (const d of demos) {
        const res = await post(`${d.url}/v1/chat/completions`, { messages: CHAT_BODY.messages });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-modelgate-attempts')).toMatch(/:404,.*:200$/);
      }
    } finally {
      await Promise.all(demos.map((d) => stop(d)));
    }
  });
});

/** `modelgate demo` on free ports (the gateway's and the simulator's). */
const demo = () => launch('demo', ['--port', '0', '--simulator-port', '0', '--admin-port', '0', '--metrics-port', '0', '--readiness-port', '0']);

/** Starts the gateway with its three admin servers on chosen ports (a port taken meanwhile: try others). */
async function startWithAdmin(): Promise<{ s: Served; admin: number; metrics: number; readiness: number }> {
  for (let attempt = 0; ; attempt++) {
    const [admin, metrics, readiness] = [await freePort(), await freePort(), await freePort()];
    try {
      const s = await start(['--admin-port', String(admin), '--metrics-port', String(metrics), '--readiness-port', String(readiness), '--drain-timeout', '10s']);
      return { s, admin, metrics, readiness };
    } catch (error) {
      await hostile?.close();
      hostile = undefined;
      if (attempt >= 4 || !/is in use/.test((error as Error).message)) throw error;
    }
  }
}

describe("admin endpoints, in agentgateway's layout", () => {
  it('readiness, metrics, config_dump and status; readiness turns 503 the moment a drain starts', async () => {
    const { s, admin, metrics, readiness } = await startWithAdmin();
    const ready = await fetch(`http://127.0.0.1:${readiness}/healthz/ready`);
    expect(ready.status).toBe(200);
    expect((await post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'm1' })).status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    expect(text).toMatch(/modelgate_requests_total\{route="adv\/v1[^"]*",backend="adv\/v1",provider="p",status="200"\} 1/);
    expect(text).toMatch(/modelgate_gen_ai_client_token_usage_count\{/);
    const dump = await (await fetch(`http://127.0.0.1:${admin}/config_dump`)).text();
    expect(dump).toContain('adv/v1');
    expect(dump).not.toContain('key-p-0123');
    const status = (await (await fetch(`http://127.0.0.1:${admin}/status`)).json()) as { backends: Array<{ id?: string; name?: string }> };
    expect(JSON.stringify(status)).toContain('adv/v1');
    // The same, as the operator's table.
    const table = await run(['status', '--admin', `http://127.0.0.1:${admin}`]);
    expect(table.code).toBe(0);
    expect(table.output).toMatch(/backend adv\/v1/);
    expect(table.output).toMatch(/\bp\s+serving/);
    // Readiness flips at once when a drain starts, while a request is still in flight.
    const calls = hostile!.calls.length;
    const slow = post(`${s.url}/v1/chat/completions`, { ...CHAT_BODY, model: 'slow' });
    await upstreamCalls(calls + 1);
    s.child.kill('SIGTERM');
    await sleep(200);
    const draining = await fetch(`http://127.0.0.1:${readiness}/healthz/ready`);
    expect(draining.status).toBe(503);
    expect((await slow).status).toBe(200);
    expect(await exited(s)).toBe(0);
  });

  it('a busy default port is a warning; a busy port asked for is an error naming its flag', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      hostile = await startHostile(behave);
      const file = manifestFile(adversarialManifests([{ name: 'v1', groups: [[loopbackProvider('p', 'openai', hostile.port, 'key-p-0123', {})]] }]));
      const { code, output } = await run(['serve', '-f', file, '--port', '0', '--metrics-port', String(port)]);
      expect(code).toBe(1);
      expect(output).toContain(`the metrics port ${port} on 127.0.0.1 is in use: choose another port with --metrics-port (0 turns it off)`);
    } finally {
      blocker.close();
    }
  });
});
