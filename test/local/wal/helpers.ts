import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { AppendEntry } from '../../../lib/local/wal/index.ts';

const dirs: string[] = [];

/** A fresh directory removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-wal-'));
  dirs.push(dir);
  return join(dir, 'log');
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A deterministic entry: its data can be recomputed from its id alone. */
export function entry(n: number, sizeBytes = 10 + (n % 37)): AppendEntry {
  return { recordId: `rec-${n}`, arrivalMs: 1_700_000_000_000 + n, data: payload(n, sizeBytes) };
}

export function payload(n: number, sizeBytes: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) data[i] = (n * 31 + i * 7) & 0xff;
  return data;
}

export function seqs(records: readonly { seq: number }[]): number[] {
  return records.map((r) => r.seq);
}
