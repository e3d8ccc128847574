import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes creations, renames and unlinks in `dir` durable: on Linux a new file's data can be on disk while
 * its directory entry is not.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` so that a reader (or a crash) sees either the old file or the whole new one:
 * write `tmpPath`, fsync it, rename it over `path`, fsync the directory. `tmpPath` must be on the same
 * filesystem and unique to this write.
 */
export async function replaceFileAtomically(
  path: string,
  data: Uint8Array | readonly Uint8Array[] | string,
  tmpPath: string,
): Promise<void> {
  try {
    const handle = await open(tmpPath, 'wx');
    try {
      if (typeof data === 'string') await handle.writeFile(data);
      else await writeChunksSynced(handle, Array.isArray(data) ? data : piecesOf(data as Uint8Array));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, path);
  } catch (error) {
    await unlink(tmpPath).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Bytes written between two data syncs of a large file. Flushing as we go keeps a 128 MiB object from
 * leaving 128 MiB of dirty pages that the write-ahead log's next fdatasync (same filesystem journal) would
 * have to wait behind, which showed up as latency spikes on producers' puts.
 */
const SYNC_EVERY_BYTES = 8 * 1024 * 1024;
/** writev takes at most IOV_MAX (1024) buffers per call on Linux. */
const MAX_IOVECS = 1024;

/** A single large body (a compressed object) as views of SYNC_EVERY_BYTES, so it is synced as it is written. */
function piecesOf(data: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += SYNC_EVERY_BYTES)
    pieces.push(data.subarray(at, at + SYNC_EVERY_BYTES));
  return pieces;
}

/** Writes `chunks` in order with writev, syncing every SYNC_EVERY_BYTES, without concatenating them. */
async function writeChunksSynced(handle: FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  let group: Uint8Array[] = [];
  let groupBytes = 0;
  let unsyncedBytes = 0;
  const flush = async () => {
    if (group.length === 0) return;
    await handle.writev(group);
    unsyncedBytes += groupBytes;
    group = [];
    groupBytes = 0;
    if (unsyncedBytes >= SYNC_EVERY_BYTES) {
      await handle.datasync();
      unsyncedBytes = 0;
    }
  };
  for (const chunk of chunks) {
    group.push(chunk);
    groupBytes += chunk.byteLength;
    if (group.length === MAX_IOVECS || groupBytes >= SYNC_EVERY_BYTES) await flush();
  }
  await flush();
}
