import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../core/errors.ts';

/**
 * One process per data dir: two runtimes appending to the same write-ahead logs would corrupt them. The
 * lock file holds the owner's PID; a lock left by a process that no longer runs (kill -9) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const path = join(dataDir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new SluiceError(
          'DataDirLocked',
          `Data dir ${dataDir} is in use by process ${owner}; stop it or choose another --data-dir.`,
        );
      }
      await unlink(path).catch(() => undefined); // stale: its owner is gone
    }
  }
  throw new SluiceError('DataDirLocked', `Cannot lock data dir ${dataDir}.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
