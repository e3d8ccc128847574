import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessSluice, s3StreamInput, startSluice } from '../support/sluice.ts';

interface Reply {
  status: number;
  type: string | undefined;
  message: string | undefined;
}

/** Sends raw bytes, so the test controls every header and byte a hostile client could. */
function send(
  endpoint: string,
  options: {
    target?: string;
    body?: string | Buffer;
    method?: string;
    path?: string;
    headers?: Record<string, string>;
  },
): Promise<Reply> {
  const url = new URL(options.path ?? '/', endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          ...(options.target ? { 'x-amz-target': `Firehose_20150804.${options.target}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: { __type?: string; message?: string } = {};
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, type: json.__type, message: json.message });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const batch = (records: unknown[]) => JSON.stringify({ DeliveryStreamName: 'hostile', Records: records });

describe('malformed and hostile requests', () => {
  let sluice: InProcessSluice;
  beforeAll(async () => {
    sluice = await startSluice();
    await sluice.runtime.execute('CreateDeliveryStream', s3StreamInput('hostile'));
  });
  afterAll(async () => sluice.close());

  const cases: Array<[string, Parameters<typeof send>[1], number, string]> = [
    [
      'malformed JSON',
      { target: 'PutRecord', body: '{"DeliveryStreamName":' },
      400,
      'SerializationException',
    ],
    ['JSON that is not an object', { target: 'PutRecord', body: '[1,2,3]' }, 400, 'SerializationException'],
    ['a JSON string body', { target: 'PutRecordBatch', body: '"hello"' }, 400, 'SerializationException'],
    ['unknown operation', { target: 'PutRecords', body: '{}' }, 400, 'UnknownOperationException'],
    ['missing X-Amz-Target', { body: '{}' }, 400, 'UnknownOperationException'],
    [
      'another service target',
      { body: '{}', headers: { 'x-amz-target': 'Kinesis_20131202.PutRecord' } },
      400,
      'UnknownOperationException',
    ],
    [
      'GET on the API path',
      { method: 'GET', target: 'ListDeliveryStreams' },
      400,
      'UnknownOperationException',
    ],
    [
      'an unknown path',
      { path: '/../../etc/passwd', target: 'PutRecord', body: '{}' },
      400,
      'UnknownOperationException',
    ],
    [
      'missing stream name',
      { target: 'PutRecord', body: JSON.stringify({ Record: { Data: b64('x') } }) },
      400,
      'ValidationException',
    ],
    [
      'stream name of the wrong type',
      { target: 'PutRecord', body: JSON.stringify({ DeliveryStreamName: 7, Record: { Data: b64('x') } }) },
      400,
      'SerializationException',
    ],
    [
      'stream name with bad characters',
      {
        target: 'PutRecord',
        body: JSON.stringify({ DeliveryStreamName: 'a b/c', Record: { Data: b64('x') } }),
      },
      400,
      'ValidationException',
    ],
    [
      'stream name too long',
      {
        target: 'PutRecord',
        body: JSON.stringify({ DeliveryStreamName: 'a'.repeat(65), Record: { Data: b64('x') } }),
      },
      400,
      'ValidationException',
    ],
    [
      'unknown stream',
      {
        target: 'PutRecord',
        body: JSON.stringify({ DeliveryStreamName: 'nope', Record: { Data: b64('x') } }),
      },
      400,
      'ResourceNotFoundException',
    ],
    [
      'missing Record',
      { target: 'PutRecord', body: JSON.stringify({ DeliveryStreamName: 'hostile' }) },
      400,
      'ValidationException',
    ],
    [
      'missing Data',
      { target: 'PutRecord', body: JSON.stringify({ DeliveryStreamName: 'hostile', Record: {} }) },
      400,
      'ValidationException',
    ],
    [
      'Data that is not base64',
      {
        target: 'PutRecord',
        body: JSON.stringify({ DeliveryStreamName: 'hostile', Record: { Data: 'not base64!!' } }),
      },
      400,
      'SerializationException',
    ],
    [
      'Data with a bad base64 length',
      {
        target: 'PutRecord',
        body: JSON.stringify({ DeliveryStreamName: 'hostile', Record: { Data: 'abcde' } }),
      },
      400,
      'SerializationException',
    ],
    [
      'Data of the wrong type',
      { target: 'PutRecord', body: JSON.stringify({ DeliveryStreamName: 'hostile', Record: { Data: 123 } }) },
      400,
      'SerializationException',
    ],
    [
      'a record over 1,024,000 bytes',
      {
        target: 'PutRecord',
        body: JSON.stringify({
          DeliveryStreamName: 'hostile',
          Record: { Data: b64(Buffer.alloc(1_024_001)) },
        }),
      },
      400,
      'ValidationException',
    ],
    ['an empty batch', { target: 'PutRecordBatch', body: batch([]) }, 400, 'ValidationException'],
    [
      'a batch of 501 records',
      { target: 'PutRecordBatch', body: batch(Array.from({ length: 501 }, () => ({ Data: b64('x') }))) },
      400,
      'ValidationException',
    ],
    [
      'Records not an array',
      {
        target: 'PutRecordBatch',
        body: JSON.stringify({ DeliveryStreamName: 'hostile', Records: { Data: b64('x') } }),
      },
      400,
      'SerializationException',
    ],
    [
      'a batch over 4 MiB',
      {
        target: 'PutRecordBatch',
        body: batch(Array.from({ length: 5 }, () => ({ Data: b64(Buffer.alloc(1_000_000)) }))),
      },
      400,
      'InvalidArgumentException',
    ],
    [
      'one bad record among good ones',
      { target: 'PutRecordBatch', body: batch([{ Data: b64('ok') }, { Data: '%%%%' }]) },
      400,
      'SerializationException',
    ],
    [
      'a record that is null',
      { target: 'PutRecordBatch', body: batch([null]) },
      400,
      'SerializationException',
    ],
    [
      'a body over the size cap',
      { target: 'PutRecordBatch', body: Buffer.alloc(9 * 1024 * 1024, 32) },
      413,
      'RequestEntityTooLargeException',
    ],
    [
      'a Content-Length over the cap',
      { target: 'PutRecordBatch', body: '{}', headers: { 'content-length': String(64 * 1024 * 1024) } },
      413,
      'RequestEntityTooLargeException',
    ],
    [
      'create with an invalid compression enum',
      {
        target: 'CreateDeliveryStream',
        body: JSON.stringify(s3StreamInput('bad-enum', { CompressionFormat: 'SNAPPY' })),
      },
      400,
      'ValidationException',
    ],
    [
      'create with no destination',
      { target: 'CreateDeliveryStream', body: JSON.stringify({ DeliveryStreamName: 'nodest' }) },
      400,
      'InvalidArgumentException',
    ],
    [
      'describe of an unknown stream',
      { target: 'DescribeDeliveryStream', body: JSON.stringify({ DeliveryStreamName: 'ghost' }) },
      400,
      'ResourceNotFoundException',
    ],
    [
      'a prototype-polluting body',
      {
        target: 'PutRecord',
        body: '{"__proto__":{"DeliveryStreamName":"hostile"},"Record":{"Data":"eA=="}}',
      },
      400,
      'ValidationException',
    ],
  ];

  it.each(cases)('%s → %i %s', async (_, options, status, type) => {
    const reply = await send(sluice.endpoint, options);
    expect({ status: reply.status, type: reply.type }).toEqual({ status, type });
    expect(reply.message).toEqual(expect.any(String));
  });

  it('keeps serving after all of them', async () => {
    const reply = await send(sluice.endpoint, {
      target: 'PutRecordBatch',
      body: batch([{ Data: b64('still alive') }]),
    });
    expect(reply.status).toBe(200);
    await sluice.runtime.flush('hostile');
    const status = await sluice.runtime.status();
    expect(status.find((s) => s.name === 'hostile')?.deliveredRecords).toBe(1);
  });
});
