import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WriteAheadLog } from '../../../lib/local/wal/index.ts';
import { append, entry, type LoggedRecord, records, tempDir } from './helpers.ts';

type Command =
  | { kind: 'append'; sizes: number[] }
  | { kind: 'markDone'; picks: boolean[]; reverse: boolean }
  | { kind: 'restart' }
  | { kind: 'crash' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      sizes: fc.array(fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(20_000)), {
        minLength: 1,
        maxLength: 6,
      }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('markDone' as const),
      picks: fc.array(fc.boolean(), { maxLength: 60 }),
      reverse: fc.boolean(),
    }),
    weight: 3,
  },
  { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'crash' as const }), weight: 1 },
);

/** Consecutive picked seqs become one inclusive range. */
function toRanges(picked: number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const seq of picked) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === seq - 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}

describe('WriteAheadLog model', () => {
  it('never loses an undone record and never replays a done one across restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { maxLength: 25 }),
        fc.integer({ min: 150, max: 2000 }),
        async (commands, segmentBytes) => {
          const dir = await tempDir();
          const acked = new Map<number, LoggedRecord>();
          const done = new Set<number>();
          const abandoned: WriteAheadLog[] = [];
          let maxSeq = 0;
          let n = 0;
          let { log } = await WriteAheadLog.open(dir, { segmentBytes });

          const checkReplay = (replayed: LoggedRecord[]) => {
            const expected = [...acked.keys()].filter((s) => !done.has(s)).sort((a, b) => a - b);
            expect(replayed.map((r) => r.seq)).toEqual(expected);
            for (const r of replayed)
              expect(Buffer.from(r.data).equals(Buffer.from(acked.get(r.seq)!.data))).toBe(true);
            expect(log.stats().pendingRecords).toBe(expected.length);
          };

          try {
            for (const cmd of commands) {
              if (cmd.kind === 'append') {
                const records = await append(
                  log,
                  cmd.sizes.map((size) => entry(n++, size)),
                );
                for (const r of records) {
                  expect(r.seq).toBe(maxSeq + 1);
                  maxSeq = r.seq;
                  acked.set(r.seq, r);
                }
              } else if (cmd.kind === 'markDone') {
                // Picks may include records already done, even in deleted segments: marking is idempotent.
                const all = [...acked.keys()].sort((a, b) => a - b);
                const picked = all.filter((_, i) => cmd.picks[i % Math.max(1, cmd.picks.length)] === true);
                const ranges = toRanges(picked);
                await log.markDone(cmd.reverse ? ranges.reverse() : ranges);
                for (const s of picked) done.add(s);
              } else {
                if (cmd.kind === 'restart') await log.close();
                else abandoned.push(log);
                const opened = await WriteAheadLog.open(dir, { segmentBytes });
                log = opened.log;
                checkReplay(records(opened.replayed));
              }
            }
            const final = await WriteAheadLog.open(dir, { segmentBytes });
            await log.close();
            log = final.log;
            checkReplay(records(final.replayed));
            const next = await append(log, [entry(n++, 1)]);
            expect(next[0]!.seq).toBe(maxSeq + 1);
          } finally {
            await log.close();
            for (const old of abandoned) await old.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
