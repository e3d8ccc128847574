import { describe, expect, it } from 'vitest';
import { convertToParquet, MAX_ROW_GROUP_DECODED_BYTES } from '../../../lib/core/conversion/index.ts';
import { packRecords } from '../../../lib/core/records.ts';
import { conversionWith, query, save, schemaOf } from './helpers.ts';

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

describe('bounded memory', () => {
  it(`closes row groups at ${MAX_ROW_GROUP_DECODED_BYTES / 1024 / 1024} MiB of decoded values even with the default 256 MiB BlockSizeBytes`, async () => {
    const encoder = new TextEncoder();
    const filler = 'x'.repeat(1000);
    const records = Array.from({ length: 40_000 }, (_, i) =>
      encoder.encode(`{"id":${i},"text":"${filler}"}`),
    );
    const schema = schemaOf({ id: 'int', text: 'string' });
    const conversion = conversionWith();
    expect(conversion.serializer.blockSizeBytes).toBe(256 * 1024 * 1024);
    const result = await convertToParquet([packRecords(records)], schema, conversion);
    const path = save(result.body);
    const groups = await query(
      `select row_group_id, row_group_num_rows::INT as rows from parquet_metadata('${path}') where path_in_schema = 'id' order by 1`,
    );
    // 40k × ~1 kB of text is ~40 MB decoded: three row groups, none above the cap (plus one check interval).
    expect(groups.length).toBe(3);
    expect(groups.reduce((n, g) => n + (g.rows as number), 0)).toBe(40_000);
    for (const g of groups)
      expect((g.rows as number) * 1000).toBeLessThan(MAX_ROW_GROUP_DECODED_BYTES + 64 * 1100);
  });
});
