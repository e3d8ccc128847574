import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The only key pair s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The slice of s3rver's (untyped, CommonJS) API this helper uses. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>`; use with path-style addressing and {@link S3RVER_CREDENTIALS}. */
  endpoint: string;
  /** s3rver's storage directory (removed by `stop`). */
  dir: string;
  stop(): Promise<void>;
}

/** Starts s3rver on a free loopback port with a fresh temp directory and the given buckets. */
export async function startS3rver(options: { buckets?: string[] } = {}): Promise<RunningS3rver> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const address = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
