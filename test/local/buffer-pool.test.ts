import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../lib/local/buffer-pool.ts';

describe('BufferPool', () => {
  it('hands out buffers of at least the size asked, reusing what was given back', () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.take(10);
    expect(a.byteLength).toBe(1024);
    const big = pool.take(5000);
    expect(big.byteLength).toBe(5000);
    pool.give(a);
    pool.give(big);
    expect(pool.take(2000)).toBe(big);
    expect(pool.take(100)).toBe(a);
    expect(pool.take(100)).not.toBe(a);
  });

  it('keeps at most maxKept buffers', () => {
    const pool = new BufferPool(16, 1);
    const [a, b] = [pool.take(1), pool.take(1)];
    pool.give(a);
    pool.give(b);
    expect(pool.take(1)).toBe(a);
    const next = pool.take(1);
    expect(next).not.toBe(a);
    expect(next).not.toBe(b);
  });
});
