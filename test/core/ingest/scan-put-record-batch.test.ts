import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirehoseApiError } from '../../../lib/core/errors.ts';
import {
  MAX_RECORD_BYTES,
  type PutRequest,
  parsePutRecordBatch,
  ScannedPutRecordBatch,
} from '../../../lib/core/ingest/put-records.ts';
import { scanPutRecordBatch } from '../../../lib/core/ingest/scan-put-record-batch.ts';

/** What the general path makes of a body: the request, or the error Firehose would answer. */
function reference(body: string): PutRequest | { error: string } {
  try {
    return parsePutRecordBatch(JSON.parse(body));
  } catch (error) {
    if (error instanceof FirehoseApiError || error instanceof SyntaxError) return { error: String(error) };
    throw error;
  }
}

function scan(body: string): PutRequest | undefined {
  return scanPutRecordBatch(Buffer.from(body, 'utf8'));
}

const plain = (records: Uint8Array[], name = 'clicks') =>
  JSON.stringify({
    DeliveryStreamName: name,
    Records: records.map((r) => ({ Data: Buffer.from(r).toString('base64') })),
  });

describe('scanPutRecordBatch', () => {
  it('reads the body every SDK sends, equal to the general path', () => {
    const records = [
      Buffer.from('{"a":1}\n'),
      Buffer.alloc(0),
      Buffer.from([0, 255, 128]),
      Buffer.from('xy'),
    ];
    const body = plain(records);
    const scanned = scan(body);
    expect(scanned).toBeDefined();
    expect(scanned).toEqual(reference(body));
    expect(Buffer.from(scanned!.records.data).toString('latin1')).toBe(
      Buffer.concat(records).toString('latin1'),
    );
  });

  it('accepts either key order and any JSON whitespace', () => {
    const body =
      ' {\n\t"Records" : [ { "Data" : "YWJj" } ,{"Data":"ZA=="}\r\n] , "DeliveryStreamName":"s-1.x_"} \n';
    expect(scan(body)).toEqual(reference(body));
    expect(scan(body)?.records.ends).toEqual(new Uint32Array([3, 4]));
  });

  // Each of these must take the general path, which decides the exact error (or, for the unusual but valid
  // ones, the same request).
  it.each([
    ['empty body', ''],
    ['not JSON', '{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]'],
    ['trailing data', '{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]} x'],
    ['an escape in the name', '{"DeliveryStreamName":"s\\u0041","Records":[{"Data":"YQ=="}]}'],
    ['an escaped slash in base64', '{"DeliveryStreamName":"s","Records":[{"Data":"a\\/8="}]}'],
    ['an unknown top-level key', '{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}],"X":1}'],
    ['an unknown record key', '{"DeliveryStreamName":"s","Records":[{"Data":"YQ==","X":1}]}'],
    ['a repeated key', '{"DeliveryStreamName":"s","DeliveryStreamName":"t","Records":[{"Data":"YQ=="}]}'],
    ['no records', '{"DeliveryStreamName":"s","Records":[]}'],
    ['null records', '{"DeliveryStreamName":"s","Records":null}'],
    ['no name', '{"Records":[{"Data":"YQ=="}]}'],
    ['an empty name', '{"DeliveryStreamName":"","Records":[{"Data":"YQ=="}]}'],
    ['a name outside the pattern', '{"DeliveryStreamName":"a b","Records":[{"Data":"YQ=="}]}'],
    ['a name of 65 characters', `{"DeliveryStreamName":"${'n'.repeat(65)}","Records":[{"Data":"YQ=="}]}`],
    ['a number for Data', '{"DeliveryStreamName":"s","Records":[{"Data":1}]}'],
    ['null Data', '{"DeliveryStreamName":"s","Records":[{"Data":null}]}'],
    ['base64 of a bad length', '{"DeliveryStreamName":"s","Records":[{"Data":"YQ="}]}'],
    ['URL-safe base64', '{"DeliveryStreamName":"s","Records":[{"Data":"-_-_"}]}'],
    ['a misplaced pad', '{"DeliveryStreamName":"s","Records":[{"Data":"Y=Q="}]}'],
    ['all padding', '{"DeliveryStreamName":"s","Records":[{"Data":"===="}]}'],
    ['one character and padding', '{"DeliveryStreamName":"s","Records":[{"Data":"Y==="}]}'],
    ['non-ASCII in base64', '{"DeliveryStreamName":"s","Records":[{"Data":"YQé="}]}'],
    ['a record that is not an object', '{"DeliveryStreamName":"s","Records":["YQ=="]}'],
    ['a byte-order mark', '\ufeff{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}'],
  ])('leaves %s to the general path', (_, body) => {
    const scanned = scan(body);
    if (scanned !== undefined) expect(scanned).toEqual(reference(body));
    expect(scanned).toBeUndefined();
  });

  it('leaves batches over the limits to the general path', () => {
    const many = plain(Array.from({ length: 501 }, () => Buffer.from('a')));
    expect(scan(many)).toBeUndefined();
    expect(reference(many)).toHaveProperty('error');
    const big = plain([Buffer.alloc(MAX_RECORD_BYTES + 1)]);
    expect(scan(big)).toBeUndefined();
    expect(reference(big)).toHaveProperty('error');
    const total = plain(Array.from({ length: 5 }, () => Buffer.alloc(MAX_RECORD_BYTES)));
    expect(scan(total)).toBeUndefined();
    expect(reference(total)).toHaveProperty('error');
    const fits = plain([Buffer.alloc(MAX_RECORD_BYTES, 7)]);
    expect(scan(fits)).toEqual(reference(fits));
  });

  it('never disagrees with the general path (property)', () => {
    const record = fc.uint8Array({ maxLength: 64 });
    const body = fc
      .record({
        name: fc.stringMatching(/^[a-zA-Z0-9_.-]{0,66}$/),
        records: fc.array(record, { minLength: 0, maxLength: 20 }),
        nameFirst: fc.boolean(),
        mutate: fc.option(fc.tuple(fc.nat(), fc.constantFrom(...'"\\{}[],:= -_A/+\n\u00e9'.split(''))), {
          nil: undefined,
        }),
      })
      .map(({ name, records, nameFirst, mutate }) => {
        const data = records.map((r) => ({ Data: Buffer.from(r).toString('base64') }));
        const text = JSON.stringify(
          nameFirst
            ? { DeliveryStreamName: name, Records: data }
            : { Records: data, DeliveryStreamName: name },
        );
        if (!mutate) return text;
        const at = mutate[0] % (text.length + 1);
        return text.slice(0, at) + mutate[1] + text.slice(at + 1);
      });
    fc.assert(
      fc.property(body, (text) => {
        const scanned = scan(text);
        const expected = reference(text);
        if (scanned !== undefined) expect(scanned).toEqual(expected);
        else if (!('error' in expected)) {
          // Only unusual-but-valid shapes may take the general path; the plain shape must not.
          expect(text.includes('\\') || !/^\{"(DeliveryStreamName|Records)"/.test(text)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('is accepted by parsePutRecordBatch in place of the parsed JSON', () => {
    const scanned = scan(plain([Buffer.from('a')]))!;
    expect(parsePutRecordBatch(new ScannedPutRecordBatch(scanned))).toBe(scanned);
  });
});
