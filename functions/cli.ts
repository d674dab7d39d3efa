/**
 * `modelgate`: the command line.
 *   modelgate serve -f FILE [-f FILE ...]   serve manifests (watched: a valid change is served live)
 *   modelgate validate -f FILE ...          check manifests, print what would be served
 *   modelgate demo                          the tutorial against the simulated provider
 * `modelgate COMMAND --help` prints that command's usage.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadManifestFiles, MissingEnvironment, parseManifests } from './config/manifests.js';
import { describeConfig } from './config/describe.js';
import { watchFiles, type ConfigWatcher } from './config/watch.js';
import { compileConfig, ConfigError } from './model/compile.js';
import type { CompiledConfig } from './model/config.js';
import { parseDuration, formatDuration } from './core/duration.js';
import { Engine } from './engine/engine.js';
import { batchedStderr, createLogger, type LogFormat, type Logger } from './core/log.js';
import { InFlight } from './http/drain.js';
import { AdminListenError, startAdminServers, type AdminServerName, type AdminServers } from './http/admin.js';
import { PrometheusMetrics } from './engine/prometheus.js';
import { configDump } from './engine/config-dump.js';
import { renderStatusTable, type StatusSnapshot } from './engine/status.js';
import { createGatewayServer, DEFAULT_SERVER_LIMITS, listen } from './http/node-server.js';
import { DEFAULT_ACCEPTORS, MAX_ACCEPTORS } from './http/acceptors.js';
import { startSimulator, type Simulator } from './simulator/server.js';
import type { EvictionStore } from './state/store.js';
import { unknownFakeModels } from './simulator/faults.js';
import packageJson from '../package.json' with { type: 'json' };
import { configurePool, DEFAULT_POOL } from './engine/upstream.js';

/** The package's version: one place to change it (the bundle carries it from package.json). */
const VERSION: string = packageJson.version;
const DEFAULT_PORT = 8080;
const SIMULATOR_PORT = 8788;
const DEFAULT_DRAIN_MS = 30_000;
/** agentgateway's admin layout: admin API, Prometheus metrics, readiness. */
const ADMIN_DEFAULTS: Record<AdminServerName, number> = { admin: 15_000, metrics: 15_020, readiness: 15_021 };
const ADMIN_FLAGS: Record<AdminServerName, string> = { admin: 'admin-port', metrics: 'metrics-port', readiness: 'readiness-port' };

const SERVE_USAGE = `Usage: modelgate serve -f FILE [-f FILE ...] [options]

Loads Kubernetes-style YAML (Gateway, HTTPRoute, AgentgatewayBackend, AgentgatewayPolicy, Secret;
-f - reads stdin; \${NAME} in values is read from the environment) and serves the routes on the
Gateway listener's port (or --port). The files are watched: a valid change is served within 2 s
(SIGHUP reloads too); an invalid one is logged and the last good config keeps serving.
On SIGTERM or SIGINT it stops accepting, lets requests in flight finish for up to --drain-timeout,
ends what is left (a 503, or an error event in a stream) and exits 0; a second signal exits at once.

Options:
  -f, --file FILE              a manifest file (repeatable; - for stdin)
  -p, --port N                 listen on N instead of the Gateway listener's port (0: any free port)
      --host H                 listen address (default 127.0.0.1)
      --log-format text|json   log lines as text (default) or JSON
      --drain-timeout DURATION how long requests in flight may take to finish on shutdown (default 30s)
      --admin-port N           GET /config_dump (secrets redacted) and /status (default 15000)
      --metrics-port N         GET /metrics, Prometheus text (default 15020)
      --readiness-port N       GET /healthz/ready: 200 while serving, 503 while draining (default 15021)
                               (each on 127.0.0.1; 0 turns one off; a busy default is a warning)
      --upstream-sockets N     connections per provider origin (default 4096): one per stream in
                               flight; past it, requests wait for a free one
      --acceptors N            listening sockets on the port (SO_REUSEPORT; default 16 on Linux,
                               else 1): a server busy with many streams accepts new connections
                               N at a time instead of one. A process of the same user could join
                               the port once it is bound; 1 turns that off
      --state-table NAME       keep eviction state in this DynamoDB table (endpoint and region from
                               AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL and AWS_REGION), shared
                               with every other process or Lambda on the table
      --create-table           create the --state-table when it is missing
      --state-staleness-ms N   how old a cached eviction read may be (default 1000)
  -h, --help                   this text
`;

const VALIDATE_USAGE = `Usage: modelgate validate -f FILE [-f FILE ...]

Checks the manifests as serve would load them, prints what serve would serve, and exits:
0 when they are valid, 1 (with every problem, naming file, object and field) when not.

Options:
  -f, --file FILE   a manifest file (repeatable; - for stdin)
  -h, --help        this text
`;

const DEMO_USAGE = `Usage: modelgate demo [options]

Serves examples/tutorial-failover.demo.yaml against modelgate's simulated provider, which answers
404 for the tutorial's FAKE model and answers other models: failover to see, no key needed.

Options:
  -p, --port N              the gateway's port (default 8080)
      --host H              listen address (default 127.0.0.1)
      --simulator-port N    the simulated provider's port (default 8788; 0: any free port)
      --log-format text|json
      --drain-timeout DURATION
      --admin-port N, --metrics-port N, --readiness-port N   as for serve
  -h, --help                this text
`;

const STATUS_USAGE = `Usage: modelgate status [--admin URL | --state-table NAME [-f FILE ...]]

Prints, for every backend, group and provider: evicted until (or serving), times evicted,
consecutive failures, health score and last failure.
  --admin URL        ask a running modelgate serve (default http://127.0.0.1:15000)
  --state-table NAME read the DynamoDB eviction items directly: what every process and Lambda
                     instance on the table sees. The backends come from -f FILE, or else from the
                     config items in the same table (as the Lambda reads them).
Options:
  -h, --help         this text
`;

const USAGE = `modelgate ${VERSION}: an AI gateway with group-ordered multi-model failover

Usage:
  modelgate serve -f FILE [-f FILE ...] [options]   serve manifests (live reload, graceful drain)
  modelgate validate -f FILE [-f FILE ...]          check manifests, print what would be served
  modelgate demo [options]                          the tutorial against a simulated provider
  modelgate status [--admin URL | --state-table NAME]  eviction state and health, as a table
  modelgate --version | -v

Run \`modelgate COMMAND --help\` for a command's options.
`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  'log-format': { type: 'string' },
};
const LISTEN: Options = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'drain-timeout': { type: 'string' },
  'admin-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  'readiness-port': { type: 'string' },
  'upstream-sockets': { type: 'string' },
  acceptors: { type: 'string' },
};

const COMMANDS: Record<string, { usage: string; options: Options }> = {
  serve: {
    usage: SERVE_USAGE,
    options: {
      ...COMMON,
      ...LISTEN,
      file: { type: 'string', short: 'f', multiple: true },
      'state-table': { type: 'string' },
      'create-table': { type: 'boolean' },
      'state-staleness-ms': { type: 'string' },
    },
  },
  validate: { usage: VALIDATE_USAGE, options: { ...COMMON, file: { type: 'string', short: 'f', multiple: true } } },
  demo: { usage: DEMO_USAGE, options: { ...COMMON, ...LISTEN, 'simulator-port': { type: 'string' } } },
  status: {
    usage: STATUS_USAGE,
    options: { help: { type: 'boolean', short: 'h' }, admin: { type: 'string' }, 'state-table': { type: 'string' }, file: { type: 'string', short: 'f', multiple: true } },
  },
};

class UsageError extends Error {
  constructor(
    message: string,
    readonly usage = USAGE,
  ) {
    super(message);
  }
}

type Values = Record<string, string | boolean | string[] | undefined>;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command]! : undefined;
  if (!spec) throw new UsageError(`unknown command ${command}`);
  let values: Values;
  try {
    values = parseArgs({ args: rest, options: spec.options, strict: true }).values as Values;
  } catch (error) {
    throw new UsageError((error as Error).message, spec.usage);
  }
  if (values.help) {
    process.stdout.write(spec.usage);
    return 0;
  }
  const format = (values['log-format'] ?? 'text') as LogFormat;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--log-format must be text or json, not ${String(format)}`, spec.usage);
  const logger = createLogger(format, batchedStderr());
  upstreamSockets(values, spec.usage);
  const listenOn = {
    host: (values.host as string | undefined) ?? '127.0.0.1',
    port: portOption(values, 'port', spec.usage),
    drainMs: drainTimeout(values, spec.usage),
    admin: adminPorts(values, spec.usage),
    acceptors: acceptorsOption(values, spec.usage),
  };

  switch (command) {
    case 'serve':
    case 'validate': {
      const files = (values.file as string[] | undefined) ?? [];
      if (files.length === 0) throw new UsageError(`${command} needs at least one -f FILE`, spec.usage);
      const { config, warnings } = await loadManifestFiles(files);
      for (const w of warnings) logger.log('warn', 'config_warning', w);
      if (command === 'validate') {
        for (const line of describeConfig(config)) process.stdout.write(`${line}\n`);
        process.stdout.write(`${files.join(', ')}: valid\n`);
        return 0;
      }
      const store = await stateStore(values, logger);
      await serve({ config, logger, ...listenOn, ...(store && { store }), files });
      return -1;
    }
    case 'demo': {
      // The demo manifest names the simulator's port, as the tutorial's manifests name a real host.
      const simulatorPort = portOption(values, 'simulator-port', spec.usage) ?? SIMULATOR_PORT;
      let simulator: Simulator;
      try {
        simulator = await startSimulator({ port: simulatorPort, faults: unknownFakeModels });
      } catch (error) {
        throw inUse(error, simulatorPort, '--simulator-port');
      }
      logger.log('info', 'simulator', `simulated provider on ${simulator.url}: answers 404 for *-FAKE models, and answers every other model`);
      const demoFile = fileURLToPath(new URL('../examples/tutorial-failover.demo.yaml', import.meta.url));
      const text = (await readFile(demoFile, 'utf8')).replaceAll(`port: ${SIMULATOR_PORT}`, `port: ${simulator.port}`);
      const { objects, warnings } = parseManifests([{ name: demoFile, text }]);
      const config = compileConfig(objects);
      for (const w of [...warnings, ...config.warnings]) logger.log('warn', 'config_warning', w);
      await serve({ config, logger, ...listenOn, onStop: () => simulator.close() });
      return -1;
    }
    case 'status':
      process.stdout.write(renderStatusTable(await statusSnapshot(values)));
      return 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/** Each admin server's port, and whether the user asked for it (a busy default is only a warning). */
type AdminChoice = Record<AdminServerName, { port: number | null; explicit: boolean }>;

function adminPorts(values: Values, usage: string): AdminChoice {
  const out = {} as AdminChoice;
  for (const name of Object.keys(ADMIN_DEFAULTS) as AdminServerName[]) {
    const given = portOption(values, ADMIN_FLAGS[name], usage);
    out[name] = { port: given === undefined ? ADMIN_DEFAULTS[name] : given === 0 ? null : given, explicit: given !== undefined };
  }
  return out;
}

/** `status`: from a running server's admin port, or from the DynamoDB table the fleet shares. */
async function statusSnapshot(values: Values): Promise<StatusSnapshot> {
  const table = values['state-table'] as string | undefined;
  if (!table) {
    const base = (values.admin as string | undefined) ?? `http://127.0.0.1:${ADMIN_DEFAULTS.admin}`;
    let res: Response;
    try {
      res = await fetch(new URL('/status', base), { signal: AbortSignal.timeout(5_000) });
    } catch (error) {
      throw new Error(
        `no modelgate admin endpoint at ${base} (${(error as Error).message}); start \`modelgate serve\` (its --admin-port), or pass --admin URL or --state-table NAME`,
      );
    }
    if (!res.ok) throw new Error(`${base}/status answered ${res.status}`);
    return (await res.json()) as StatusSnapshot;
  }
  const [{ createTableClient }, { statusFromTable }, { TableConfigSource }] = await Promise.all([
    import('./state/dynamodb-client.js'),
    import('./engine/status-from-table.js'),
    import('./config/table-source.js'),
  ]);
  const client = createTableClient();
  const files = (values.file as string[] | undefined) ?? [];
  let config: CompiledConfig;
  if (files.length > 0) {
    config = (await loadManifestFiles(files)).config;
  } else {
    // The config items the Lambda reads; keys are not needed to name backends and providers.
    const notLoaded = { get: () => 'not-loaded', entries: () => ({ key: 'not-loaded' }) };
    const source = new TableConfigSource({ client, table, logger: createLogger('text'), secrets: { prepare: async () => undefined, source: () => notLoaded } });
    config = await source.current();
  }
  return statusFromTable(client, table, config);
}

/**
 * The admin, metrics and readiness servers, each on its own: a default port that is busy (another
 * modelgate on this host) costs that one endpoint and a warning; a port asked for is an error.
 */
async function startAdmin(choice: AdminChoice, host: string, handlers: Parameters<typeof startAdminServers>[1], logger: Logger): Promise<AdminServers[]> {
  const started: AdminServers[] = [];
  for (const name of Object.keys(choice) as AdminServerName[]) {
    const { port, explicit } = choice[name];
    if (port === null) continue;
    try {
      const servers = await startAdminServers({ host, admin: null, metrics: null, readiness: null, [name]: port }, handlers);
      started.push(servers);
      const address = servers[name]!;
      logger.log(
        'info',
        'admin',
        `${name} ${name === 'admin' ? 'endpoints' : 'endpoint'} on http://${address.address}:${address.port}${name === 'admin' ? ' (/config_dump, /status)' : name === 'metrics' ? '/metrics' : '/healthz/ready'}`,
      );
    } catch (error) {
      if (!(error instanceof AdminListenError) || explicit) {
        await Promise.all(started.map((s) => s.close()));
        throw error instanceof AdminListenError && error.code === 'EADDRINUSE'
          ? new Error(`${error.message}: choose another port with --${ADMIN_FLAGS[name]} (0 turns it off)`)
          : error;
      }
      logger.log('warn', 'admin', `${error.message}: serving without the ${name} endpoints (--${ADMIN_FLAGS[name]} picks another port, 0 turns it off)`);
    }
  }
  return started;
}

function portOption(values: Values, flag: string, usage: string): number | undefined {
  const text = values[flag] as string | undefined;
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port number (0-65535), not ${text}`, usage);
  return n;
}

/** `--upstream-sockets N`: the upstream connection pool's size per origin. */
function upstreamSockets(values: Values, usage: string): void {
  const text = values['upstream-sockets'] as string | undefined;
  if (text === undefined) return;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65_536) throw new UsageError(`--upstream-sockets must be a whole number from 1 to 65536, not ${text}`, usage);
  configurePool({ maxSockets: n, maxFreeSockets: Math.min(n, DEFAULT_POOL.maxFreeSockets) });
}

/** `--acceptors N`: listening sockets on the gateway's port (see http/acceptors.ts). */
function acceptorsOption(values: Values, usage: string): number {
  const text = values.acceptors as string | undefined;
  if (text === undefined) return DEFAULT_ACCEPTORS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ACCEPTORS) throw new UsageError(`--acceptors must be a whole number from 1 to ${MAX_ACCEPTORS}, not ${text}`, usage);
  return n;
}

/** `--drain-timeout 30s` (a Gateway API duration) or plain seconds. */
function drainTimeout(values: Values, usage: string): number {
  const text = values['drain-timeout'] as string | undefined;
  if (text === undefined) return DEFAULT_DRAIN_MS;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined) throw new UsageError(`--drain-timeout must be a duration (30s, 500ms, 1m) or seconds, not ${text}`, usage);
  return ms;
}

/** A port already taken, said with the flag that picks another; anything else as it is. */
function inUse(error: unknown, port: number, flag: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return new Error(`port ${port} is already in use: stop what listens there, or choose another port with ${flag}`);
  return error as Error;
}

/** Memory by default; `--state-table` shares eviction state through DynamoDB, as Lambda instances do. */
async function stateStore(values: Values, logger: Logger): Promise<EvictionStore | undefined> {
  const table = values['state-table'] as string | undefined;
  if (!table) {
    if (values['create-table']) throw new UsageError('--create-table needs --state-table NAME', SERVE_USAGE);
    return undefined;
  }
  const staleness = values['state-staleness-ms'] === undefined ? undefined : Number(values['state-staleness-ms']);
  if (staleness !== undefined && !(staleness >= 0)) throw new UsageError('--state-staleness-ms must be a number of milliseconds', SERVE_USAGE);
  // Loaded only when asked for: the AWS SDK costs startup time a local gateway does not need.
  const [{ createTableClient }, { DEFAULT_STALENESS_MS, DynamoDBStore }, { ensureTable }] = await Promise.all([
    import('./state/dynamodb-client.js'),
    import('./state/dynamodb.js'),
    import('./state/table.js'),
  ]);
  const client = createTableClient();
  if (values['create-table']) {
    const created = await ensureTable(client, table);
    logger.log('info', 'state_table', `DynamoDB table ${table} ${created === 'created' ? 'created' : 'exists'}`);
  }
  logger.log('info', 'state_table', `eviction state in DynamoDB table ${table} (cached reads at most ${staleness ?? DEFAULT_STALENESS_MS} ms old)`);
  return new DynamoDBStore({ client, table, logger, ...(staleness !== undefined && { stalenessMs: staleness }) });
}

interface ServeOptions {
  config: CompiledConfig;
  logger: Logger;
  host: string;
  port: number | undefined;
  drainMs: number;
  admin: AdminChoice;
  /** Listening sockets on the gateway's port. */
  acceptors: number;
  store?: EvictionStore;
  /** Manifest files to watch and reload; none for the demo. */
  files?: readonly string[];
  /** Runs after the drain, before the process exits. */
  onStop?: () => Promise<void>;
}

async function serve(o: ServeOptions): Promise<void> {
  const { config, logger } = o;
  const listener = config.listeners[0];
  const ports = new Set(config.listeners.map((l) => l.port));
  if (o.port === undefined && ports.size > 1) {
    logger.log('warn', 'config_warning', `listeners on ports ${[...ports].join(', ')}: serving every route on ${listener!.port} (use --port to choose)`);
  }
  const metrics = new PrometheusMetrics();
  const engine = new Engine({ config, logger, metrics, ...(o.store && { store: o.store }) });
  const inFlight = new InFlight();
  // The server logs what it refuses itself (oversized body or head, slow or malformed request).
  const server = createGatewayServer((req, afterAnswer) => engine.handle(req, afterAnswer), DEFAULT_SERVER_LIMITS, { logger, inFlight });
  const port = o.port ?? listener?.port ?? DEFAULT_PORT;
  let address: AddressInfo;
  try {
    address = await listen(server, port, o.host, o.acceptors);
  } catch (error) {
    await o.onStop?.();
    throw inUse(error, port, '--port');
  }
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let admin: AdminServers[];
  try {
    // On loopback whatever --host says: config and status are for this host's operator.
    admin = await startAdmin(
      o.admin,
      '127.0.0.1',
      {
        ready: () => server.listening && !inFlight.draining,
        draining: () => inFlight.draining,
        metrics: () => metrics.metrics(),
        status: () => engine.status(),
        configDump: () => configDump(engine.config),
      },
      logger,
    );
  } catch (error) {
    // Nothing is served half-configured: the gateway's listener goes too, and the process exits.
    server.close();
    server.closeAllConnections();
    await o.onStop?.();
    throw error;
  }
  for (const line of describeConfig(config)) logger.log('info', 'config', line);
  logger.log('info', 'start', `modelgate ${VERSION} serving http://${shown}:${address.port}${listener ? ` (Gateway ${listener.gateway}, listener ${listener.name})` : ''}`);

  const watcher = o.files ? reloading(o.files, engine, logger) : undefined;

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.log('warn', 'stop', `${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.log('info', 'stop', `${signal}: draining, up to ${formatDuration(o.drainMs)} for requests in flight`);
    watcher?.close();
    void inFlight
      .drain(server, o.drainMs, logger)
      .then(async (report) => {
        logger.log('info', 'stop', `drained: ${report.finished} request${report.finished === 1 ? '' : 's'} finished, ${report.ended} ended at the drain timeout; exiting`, {
          ...report,
        });
        await Promise.allSettled([o.onStop?.(), o.store?.close?.(), ...admin.map((a) => a.close())]);
      })
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Watches the files (and SIGHUP) and swaps in each valid change; an invalid one is logged and skipped. */
function reloading(files: readonly string[], engine: Engine, logger: Logger): ConfigWatcher {
  let loaded = '';
  const fingerprint = async () => {
    const hash = createHash('sha256');
    for (const f of files) if (f !== '-') hash.update(await readFile(f).catch(() => Buffer.from('(missing)'))).update('\0');
    return hash.digest('hex');
  };
  void fingerprint().then((f) => (loaded = f));
  const reload = async (why: string) => {
    const seen = await fingerprint();
    if (seen === loaded && why !== 'SIGHUP') return; // a save that changed nothing
    try {
      const { config, warnings } = await loadManifestFiles(files);
      loaded = seen;
      engine.setConfig(config);
      for (const w of warnings) logger.log('warn', 'config_warning', w);
      logger.log(
        'info',
        'config_reload',
        `config reloaded (${why}): ${config.rules.length} route rule${config.rules.length === 1 ? '' : 's'}, ${config.backends.length} backend${config.backends.length === 1 ? '' : 's'}`,
        { rules: config.rules.length, backends: config.backends.length },
      );
      for (const line of describeConfig(config)) logger.log('info', 'config', line);
    } catch (error) {
      loaded = seen; // logged once per change, not on every poll
      if (error instanceof ConfigError) for (const p of error.problems) logger.log('error', 'config_error', p);
      else logger.log('error', 'config_error', (error as Error).message);
      logger.log('error', 'config_error', `the changed config was not loaded (${why}); still serving the last good one`);
    }
  };
  process.on('SIGHUP', () => void reload('SIGHUP'));
  return watchFiles(files, () => reload('file changed'));
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof MissingEnvironment && error.problems.length === 1) {
      // The usual first run: no provider key exported yet. One line, and the way to try it anyway.
      const names = error.variables.join(', ');
      process.stderr.write(
        `modelgate: ${names} ${error.variables.length > 1 ? 'are' : 'is'} not set (${error.files.join(', ')} reads ${error.variables.length > 1 ? 'them' : 'it'} from the environment); export ${error.variables.length > 1 ? 'them' : 'your key'}, or run \`npm run demo\` to try the same gateway against modelgate's simulated provider.\n`,
      );
      process.exitCode = 1;
    } else if (error instanceof ConfigError) {
      for (const p of error.problems) process.stderr.write(`modelgate: ${p}\n`);
      process.exitCode = 1;
    } else if (error instanceof UsageError) {
      process.stderr.write(`modelgate: ${error.message}\n\n${error.usage}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`modelgate: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  },
);
