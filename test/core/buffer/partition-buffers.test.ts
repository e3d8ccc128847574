import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionBuffers, partitionBufferKey } from '../../../lib/core/buffer/partition-buffers.ts';
import type { Partition } from '../../../lib/core/partitioning/index.ts';

const partition = (id: string, arrivals: number[], bytes = 10): Partition => ({
  id,
  partitionKeys: { partitionKeyFromQuery: { k: id } },
  records: arrivals.map((arrivalMs, i) => ({
    data: new Uint8Array(bytes),
    arrivalMs,
    recordId: `${id}.${i}`,
  })),
});

/** The buffer of partition `id` under the configuration most tests use. */
const v1 = (id: string) => partitionBufferKey('1', id);

describe('PartitionBuffers (spec §6: one buffer per partition)', () => {
  it('is due per partition, by its own size or its oldest record, oldest first; all of them on a flush', () => {
    const buffers = new PartitionBuffers<string>({ sizeBytes: 30, intervalSeconds: 60 });
    buffers.add([partition('a/', [1_000]), partition('b/', [5_000, 5_000, 5_000])], 'batch1', '1');
    buffers.add([partition('c/', [2_000])], 'batch2', '1');
    expect(buffers.due(5_000, false)).toEqual([v1('b/')]);
    expect(buffers.due(61_000, false)).toEqual([v1('a/'), v1('b/')]);
    expect(buffers.due(5_000, true)).toEqual([v1('a/'), v1('c/'), v1('b/')]);
    expect(buffers.bufferedRecords).toBe(5);
  });

  it('keeps a partition active from its first record until its object is delivered, even while it refills', () => {
    const buffers = new PartitionBuffers<string>({ sizeBytes: 100, intervalSeconds: 60 });
    buffers.add([partition('a/', [0])], 'batch1', '1');
    const taken = buffers.take(v1('a/'))!;
    expect(taken.batches).toEqual(['batch1']);
    expect([...buffers.activeIds()]).toEqual(['a/']);
    buffers.add([partition('a/', [1])], 'batch2', '1');
    expect(buffers.take(v1('a/'))!.batches).toEqual(['batch2']);
    buffers.delivered('a/');
    expect([...buffers.activeIds()]).toEqual(['a/']);
    buffers.delivered('a/');
    expect([...buffers.activeIds()]).toEqual([]);
    expect(buffers.take(v1('a/'))).toBeUndefined();
  });

  it('buffers one partition apart per configuration (an UpdateDestination), counting it as one active partition', () => {
    const buffers = new PartitionBuffers<string>({ sizeBytes: 100, intervalSeconds: 60 });
    buffers.add([partition('a/', [0])], 'batch1', '1');
    buffers.add([partition('a/', [1]), partition('b/', [1])], 'batch2', '2');
    expect([...buffers.activeIds()].sort()).toEqual(['a/', 'b/']);
    const due = buffers.due(0, true);
    expect(due).toEqual([v1('a/'), partitionBufferKey('2', 'a/'), partitionBufferKey('2', 'b/')]);
    const [old, updated] = [buffers.take(due[0]!)!, buffers.take(due[1]!)!];
    expect([old.id, old.batches, old.records.map((r) => r.arrivalMs)]).toEqual(['a/', ['batch1'], [0]]);
    expect([updated.id, updated.batches, updated.records.map((r) => r.arrivalMs)]).toEqual([
      'a/',
      ['batch2'],
      [1],
    ]);
    buffers.delivered('a/');
    expect([...buffers.activeIds()].sort()).toEqual(['a/', 'b/']);
    buffers.delivered('a/');
    expect([...buffers.activeIds()]).toEqual(['b/']);
  });

  it('adds all of a batch or nothing: a partition whose records cannot be read leaves every buffer as it was', () => {
    const buffers = new PartitionBuffers<string>({ sizeBytes: 100, intervalSeconds: 60 });
    const unreadable = { ...partition('b/', [0]), records: [undefined as never] };
    expect(() => buffers.add([partition('a/', [0]), unreadable], 'batch1', '1')).toThrow(TypeError);
    expect([buffers.bufferedRecords, buffers.activeIds().size, buffers.due(0, true)]).toEqual([0, 0, []]);
  });

  it('hands out every record exactly once, in arrival order, with each contributing batch once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom('a/', 'b/', 'c/'), { maxLength: 8 }), { maxLength: 8 }),
        fc.array(fc.nat(3), { maxLength: 8 }),
        (batches, takes) => {
          const buffers = new PartitionBuffers<number>({ sizeBytes: 1, intervalSeconds: 60 });
          const out = new Map<string, { records: string[]; batches: number[] }>();
          let seq = 0;
          const takeDue = () => {
            for (const key of buffers.due(0, true)) {
              const taken = buffers.take(key)!;
              const id = taken.id;
              const seen = out.get(id) ?? { records: [], batches: [] };
              seen.records.push(...taken.records.map((r) => r.recordId));
              seen.batches.push(...taken.batches);
              out.set(id, seen);
              buffers.delivered(id);
            }
          };
          const expected = new Map<string, string[]>();
          batches.forEach((ids, b) => {
            const byId = new Map<string, Partition>();
            for (const id of ids) {
              const recordId = String(seq++);
              expected.set(id, [...(expected.get(id) ?? []), recordId]);
              const p = byId.get(id) ?? { id, partitionKeys: {}, records: [] };
              p.records.push({ data: new Uint8Array(1), arrivalMs: seq, recordId });
              byId.set(id, p);
            }
            buffers.add([...byId.values()], b, '1');
            if ((takes[b] ?? 0) === 0) takeDue();
          });
          takeDue();
          for (const [id, recordIds] of expected) {
            expect(out.get(id)!.records).toEqual(recordIds);
            const contributing = out.get(id)!.batches;
            expect(new Set(contributing).size).toBe(contributing.length);
          }
          expect(buffers.bufferedRecords).toBe(0);
          expect(buffers.activeIds().size).toBe(0);
        },
      ),
    );
  });
});
