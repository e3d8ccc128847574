import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  type CreateDeliveryStreamCommandInput,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  firehoseClient,
  type InProcessSluice,
  listEmbeddedObjects,
  REPO_ROOT,
  startSluice,
} from '../support/sluice.ts';

const TRANSFORMS = join(REPO_ROOT, 'test', 'fixtures', 'transforms');

function streamWith(name: string, processors: unknown[], compression = 'UNCOMPRESSED') {
  return {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: 'arn:aws:iam::000000000000:role/firehose',
      BucketARN: 'arn:aws:s3:::transformed',
      Prefix: `${name}/`,
      ErrorOutputPrefix: `${name}-errors/!{firehose:error-output-type}/`,
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      CompressionFormat: compression,
      ProcessingConfiguration: { Enabled: true, Processors: processors },
    },
  } as CreateDeliveryStreamCommandInput;
}

const lambda = (arn: string) => ({
  Type: 'Lambda',
  Parameters: [
    { ParameterName: 'LambdaArn', ParameterValue: arn },
    { ParameterName: 'NumberOfRetries', ParameterValue: '1' },
  ],
});

describe('processors in the local runtime (spec §5, §6)', () => {
  let sluice: InProcessSluice;

  beforeAll(async () => {
    sluice = await startSluice({
      lambdaFunctions: {
        upper: join(TRANSFORMS, 'upper.mjs#handler'),
        'arn:aws:lambda:us-east-1:000000000000:function:broken': join(TRANSFORMS, 'misbehaving.mjs#throws'),
        garbage: join(TRANSFORMS, 'garbage.mjs#handler'),
        big: join(TRANSFORMS, 'big-output.mjs#handler'),
        hog: join(TRANSFORMS, 'misbehaving.mjs#hogs'),
        exits: join(TRANSFORMS, 'misbehaving.mjs#exits'),
        // The function's own timeout, as a deployed Lambda has one (Firehose waits at most 5 minutes).
        hangs: { handler: join(TRANSFORMS, 'hangs.mjs#handler'), timeoutSeconds: 1 },
      },
    });
  });
  afterAll(() => sluice?.close());

  const deliver = async (stream: string, records: Buffer[]) => {
    await firehoseClient(sluice.endpoint).send(
      new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: records.map((Data) => ({ Data })) }),
    );
    const result = await sluice.runtime.flush(stream, 30_000);
    expect(result.complete).toBe(true);
    return [...(await listEmbeddedObjects(sluice.dataDir, 'transformed'))];
  };

  it('runs a transform Lambda: Ok records replaced, Dropped gone, ProcessingFailed under processing-failed (§4.2)', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(
        streamWith('enriched', [
          lambda('arn:aws:lambda:us-east-1:000000000000:function:upper'),
          { Type: 'AppendDelimiterToRecord' },
        ]),
      ),
    );
    const objects = await deliver(
      'enriched',
      ['ada', 'drop', 'fail', 'bob'].map((r) => Buffer.from(r)),
    );
    const data = objects.filter(([key]) => key.startsWith('enriched/'));
    expect(data.map(([, body]) => body.toString())).toEqual(['ADA|upper|true\nBOB|upper|true\n']);
    const failed = objects.filter(([key]) => key.startsWith('enriched-errors/processing-failed/'));
    expect(failed).toHaveLength(1);
    const document = JSON.parse(failed[0]![1].toString().trim());
    expect(Object.keys(document)).toEqual([
      'rawData',
      'errorCode',
      'errorMessage',
      'attemptsMade',
      'arrivalTimestamp',
      'attemptEndingTimestamp',
      'lambdaARN',
    ]);
    expect(document).toMatchObject({
      errorCode: 'Lambda.ProcessingFailedStatus',
      attemptsMade: 1,
      lambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:upper',
    });
    expect(Buffer.from(document.rawData, 'base64').toString()).toBe('fail');
  });

  it('a throwing function is retried, then its records go to processing-failed and the server keeps serving', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(
        streamWith('broken', [lambda('arn:aws:lambda:us-east-1:000000000000:function:broken')], 'GZIP'),
      ),
    );
    const objects = await deliver('broken', [Buffer.from('x'), Buffer.from('y')]);
    expect(objects.filter(([key]) => key.startsWith('broken/'))).toEqual([]);
    const failed = objects.filter(([key]) => key.startsWith('broken-errors/processing-failed/'));
    expect(failed).toHaveLength(1);
    const documents = gunzipSync(failed[0]![1])
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      documents.map((d) => [Buffer.from(d.rawData, 'base64').toString(), d.errorCode, d.attemptsMade]),
    ).toEqual([
      ['x', 'Lambda.FunctionError', 2],
      ['y', 'Lambda.FunctionError', 2],
    ]);
  });

  it('hostile transforms (garbage, 7 MB answer, memory hog, process.exit, a hang past its timeout): every record under processing-failed, the server keeps serving', async () => {
    const cases = [
      ['garbage', 'Lambda.MissingRecordId', 1],
      ['big', 'Lambda.FunctionError', 2],
      ['hog', 'Lambda.FunctionError', 2],
      ['exits', 'Lambda.FunctionError', 2],
      ['hangs', 'Lambda.FunctionError', 2],
    ] as const;
    const records = ['r1', 'r2', 'r3'];
    for (const [name] of cases) {
      await firehoseClient(sluice.endpoint).send(
        new CreateDeliveryStreamCommand(
          streamWith(`hostile-${name}`, [lambda(`arn:aws:lambda:us-east-1:000000000000:function:${name}`)]),
        ),
      );
    }
    for (const [name, errorCode, attemptsMade] of cases) {
      const objects = await deliver(
        `hostile-${name}`,
        records.map((r) => Buffer.from(r)),
      );
      expect(objects.filter(([key]) => key.startsWith(`hostile-${name}/`))).toEqual([]);
      const documents = objects
        .filter(([key]) => key.startsWith(`hostile-${name}-errors/processing-failed/`))
        .flatMap(([, body]) => body.toString().trim().split('\n'))
        .map((line) => JSON.parse(line));
      // Nothing lost: each acknowledged record is in exactly one error document.
      expect(
        documents.map((d) => [
          Buffer.from(d.rawData, 'base64').toString(),
          d.errorCode,
          d.attemptsMade,
          d.lambdaARN,
        ]),
      ).toEqual(
        records.map((r) => [
          r,
          errorCode,
          attemptsMade,
          `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        ]),
      );
    }
    // Still serving, and a healthy transform still runs.
    const objects = await deliver('enriched', [Buffer.from('after')]);
    expect(
      objects.some(([key, body]) => key.startsWith('enriched/') && body.toString() === 'AFTER|upper|true\n'),
    ).toBe(true);
  });

  it('decompresses CloudWatch Logs subscription payloads and de-aggregates JSON records', async () => {
    await firehoseClient(sluice.endpoint).send(
      new CreateDeliveryStreamCommand(
        streamWith('logs', [
          {
            Type: 'Decompression',
            Parameters: [{ ParameterName: 'CompressionFormat', ParameterValue: 'GZIP' }],
          },
          {
            Type: 'CloudWatchLogProcessing',
            Parameters: [{ ParameterName: 'DataMessageExtraction', ParameterValue: 'true' }],
          },
        ]),
      ),
    );
    const payload = gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '000000000000',
        logGroup: 'app',
        logStream: 's',
        subscriptionFilters: ['f'],
        logEvents: [
          { id: '1', timestamp: 1, message: 'first' },
          { id: '2', timestamp: 2, message: 'second' },
        ],
      }),
    );
    const objects = await deliver('logs', [payload]);
    const data = objects.filter(([key]) => key.startsWith('logs/'));
    expect(data.map(([, body]) => body.toString())).toEqual(['first\nsecond\n']);
  });

  it('refuses invalid processor parameters with Firehose-style messages', async () => {
    await expect(
      firehoseClient(sluice.endpoint).send(
        new CreateDeliveryStreamCommand(
          streamWith('bad', [
            {
              Type: 'Lambda',
              Parameters: [
                {
                  ParameterName: 'LambdaArn',
                  ParameterValue: 'arn:aws:lambda:us-east-1:000000000000:function:upper',
                },
                { ParameterName: 'BufferSizeInMBs', ParameterValue: '9' },
              ],
            },
          ]),
        ),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
  });
});
