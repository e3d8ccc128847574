import { describe, expect, it } from 'vitest';
import { convertToParquet } from '../../../lib/core/conversion/index.ts';
import { packRecords } from '../../../lib/core/records.ts';
import { conversionWith, schemaOf } from './helpers.ts';

describe('convertToParquet in a server process', () => {
  it('yields to the event loop while it converts a large batch', async () => {
    const encoder = new TextEncoder();
    const records = Array.from({ length: 40_000 }, (_, i) =>
      encoder.encode(JSON.stringify({ id: i, text: `record number ${i} `.repeat(4), tags: ['a', 'b'] })),
    );
    const batch = packRecords(records);
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await convertToParquet(
      [batch],
      schemaOf({ id: 'int', text: 'string', tags: 'array<string>' }),
      conversionWith(),
    );
    running = false;
    expect(result.rows).toBe(40_000);
    // ~4 MB of input: at least one yield per MiB of input, plus the encoding's.
    expect(batch.data.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });
});
