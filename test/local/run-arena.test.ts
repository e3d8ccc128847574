import { describe, expect, it } from 'vitest';
import { packRecords } from '../../lib/core/records.ts';
import { RunArena, SLAB_BYTES } from '../../lib/local/run-arena.ts';

const records = (bytes: number, fill: number) => packRecords([new Uint8Array(bytes).fill(fill)]);

describe('RunArena', () => {
  it('copies runs into slabs and reuses a slab only once everything in it is delivered', () => {
    const arena = new RunArena(64 * 1024 * 1024);
    const half = SLAB_BYTES / 2;
    const a = arena.copy(records(half, 1));
    const b = arena.copy(records(half, 2));
    expect(b.slab).toBe(a.slab);
    arena.appended(a.slab, 10);
    arena.appended(b.slab, 20);
    const c = arena.copy(records(half, 3)); // does not fit: a second slab
    expect(c.slab).not.toBe(a.slab);
    arena.appended(c.slab, 30);

    arena.release(10); // b (seq 20) still undelivered: the first slab is kept
    const d = arena.copy(records(half, 4));
    arena.appended(d.slab, 40);
    expect(Array.from(b.records.data.subarray(0, 3))).toEqual([2, 2, 2]);
    expect(arena.heldBytes).toBe(2 * SLAB_BYTES);

    arena.release(20); // the first slab is free and becomes the next slab
    const e = arena.copy(records(half, 5));
    expect(e.slab?.buffer).toBe(a.slab?.buffer);
    expect(arena.heldBytes).toBe(2 * SLAB_BYTES);
  });

  it('does not release a slab while an append into it is pending, and frees abandoned copies', () => {
    const arena = new RunArena(64 * 1024 * 1024);
    const a = arena.copy(records(SLAB_BYTES, 1));
    const b = arena.copy(records(10, 2)); // a is full: b starts a new slab, a is retired but pending
    arena.release(1_000);
    expect(b.slab).not.toBe(a.slab);
    const c = arena.copy(records(SLAB_BYTES, 3)); // b's slab is retired too
    expect(arena.heldBytes).toBe(3 * SLAB_BYTES);
    arena.abandoned(a.slab);
    arena.appended(b.slab, 5);
    arena.appended(c.slab, 6);
    arena.release(6);
    expect(arena.heldBytes).toBe(3 * SLAB_BYTES); // two spares and the current slab
    expect(arena.copy(records(10, 4)).slab?.buffer).toBe(c.slab?.buffer); // current slab started over
  });

  it('leaves a run larger than a slab in its own buffer', () => {
    const arena = new RunArena(64 * 1024 * 1024);
    const big = records(SLAB_BYTES + 1, 9);
    const held = arena.copy(big);
    expect(held.slab).toBeUndefined();
    expect(held.records).toBe(big);
  });
});
