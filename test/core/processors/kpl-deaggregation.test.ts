import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKplAggregate } from '../../../lib/core/processors/index.ts';
import { encodeKplRecord } from '../../support/kinesalite.ts';

// Cases carried over from the local runtime's former de-aggregator, against the one the Kinesis source now uses.
const hex = (data: Uint8Array) => Buffer.from(data).toString('hex');
const aggregate = (body: Buffer) =>
  Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()]);

describe('KPL de-aggregation against the test encoder (spec §12)', () => {
  it('returns every user record of an aggregate built by the kinesalite helper, in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            partitionKey: fc.string({ minLength: 1, maxLength: 256 }),
            data: fc.uint8Array({ maxLength: 300 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (records) => {
          const out = decodeKplAggregate(encodeKplRecord(records));
          expect(out?.map((r) => [r.partitionKey, hex(r.data)])).toEqual(
            records.map((r) => [r.partitionKey, hex(r.data)]),
          );
        },
      ),
    );
  });

  it('reads explicit hash keys and skips tags', () => {
    // partition_key_table "k", explicit_hash_key_table "123", one record with ehk index 0 and a tag.
    const body = Buffer.from([
      0x0a, 0x01, 0x6b, 0x12, 0x03, 0x31, 0x32, 0x33, 0x1a, 0x0c, 0x08, 0x00, 0x10, 0x00, 0x1a, 0x02, 0x68,
      0x69, 0x22, 0x02, 0x0a, 0x00,
    ]);
    expect(
      decodeKplAggregate(aggregate(body))?.map((r) => [
        r.partitionKey,
        r.explicitHashKey,
        Buffer.from(r.data).toString(),
      ]),
    ).toEqual([['k', '123', 'hi']]);
  });

  it('treats a partition key index past the table as a plain record', () => {
    const body = Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x05, 0x08, 0x01, 0x1a, 0x01, 0x78]);
    expect(decodeKplAggregate(aggregate(body))).toBe(undefined);
  });
});
