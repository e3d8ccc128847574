import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, loadConfigFile, type SluiceConfig } from '../lib/local/config-file.ts';
import { stderrLogger } from '../lib/local/logger.ts';
import { LocalRuntime } from '../lib/local/runtime.ts';
import { FirehoseServer } from '../lib/local/server.ts';

const USAGE = `Usage:
  sluice start [--host 127.0.0.1] [--port 4573] [--data-dir ./.sluice] [--config sluice.json] [--flush-on-shutdown]
  sluice flush [--stream NAME] [--timeout 30] [--endpoint http://127.0.0.1:4573]
  sluice status [--endpoint http://127.0.0.1:4573]
  sluice replay --stream NAME --from s3://bucket/prefix/ [--endpoint http://127.0.0.1:4573]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4573' },
      'data-dir': { type: 'string', default: './.sluice' },
      config: { type: 'string' },
      'flush-on-shutdown': { type: 'boolean', default: false },
      stream: { type: 'string' },
      endpoint: { type: 'string', default: 'http://127.0.0.1:4573' },
      'log-level': { type: 'string', default: 'info' },
      timeout: { type: 'string', default: '30' },
      from: { type: 'string' },
    },
  });
  switch (command) {
    case 'start':
      return start(values);
    case 'flush':
      return admin(`${values.endpoint}/_sluice/flush`, 'POST', {
        ...(values.stream ? { stream: values.stream } : {}),
        timeoutSeconds: Number(values.timeout),
      });
    case 'replay':
      if (!values.stream || !values.from) {
        process.stderr.write(`replay needs --stream and --from\n${USAGE}\n`);
        return 2;
      }
      return admin(`${values.endpoint}/_sluice/replay`, 'POST', { stream: values.stream, from: values.from });
    case 'status':
      return admin(`${values.endpoint}/_sluice/status`, 'GET');
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

async function start(values: Record<string, string | boolean | undefined>): Promise<number> {
  const logger = stderrLogger(values['log-level'] as 'info');
  const config: SluiceConfig = values.config ? await loadConfigFile(String(values.config)) : DEFAULT_CONFIG;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port} is not a port`);
  // A bug in one stream's background work must not take every stream down with it. Acknowledged records are
  // in the write-ahead log either way; log loudly and keep serving.
  process.on('unhandledRejection', (reason) => {
    logger.log('error', 'unhandled rejection (a Sluice bug; please report it)', { error: String(reason) });
  });
  const runtime = await LocalRuntime.start({ dataDir: String(values['data-dir']), config, logger });
  let server: FirehoseServer;
  try {
    server = new FirehoseServer(runtime, {
      host: String(values.host),
      port,
      accessKeys: config.accessKeys,
      logger,
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const url = await server.listen();
  process.stdout.write(`Sluice is listening on ${url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // Every acknowledged record is already in the write-ahead log, so leaving without the flush loses nothing.
      logger.log('warn', `second ${signal}: stopping without waiting for the flush`);
      process.exit(130);
    }
    stopping = true;
    logger.log('info', `${signal} received, shutting down`);
    await server.close();
    await runtime.close({ flush: Boolean(values['flush-on-shutdown']) });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return new Promise<number>(() => {}); // runs until a signal arrives
}

async function admin(url: string, method: 'GET' | 'POST', body?: unknown): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    process.stderr.write(
      `Cannot reach Sluice at ${url}: ${(error as Error).message}. Is \`sluice start\` running?\n`,
    );
    return 1;
  }
  const result = (await response.json()) as { complete?: boolean };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.complete === false)
    process.stderr.write('sluice: flush timed out; see "stalled" and "lastError".\n');
  return response.ok && result.complete !== false ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(1);
  },
);
