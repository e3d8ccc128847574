import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deaggregate } from '../../lib/local/kpl-deaggregate.ts';
import { encodeKplRecord } from '../support/kinesalite.ts';

const text = (data: Uint8Array) => Buffer.from(data).toString('hex');

describe('KPL de-aggregation', () => {
  it('returns every sub-record with its partition key, in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            partitionKey: fc.string({ minLength: 1, maxLength: 256 }),
            data: fc.uint8Array({ maxLength: 300 }),
          }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (records) => {
          const out = deaggregate(encodeKplRecord(records))!;
          expect(out.map((r) => [r.partitionKey, text(r.data)])).toEqual(
            records.map((r) => [r.partitionKey, text(r.data)]),
          );
        },
      ),
    );
  });

  it('skips fields it does not use (explicit hash keys, tags)', () => {
    // partition_key_table "k", explicit_hash_key_table "123", one record with ehk index 0 and a tag.
    const body = Buffer.from([
      0x0a, 0x01, 0x6b, 0x12, 0x03, 0x31, 0x32, 0x33, 0x1a, 0x0c, 0x08, 0x00, 0x10, 0x00, 0x1a, 0x02, 0x68,
      0x69, 0x22, 0x02, 0x0a, 0x00,
    ]);
    const md5 = createHash('md5').update(body).digest();
    const record = Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, md5]);
    expect(deaggregate(record)?.map((r) => [r.partitionKey, Buffer.from(r.data).toString()])).toEqual([
      ['k', 'hi'],
    ]);
  });

  it('treats plain records, bad checksums and unparsable bodies as plain records', () => {
    const good = encodeKplRecord([{ partitionKey: 'a', data: Buffer.from('x') }]);
    expect(deaggregate(Buffer.from('{"plain":true}'))).toBe(undefined);
    expect(deaggregate(good.subarray(0, 19))).toBe(undefined);
    const badDigest = Buffer.from(good);
    badDigest[badDigest.length - 1]! ^= 1;
    expect(deaggregate(badDigest)).toBe(undefined);
    // A key index past the table, with a valid checksum.
    const body = Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x05, 0x08, 0x01, 0x1a, 0x01, 0x78]);
    const md5 = createHash('md5').update(body).digest();
    expect(deaggregate(Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, md5]))).toBe(undefined);
  });
});
