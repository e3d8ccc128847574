import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WriteAheadLog } from '../../../lib/local/wal/index.ts';
import { CRASH_SEGMENT_BYTES, crashRecordData, crashRecordId } from './fixtures/crash-records.ts';
import { records, tempDir } from './helpers.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));
const ROUNDS = 10;

interface RoundOutput {
  acked: Map<number, string>;
  /** Marks the child started; the kill may have come before or after they reached the disk. */
  marking: [number, number][];
  /** Marks the child saw complete: those records must never be replayed. */
  done: [number, number][];
}

/**
 * Runs the fixture until it has acknowledged something, lets it run a random while longer, then
 * SIGKILLs it. Node is started directly with the tsx loader (not through `npx tsx`, whose wrapper
 * process would take the signal while the writer lived on).
 */
function runAndKill(dir: string, round: number, killAfterMs: number): Promise<RoundOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killTimer === undefined && stdout.includes('\nack ')) {
        killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(giveUp);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL' || killTimer === undefined) {
        reject(new Error(`fixture ended with code ${code} signal ${signal} before being killed: ${stderr}`));
        return;
      }
      const acked = new Map<number, string>();
      const marking: [number, number][] = [];
      const done: [number, number][] = [];
      // Only complete lines count: a line cut by the kill was never fully reported.
      for (const line of stdout.slice(0, stdout.lastIndexOf('\n')).split('\n')) {
        const [kind, from, to, ids] = line.split(' ');
        if (kind === 'ack') {
          const list = ids!.split(',');
          expect(Number(to) - Number(from) + 1).toBe(list.length);
          for (const [i, id] of list.entries()) acked.set(Number(from) + i, id);
        } else if (kind === 'marking') {
          marking.push([Number(from), Number(to)]);
        } else if (kind === 'done') {
          done.push([Number(from), Number(to)]);
        }
      }
      resolve({ acked, marking, done });
    });
  });
}

describe('WriteAheadLog under kill -9', () => {
  it('replays every acknowledged, undone record with its exact data after each kill', async () => {
    const dir = await tempDir();
    // Acknowledged records with no done mark started: every one must be replayed.
    const pending = new Map<number, string>();
    const doneSeqs = new Set<number>();
    let highestSeen = 0;
    let totalAcked = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = 20 + Math.floor(Math.random() * 400);
      const { acked, marking, done } = await runAndKill(dir, round, killAfterMs);
      expect(acked.size).toBeGreaterThan(0);
      // Seqs are never reused, even for records from earlier rounds that were deleted or torn.
      expect(Math.min(...acked.keys())).toBeGreaterThan(highestSeen);
      totalAcked += acked.size;
      for (const [seq, id] of acked) pending.set(seq, id);
      for (const [from, to] of marking) {
        for (let seq = from; seq <= to; seq++) pending.delete(seq);
      }
      for (const [from, to] of done) {
        for (let seq = from; seq <= to; seq++) doneSeqs.add(seq);
      }

      const opened = await WriteAheadLog.open(dir, { segmentBytes: CRASH_SEGMENT_BYTES });
      const { log } = opened;
      const replayed = records(opened.replayed);
      const replayedSeqs = new Set(replayed.map((r) => r.seq));
      const missing = [...pending.keys()].filter((seq) => !replayedSeqs.has(seq));
      expect({ round, killAfterMs, missing }).toEqual({ round, killAfterMs, missing: [] });
      for (const record of replayed) {
        expect(doneSeqs.has(record.seq)).toBe(false);
        const id = pending.get(record.seq);
        // A replayed record the child never reported was written by a batch whose ack the kill cut off.
        const replayedId = crashRecordId(record.data);
        if (id !== undefined) expect(replayedId).toBe(id);
        expect(Buffer.from(record.data).equals(Buffer.from(crashRecordData(replayedId)))).toBe(true);
        highestSeen = Math.max(highestSeen, record.seq);
      }
      highestSeen = Math.max(highestSeen, ...acked.keys());
      await log.close();
    }
    expect(totalAcked).toBeGreaterThan(ROUNDS);
  }, 120_000);
});
