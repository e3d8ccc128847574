import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resolveCreateInput, toResolvedStream } from '../../../lib/core/config/resolve-stream.ts';
import { processForWriter } from '../../../lib/core/delivery/writer-processing.ts';
import { packRecords, type RecordRun } from '../../../lib/core/records.ts';
import { BUCKET, ctx, ROLE } from '../config/fixtures.ts';
import { fakeIds } from '../s3/fake-ids.ts';

/** An HTTP endpoint stream, with or without Decompression + CloudWatchLogProcessing (spec §6 lets a writer run them). */
function httpStream(withProcessors: boolean) {
  const input = {
    DeliveryStreamName: 'hook',
    HttpEndpointDestinationConfiguration: {
      EndpointConfiguration: { Url: 'https://collector.example.com' },
      RoleARN: ROLE,
      S3Configuration: {
        RoleARN: ROLE,
        BucketARN: BUCKET,
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      },
      ...(withProcessors
        ? {
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [
                {
                  Type: 'Decompression',
                  Parameters: [{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }],
                },
                {
                  Type: 'CloudWatchLogProcessing',
                  Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
                },
              ],
            },
          }
        : {}),
    },
  };
  return toResolvedStream(resolveCreateInput(input, ctx), ctx);
}

const logs = (...messages: string[]) =>
  gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      logEvents: messages.map((message, i) => ({ id: String(i), timestamp: i, message })),
    }),
  );

/** Two runs of a flush whose positions start at 0, as an AWS flush numbers them. */
function batch(records: Uint8Array[][]): RecordRun[] {
  let firstSeq = 0;
  return records.map((run) => {
    const packed = { ...packRecords(run), arrivalMs: ctx.nowMs, firstSeq };
    firstSeq += run.length;
    return packed;
  });
}

const ports = (recordIdPrefix?: string) => ({
  ids: fakeIds(),
  nowMs: ctx.nowMs,
  ...(recordIdPrefix ? { recordIdPrefix } : {}),
  processing: { clock: { nowMs: () => ctx.nowMs }, sleep: async () => {}, jitter: () => 0 },
});

const ids = (records: Array<{ recordId: string }>) => records.map((r) => r.recordId);

describe('processForWriter record IDs (spec §5, §9: stable document IDs)', () => {
  const plain = batch([[Buffer.from('{"a":1}')], [Buffer.from('{"a":2}'), Buffer.from('{"a":3}')]]);

  it('without processors: the stream name and position by default, the given prefix otherwise', async () => {
    const stream = httpStream(false);
    expect(ids((await processForWriter(plain, stream, ports())).records)).toEqual([
      'hook.0',
      'hook.1',
      'hook.2',
    ]);
    expect(ids((await processForWriter(plain, stream, ports('flush-7'))).records)).toEqual([
      'flush-7.0',
      'flush-7.1',
      'flush-7.2',
    ]);
  });

  it('with processors: the same prefix, and `.<index>` for each log event of a record that holds several', async () => {
    const stream = httpStream(true);
    const cloudWatch = batch([[logs('x', 'y')], [logs('z'), Buffer.from('not gzip')]]);
    const processed = await processForWriter(cloudWatch, stream, ports('flush-7'));
    expect(ids(processed.records)).toEqual(['flush-7.0.0', 'flush-7.0.1', 'flush-7.1']);
    expect(processed.records.map((r) => Buffer.from(r.data).toString())).toEqual(['x\n', 'y\n', 'z\n']);
    // The record that is not gzip: one decompression-failed document under the S3Configuration's error prefix.
    expect(processed.errorObjects.map((o) => [o.role, o.records, o.put.key.split('/')[1]])).toEqual([
      ['ErrorOutput', 1, 'decompression-failed'],
    ]);
    // Processed again (a re-drive), the IDs are the same.
    expect(ids((await processForWriter(cloudWatch, stream, ports('flush-7'))).records)).toEqual(
      ids(processed.records),
    );
  });
});
