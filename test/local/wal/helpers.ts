import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { packRecords, type RecordRun, recordAt } from '../../../lib/core/records.ts';
import type { WriteAheadLog } from '../../../lib/local/wal/index.ts';

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

/** One record as the tests see the log: a seq, its run's arrival time and its bytes. */
export interface LoggedRecord {
  seq: number;
  arrivalMs: number;
  data: Uint8Array;
}

export interface Entry {
  arrivalMs: number;
  data: Uint8Array;
}

/** A deterministic entry: its data can be recomputed from n alone. */
export function entry(n: number, sizeBytes = 10 + (n % 37)): Entry {
  return { arrivalMs: 1_700_000_000_000 + n, data: payload(n, sizeBytes) };
}

/** Appends each entry as a run of its own, all in the same tick (so one group commit); flattens the result. */
export async function append(log: WriteAheadLog, entries: readonly Entry[]): Promise<LoggedRecord[]> {
  const runs = await Promise.all(
    entries.map((e) => log.append({ arrivalMs: e.arrivalMs, ...packRecords([e.data]) })),
  );
  return records(runs);
}

/** The records of runs, one by one. */
export function records(runs: readonly RecordRun[]): LoggedRecord[] {
  return runs.flatMap((run) =>
    Array.from(run.ends, (_, i) => ({
      seq: run.firstSeq + i,
      arrivalMs: run.arrivalMs,
      data: recordAt(run, i),
    })),
  );
}

export function payload(n: number, sizeBytes: number): Uint8Array {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) data[i] = (n * 31 + i * 7) & 0xff;
  return data;
}

export function seqs(records: readonly { seq: number }[]): number[] {
  return records.map((r) => r.seq);
}
