import { open, rename, unlink } from 'node:fs/promises';
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
  data: Uint8Array | string,
  tmpPath: string,
): Promise<void> {
  try {
    const handle = await open(tmpPath, 'wx');
    try {
      await handle.writeFile(data);
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
