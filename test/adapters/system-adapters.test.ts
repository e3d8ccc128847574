import { describe, expect, it } from 'vitest';
import { RandomIds } from '../../lib/adapters/local/random-ids.ts';
import { SystemClock } from '../../lib/adapters/local/system-clock.ts';

describe('SystemClock', () => {
  it('reads the wall clock in epoch milliseconds', () => {
    const before = Date.now();
    const now = new SystemClock().nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('RandomIds', () => {
  const ids = new RandomIds();

  it('makes lower-case RFC 4122 version-4 UUIDs', () => {
    const uuids = Array.from({ length: 100 }, () => ids.uuid());
    for (const uuid of uuids)
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(uuids).size).toBe(100);
  });

  it.each([0, 1, 11, 1000])('makes a random string of exactly %i characters from [0-9a-z]', (length) => {
    const text = ids.randomString(length);
    expect(text).toHaveLength(length);
    expect(text).toMatch(/^[0-9a-z]*$/);
  });

  it('rejects a length that is not a non-negative integer', () => {
    expect(() => ids.randomString(-1)).toThrow(RangeError);
    expect(() => ids.randomString(1.5)).toThrow(RangeError);
  });

  it('uses every character about equally often (no modulo bias)', () => {
    // 360,000 draws: each of the 36 characters expects 10,000 (σ ≈ 99). A plain `byte % 36` would give
    // the first four characters ≈ 11,100 each, far outside the ±500 (5σ) band.
    const counts = new Map<string, number>();
    for (const ch of ids.randomString(360_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(9_500);
      expect(count).toBeLessThan(10_500);
    }
  });
});
