/**
 * `modelgate`: the command line.
 *   modelgate serve -f FILE [-f FILE ...] [--port N] [--host H] [--log-format text|json]
 *   modelgate demo [--port N]          the tutorial against the simulated provider
 *   modelgate validate -f FILE ...     check manifests, print what would be served
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadManifestFiles, MissingEnvironment } from './config/manifests.js';
import { describeConfig } from './config/describe.js';
import { ConfigError } from './model/compile.js';
import type { CompiledConfig } from './model/config.js';
import { Engine } from './engine/engine.js';
import { batchedStderr, createLogger, type LogFormat, type Logger } from './engine/log.js';
import { createGatewayServer, DEFAULT_SERVER_LIMITS, listen } from './http/node-server.js';
import { startSimulator } from './simulator/server.js';
import type { EvictionStore } from './state/store.js';
import { unknownFakeModels } from './simulator/faults.js';

const VERSION = '0.1.0';
const DEFAULT_PORT = 8080;
const SIMULATOR_PORT = 8788;

const USAGE = `modelgate ${VERSION}: an AI gateway with group-ordered multi-model failover

Usage:
  modelgate serve -f FILE [-f FILE ...] [--port N] [--host H] [--log-format text|json]
                  [--state-table NAME [--create-table]] [--state-staleness-ms N]
  modelgate validate -f FILE [-f FILE ...]
  modelgate demo [--port N] [--log-format text|json]

serve     loads Kubernetes-style YAML (Gateway, HTTPRoute, AgentgatewayBackend, AgentgatewayPolicy,
          Secret; -f - reads stdin; \${NAME} in values is read from the environment) and serves the
          routes on the Gateway listener's port (or --port) on --host (default 127.0.0.1).
          --state-table keeps eviction state in that DynamoDB table (endpoint and region from
          AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL and AWS_REGION), shared with every other
          process or Lambda on the table; --create-table creates it when missing.
validate  checks the manifests and prints what serve would serve, then exits.
demo      serves examples/tutorial-failover.demo.yaml against modelgate's simulated provider, which
          answers 404 for the tutorial's FAKE model and answers other models: no key needed.
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'log-format': { type: 'string' },
      'state-table': { type: 'string' },
      'create-table': { type: 'boolean' },
      'state-staleness-ms': { type: 'string' },
    },
    strict: true,
  });
  const format = (values['log-format'] ?? 'text') as LogFormat;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--log-format must be text or json, not ${format}`);
  const logger = createLogger(format, batchedStderr());
  const port = values.port === undefined ? undefined : parsePort(values.port, '--port');
  const host = values.host ?? '127.0.0.1';

  switch (command) {
    case 'serve':
    case 'validate': {
      const files = values.file ?? [];
      if (files.length === 0) throw new UsageError(`${command} needs at least one -f FILE`);
      const { config, warnings } = await loadManifestFiles(files);
      for (const w of warnings) logger.log('warn', 'config_warning', w);
      if (command === 'validate') {
        for (const line of describeConfig(config)) process.stdout.write(`${line}\n`);
        process.stdout.write(`${files.join(', ')}: valid\n`);
        return 0;
      }
      const store = await stateStore(values, logger);
      await serve(config, logger, host, port, store);
      return -1;
    }
    case 'demo': {
      // The demo manifest names this port, as the tutorial's manifests would name a real host.
      const simulator = await startSimulator({ port: SIMULATOR_PORT, faults: unknownFakeModels });
      logger.log('info', 'simulator', `simulated provider on ${simulator.url}: answers 404 for *-FAKE models, and answers every other model`);
      const demoFile = new URL('../examples/tutorial-failover.demo.yaml', import.meta.url);
      const { config, warnings } = await loadManifestFiles([fileURLToPath(demoFile)]);
      for (const w of warnings) logger.log('warn', 'config_warning', w);
      await serve(config, logger, host, port);
      return -1;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/** Memory by default; `--state-table` shares eviction state through DynamoDB, as Lambda instances do. */
async function stateStore(values: { 'state-table'?: string; 'create-table'?: boolean; 'state-staleness-ms'?: string }, logger: Logger): Promise<EvictionStore | undefined> {
  const table = values['state-table'];
  if (!table) {
    if (values['create-table']) throw new UsageError('--create-table needs --state-table NAME');
    return undefined;
  }
  const staleness = values['state-staleness-ms'] === undefined ? undefined : Number(values['state-staleness-ms']);
  if (staleness !== undefined && !(staleness >= 0)) throw new UsageError('--state-staleness-ms must be a number of milliseconds');
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

async function serve(config: CompiledConfig, logger: Logger, host: string, port: number | undefined, store?: EvictionStore): Promise<void> {
  const listener = config.listeners[0];
  const ports = new Set(config.listeners.map((l) => l.port));
  if (port === undefined && ports.size > 1) {
    logger.log('warn', 'config_warning', `listeners on ports ${[...ports].join(', ')}: serving every route on ${listener!.port} (use --port to choose)`);
  }
  const engine = new Engine({ config, logger, ...(store && { store }) });
  // The server logs what it refuses itself (oversized body or head, slow or malformed request).
  const server = createGatewayServer((req) => engine.handle(req), DEFAULT_SERVER_LIMITS, { logger });
  const address = await listen(server, port ?? listener?.port ?? DEFAULT_PORT, host);
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  for (const line of describeConfig(config)) logger.log('info', 'config', line);
  logger.log('info', 'start', `modelgate ${VERSION} serving http://${shown}:${address.port}${listener ? ` (Gateway ${listener.gateway}, listener ${listener.name})` : ''}`);
  const stop = () => {
    logger.log('info', 'stop', 'shutting down');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function parsePort(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number (0-65535), not ${text}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof MissingEnvironment && error.problems.length === 1) {
      // The usual first run: no provider key exported yet. One line, and the way to try it anyway.
      const names = error.variables.join(', ');
      process.stderr.write(`modelgate: ${names} ${error.variables.length > 1 ? 'are' : 'is'} not set (${error.files.join(', ')} reads ${error.variables.length > 1 ? 'them' : 'it'} from the environment); export ${error.variables.length > 1 ? 'them' : 'your key'}, or run \`npm run demo\` to try the same gateway against modelgate's simulated provider.\n`);
      process.exitCode = 1;
    } else if (error instanceof ConfigError) {
      for (const p of error.problems) process.stderr.write(`modelgate: ${p}\n`);
      process.exitCode = 1;
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`modelgate: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`modelgate: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  },
);
