import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, loadConfigFile, type SluiceConfig } from '../lib/local/config-file.ts';
import { stderrLogger } from '../lib/local/logger.ts';
import { LocalRuntime } from '../lib/local/runtime.ts';
import { FirehoseServer } from '../lib/local/server.ts';

const USAGE = `Usage:
  sluice start [--host 127.0.0.1] [--port 4573] [--data-dir ./.sluice] [--config sluice.json] [--flush-on-shutdown]
  sluice flush [--stream NAME] [--endpoint http://127.0.0.1:4573]
  sluice status [--endpoint http://127.0.0.1:4573]`;

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
    },
  });
  switch (command) {
    case 'start':
      return start(values);
    case 'flush':
      return admin(
        `${values.endpoint}/_sluice/flush`,
        'POST',
        values.stream ? { stream: values.stream } : {},
      );
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
    if (stopping) return;
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
  const text = await response.text();
  process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  return response.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(1);
  },
);
