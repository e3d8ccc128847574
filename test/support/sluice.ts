import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_CONFIG, type SluiceConfig } from '../../lib/local/config-file.ts';
import { silentLogger } from '../../lib/local/logger.ts';
import { LocalRuntime, type LocalRuntimeOptions } from '../../lib/local/runtime.ts';
import { FirehoseServer } from '../../lib/local/server.ts';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export interface InProcessSluice {
  endpoint: string;
  dataDir: string;
  runtime: LocalRuntime;
  close(): Promise<void>;
}

/** Starts the local runtime and its HTTP server in this process on 127.0.0.1, port 0, with a temp data dir. */
export async function startSluice(
  config: Partial<SluiceConfig> = {},
  options: Partial<LocalRuntimeOptions> = {},
): Promise<InProcessSluice> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sluice-test-')));
  const fullConfig: SluiceConfig = { ...DEFAULT_CONFIG, streamActivationDelayMs: 0, ...config };
  const runtime = await LocalRuntime.start({ dataDir, config: fullConfig, logger: silentLogger, ...options });
  const server = new FirehoseServer(runtime, {
    host: '127.0.0.1',
    port: 0,
    accessKeys: fullConfig.accessKeys,
    logger: silentLogger,
  });
  const endpoint = await server.listen();
  return {
    endpoint,
    dataDir,
    runtime,
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}

export function firehoseClient(
  endpoint: string,
  credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
) {
  return new FirehoseClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

/** A minimal ExtendedS3 CreateDeliveryStream input. */
export function s3StreamInput(name: string, destination: Record<string, unknown> = {}) {
  return {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/firehose',
      BucketARN: 'arn:aws:s3:::test-bucket',
      ...destination,
    },
  };
}

/** Every object in the embedded store, as { key: bytes }, keys relative to the bucket. */
export async function listEmbeddedObjects(dataDir: string, bucket: string): Promise<Map<string, Buffer>> {
  const root = join(dataDir, 's3', bucket);
  const out = new Map<string, Buffer>();
  async function walk(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      if ((await stat(path)).isDirectory()) await walk(path);
      else out.set(relative(root, path), await readFile(path));
    }
  }
  await walk(root);
  return out;
}

export interface ChildSluice {
  endpoint: string;
  child: ChildProcess;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `sluice start` as a child process (the real CLI) and waits for its endpoint line. */
export async function spawnSluice(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildSluice> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'sluice.cjs'), 'start', '--port', '0', ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`sluice did not start in time: ${stderr}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited with ${code} before listening: ${stderr}`));
    });
  });
  return {
    endpoint,
    child,
    stderr: () => stderr,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function tempDir(prefix = 'sluice-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
