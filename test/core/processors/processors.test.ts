import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deaggregateKplRecord,
  deaggregateRecord,
  decodeKplAggregate,
  decompressRecord,
  formatJq16Number,
  md5,
  type ProcessorRecord,
  resolveProcessingConfiguration,
  runRecordStage,
} from '../../../lib/core/processors/index.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const rec = (data: Uint8Array | string, recordId = 'r1'): ProcessorRecord => ({
  data: typeof data === 'string' ? enc.encode(data) : data,
  arrivalMs: 1000,
  recordId,
});
const texts = (records: readonly ProcessorRecord[]) => records.map((r) => dec.decode(r.data));

describe('RecordDeAggregation (spec §6)', () => {
  const json = { subRecordType: 'JSON' } as const;

  it('splits concatenated and newline-delimited JSON objects, dropping the whitespace between them', () => {
    const stage = runRecordStage([rec('{"a":1}{"a":"}{"}\n {"b":[1,{"c":2}]}\n')], (r) =>
      deaggregateRecord(json, r),
    );
    expect(texts(stage.ok)).toEqual(['{"a":1}', '{"a":"}{"}', '{"b":[1,{"c":2}]}']);
    expect(stage.ok.map((r) => r.recordId)).toEqual(['r1.0', 'r1.1', 'r1.2']);
  });

  it('fails a blob that is not JSON objects, with the blob as rawData', () => {
    for (const bad of ['{"a":1}{"a":', '[1,2]', '{"a":1} x', '{"a":tru}', '']) {
      const outcome = deaggregateRecord(json, rec(bad));
      expect(outcome).toMatchObject({ status: 'failed', errorCode: 'RecordDeAggregation.Failed' });
    }
  });

  it('splits on a base64 delimiter and leaves empty pieces out', () => {
    const delimited = { subRecordType: 'DELIMITED', delimiter: Buffer.from('IyMjIw==', 'base64') } as const;
    expect(
      texts(runRecordStage([rec('a####bb########c####')], (r) => deaggregateRecord(delimited, r)).ok),
    ).toEqual(['a', 'bb', 'c']);
  });

  it('passes a blob of more than 500 sub-records on whole (spec §1.3)', () => {
    const blob = '{"i":0}'.repeat(501);
    const outcome = deaggregateRecord(json, rec(blob));
    expect(outcome.status === 'ok' && texts(outcome.records)).toEqual([blob]);
    const fiveHundred = deaggregateRecord(json, rec('{"i":0}'.repeat(500)));
    expect(fiveHundred.status === 'ok' && fiveHundred.records.length).toBe(500);
  });

  it('round-trips: joining objects and splitting them again gives them back', () => {
    const object = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    fc.assert(
      fc.property(
        fc.array(object, { minLength: 2, maxLength: 20 }),
        fc.constantFrom('', '\n', ' \r\n'),
        (objects, sep) => {
          const parts = objects.map((o) => JSON.stringify(o));
          const outcome = deaggregateRecord(json, rec(parts.join(sep)));
          expect(outcome.status === 'ok' && texts(outcome.records)).toEqual(parts);
        },
      ),
    );
  });
});

describe('Decompression and CloudWatchLogProcessing (spec §4.1, §6)', () => {
  const payload = (body: object) => gzipSync(Buffer.from(JSON.stringify(body)));
  const data = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: 'g',
    logStream: 's',
    subscriptionFilters: ['f'],
    logEvents: [
      { id: '1', timestamp: 1, message: 'first' },
      { id: '2', timestamp: 2, message: '{"level":"info"}' },
    ],
  };

  it('decompresses GZIP records', () => {
    const outcome = decompressRecord(
      { compressionFormat: 'GZIP', dataMessageExtraction: false },
      rec(gzipSync('plain')),
    );
    expect(outcome.status === 'ok' && texts(outcome.records)).toEqual(['plain']);
  });

  it('extracts each log event message as its own newline-terminated record', () => {
    const outcome = decompressRecord(
      { compressionFormat: 'GZIP', dataMessageExtraction: true },
      rec(payload(data)),
    );
    expect(outcome.status === 'ok' && texts(outcome.records)).toEqual(['first\n', '{"level":"info"}\n']);
  });

  it('drops CONTROL_MESSAGE payloads', () => {
    const control = {
      messageType: 'CONTROL_MESSAGE',
      logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE' }],
    };
    expect(
      decompressRecord({ compressionFormat: 'GZIP', dataMessageExtraction: true }, rec(payload(control))),
    ).toEqual({
      status: 'dropped',
    });
  });

  it('sends records that do not decompress to decompression-failed still compressed', () => {
    const notGzip = rec('not gzip');
    expect(
      decompressRecord({ compressionFormat: 'GZIP', dataMessageExtraction: true }, notGzip),
    ).toMatchObject({
      status: 'failed',
      errorOutputType: 'decompression-failed',
      errorCode: 'Decompression.Failed',
      rawData: notGzip.data,
    });
    const notCwl = rec(gzipSync('{"messageType":"OTHER"}'));
    expect(
      decompressRecord({ compressionFormat: 'GZIP', dataMessageExtraction: true }, notCwl),
    ).toMatchObject({
      status: 'failed',
      errorOutputType: 'decompression-failed',
      errorCode: 'CloudWatchLogs.InvalidPayload',
      rawData: notCwl.data,
    });
  });
});

// ── KPL (spec §12) ─────────────────────────────────────────────────────────────────────────────────────────────

/** An independent protobuf encoder for the KPL AggregatedRecord, written from the .proto, not from the decoder. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (no: number, bytes: Uint8Array) => [
  ...varint((no << 3) | 2),
  ...varint(bytes.length),
  ...bytes,
];
function kplAggregate(keys: string[], records: Array<{ key: number; data: Uint8Array }>): Uint8Array {
  const body: number[] = [];
  for (const key of keys) body.push(...field(1, enc.encode(key)));
  for (const r of records)
    body.push(...field(3, Uint8Array.from([...varint(1 << 3), ...varint(r.key), ...field(3, r.data)])));
  const bytes = Uint8Array.from(body);
  const digest = createHash('md5').update(bytes).digest();
  return Uint8Array.from([0xf3, 0x89, 0x9a, 0xc2, ...bytes, ...digest]);
}

describe('KPL de-aggregation (spec §12)', () => {
  it('decodes a hand-encoded aggregate', () => {
    // Bytes written out by hand: keys "a","b"; records (key 0, "hi"), (key 1, "yo").
    const body = Uint8Array.from([
      0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62, 0x1a, 0x06, 0x08, 0x00, 0x1a, 0x02, 0x68, 0x69, 0x1a, 0x06, 0x08,
      0x01, 0x1a, 0x02, 0x79, 0x6f,
    ]);
    const record = Uint8Array.from([
      0xf3,
      0x89,
      0x9a,
      0xc2,
      ...body,
      ...createHash('md5').update(body).digest(),
    ]);
    expect(decodeKplAggregate(record)?.map((u) => [u.partitionKey, dec.decode(u.data)])).toEqual([
      ['a', 'hi'],
      ['b', 'yo'],
    ]);
    const kinesis = {
      shardId: 's',
      partitionKey: 'outer',
      approximateArrivalTimestamp: 5,
      sequenceNumber: '77',
      subsequenceNumber: 0,
    };
    const outcome = deaggregateKplRecord({ ...rec(record), kinesisRecordMetadata: kinesis });
    expect(
      outcome.status === 'ok' && outcome.records.map((r) => [r.recordId, r.kinesisRecordMetadata]),
    ).toEqual([
      ['r1.0', { ...kinesis, partitionKey: 'a', subsequenceNumber: 0 }],
      ['r1.1', { ...kinesis, partitionKey: 'b', subsequenceNumber: 1 }],
    ]);
  });

  it('passes plain records, bad checksums and truncated aggregates through unchanged', () => {
    const good = kplAggregate(['k'], [{ key: 0, data: enc.encode('x') }]);
    const badDigest = good.slice();
    badDigest[badDigest.length - 1]! ^= 1;
    for (const data of [enc.encode('plain'), badDigest, good.subarray(0, 10)]) {
      const r = rec(data);
      expect(deaggregateKplRecord(r)).toEqual({ status: 'ok', records: [r] });
    }
  });

  it('round-trips any aggregate built by the independent encoder', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 30 }),
        (keys, entries) => {
          const records = entries.map(([k, data]) => ({ key: k % keys.length, data }));
          const decoded = decodeKplAggregate(kplAggregate(keys, records));
          expect(decoded?.map((u) => [u.partitionKey, [...u.data]])).toEqual(
            records.map((r) => [keys[r.key], [...r.data]]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('md5 matches node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(Buffer.from(md5(bytes)).toString('hex')).toBe(createHash('md5').update(bytes).digest('hex'));
      }),
    );
  });
});

describe('jq 1.6 number formatting', () => {
  it('prints numbers as the jq 1.6 CLI does', () => {
    const numbers = [
      0,
      -0,
      1,
      -1,
      1.5,
      0.1,
      100,
      1e15,
      1e16,
      1e17,
      1.25e16,
      123456789012345680,
      0.0001,
      0.00001,
      1.5e-7,
      1e300,
      12345e20,
      Math.PI,
      1e-100,
      5e-324,
      -2.5e-5,
      2 ** 53,
      1 / 3,
      1e21,
      123.456,
    ];
    const cli = JSON.parse(
      execFileSync('jq', ['-c', 'map(tostring)'], {
        input: `[${numbers.map((n) => (Object.is(n, -0) ? '-0' : String(n))).join(',')}]`,
      }).toString(),
    ) as string[];
    expect(numbers.map(formatJq16Number)).toEqual(cli);
  });
});

describe('ProcessingConfiguration checks', () => {
  const p = (Type: string, params: Record<string, string> = {}) => ({
    Type,
    Parameters: Object.entries(params).map(([ParameterName, ParameterValue]) => ({
      ParameterName,
      ParameterValue,
    })),
  });

  it('resolves processors in Firehose order with defaults', () => {
    const { processors, problems } = resolveProcessingConfiguration({
      Enabled: true,
      Processors: [
        p('AppendDelimiterToRecord'),
        p('MetadataExtraction', { MetadataExtractionQuery: '{a:.a}', JsonParsingEngine: 'JQ-1.6' }),
        p('Lambda', { LambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }),
        p('RecordDeAggregation', { SubRecordType: 'DELIMITED', Delimiter: 'IyMjIw==' }),
      ],
    });
    expect(problems).toEqual([]);
    expect(processors.map((x) => x.type)).toEqual([
      'RecordDeAggregation',
      'Lambda',
      'MetadataExtraction',
      'AppendDelimiterToRecord',
    ]);
    expect(processors[1]).toEqual({
      type: 'Lambda',
      lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      numberOfRetries: 3,
      bufferSizeInMBs: 1,
      bufferIntervalInSeconds: 60,
    });
  });

  it('reports every problem at once, case-sensitively', () => {
    const { problems } = resolveProcessingConfiguration({
      Enabled: true,
      Processors: [
        p('lambda'),
        p('Lambda', {
          LambdaArn: 'f',
          BufferSizeInMBs: '0.1',
          BufferIntervalInSeconds: '901',
          NumberOfRetries: '-1',
        }),
        p('MetadataExtraction', { MetadataExtractionQuery: '{}', JsonParsingEngine: 'JQ-1.5' }),
        p('RecordDeAggregation', { SubRecordType: 'DELIMITED' }),
        p('CloudWatchLogProcessing', { DataMessageExtraction: 'true' }),
        p('AppendDelimiterToRecord', { lambdaArn: 'x' }),
        p('Decompression', { CompressionFormat: 'gzip' }),
      ],
    });
    expect(problems).toEqual([
      'Processors[0].Type lambda is not a valid processor type; use one of RecordDeAggregation, Decompression, CloudWatchLogProcessing, Lambda, MetadataExtraction, AppendDelimiterToRecord.',
      'Processors[1]: BufferSizeInMBs 0.1 is out of range; it must be between 0.2 and 3.',
      'Processors[1]: BufferIntervalInSeconds 901 is out of range; it must be an integer between 0 and 900.',
      'Processors[1]: NumberOfRetries -1 must be a non-negative integer.',
      'Processors[2]: JsonParsingEngine JQ-1.5 is not supported; the only engine is JQ-1.6.',
      'Processors[3]: SubRecordType DELIMITED requires a Delimiter given as non-empty base64 (e.g. IyMjIw== for ####).',
      'Processors[5]: parameter lambdaArn is not valid for processor AppendDelimiterToRecord; it takes no parameters.',
      'Processors[6]: CompressionFormat gzip is not supported; the only value is GZIP.',
    ]);
  });

  it('requires Decompression with CloudWatchLogProcessing and required parameters', () => {
    const { problems } = resolveProcessingConfiguration({
      Enabled: true,
      Processors: [p('CloudWatchLogProcessing', { DataMessageExtraction: 'true' }), p('Lambda')],
    });
    expect(problems).toEqual([
      'Processors[1]: processor Lambda requires parameter LambdaArn.',
      'CloudWatchLogProcessing processor requires a Decompression processor.',
    ]);
  });

  it('uses the Splunk default Lambda buffer and accepts NumberOfRetries beyond the documented range (spec §2.2)', () => {
    const { processors } = resolveProcessingConfiguration(
      { Enabled: true, Processors: [p('Lambda', { LambdaArn: 'f', NumberOfRetries: '9' })] },
      { destination: 'Splunk' },
    );
    expect(processors[0]).toMatchObject({ bufferSizeInMBs: 0.25, numberOfRetries: 9 });
  });
});
