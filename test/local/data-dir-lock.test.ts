import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../lib/local/data-dir-lock.ts';
import { tempDir } from '../support/sluice.ts';

describe('data dir lock', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('refuses a data dir held by a running process and takes over a stale lock', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    await writeFile(join(dir.path, 'LOCK'), String(holder.pid));
    await expect(lockDataDir(dir.path)).rejects.toMatchObject({ code: 'DataDirLocked' });

    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    const lock = await lockDataDir(dir.path);
    expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await lock.release();
    await expect(readFile(join(dir.path, 'LOCK'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
