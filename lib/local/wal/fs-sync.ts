import { open } from 'node:fs/promises';

/**
 * Makes creations, renames and unlinks in `dir` durable: on Linux a new file's data can be on disk
 * while its directory entry is not.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
