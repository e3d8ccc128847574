import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The slice of s3rver's (untyped, CommonJS) API this helper uses. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  /** Set by `run()`; undocumented, used only to drop in-flight connections on `stop()`. */
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface RestartableS3rver {
  /** `http://127.0.0.1:<port>`; stays the same across `stop()`/`start()`. */
  endpoint: string;
  dir: string;
  /** Stops listening but keeps the storage directory, so `start()` serves the same objects again. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same directory. */
  start(): Promise<void>;
  /** Stops (if running) and removes the storage directory. */
  destroy(): Promise<void>;
}

/**
 * s3rver that can be taken down and brought back on the same port and directory, to test delivery while the
 * S3 endpoint is unreachable (test/support/s3rver.ts picks a new port and removes the data on stop).
 */
export async function startRestartableS3rver(buckets: string[]): Promise<RestartableS3rver> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'));
  const create = (port: number) =>
    new S3rver({
      address: '127.0.0.1',
      port,
      directory: dir,
      silent: true,
      configureBuckets: buckets.map((name) => ({ name })),
    });
  let running: S3rverInstance | undefined = create(0);
  const { port } = await running.run();

  const stop = async () => {
    const server = running;
    if (!server) return;
    running = undefined;
    const closed = server.close();
    // Keep-alive sockets of the delivering S3 client would otherwise keep the old server reachable.
    server.httpServer?.closeAllConnections();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    stop,
    async start() {
      if (running) return;
      const server = create(port);
      await server.run();
      running = server;
    },
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
