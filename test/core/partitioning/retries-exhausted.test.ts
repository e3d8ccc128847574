import { describe, expect, it } from 'vitest';
import { errorBodiesOf } from '../../../lib/core/delivery/processing.ts';
import { retriesExhausted } from '../../../lib/core/partitioning/index.ts';
import type { ProcessorRecord } from '../../../lib/core/processors/index.ts';

const record: ProcessorRecord = {
  recordId: 'orders.7',
  arrivalMs: Date.parse('2024-03-05T10:30:00Z'),
  data: new TextEncoder().encode('{"customer":"ada"}'),
};

/** An AWS SDK v3 service error as the S3 client throws it: the error code is the name. */
function sdkError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 403 } });
}

describe('retriesExhausted: a partition object that could not be written within RetryOptions (spec §6, §3.7)', () => {
  it('is a processing-failed record with the SDK error name as S3.<code>, its message and the attempts', () => {
    expect(retriesExhausted(record, sdkError('AccessDenied', 'Access Denied'), 4)).toEqual({
      record,
      errorOutputType: 'processing-failed',
      errorCode: 'S3.AccessDenied',
      errorMessage: 'Access Denied',
      rawData: record.data,
      attemptsMade: 4,
    });
  });

  it('prefers an error code over the name (a Node system error, an S3-compatible store)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(retriesExhausted(record, refused, 1).errorCode).toBe('S3.ECONNREFUSED');
    const slowDown = Object.assign(sdkError('S3ServiceException', 'Please reduce your request rate.'), {
      code: 'SlowDown',
    });
    expect(retriesExhausted(record, slowDown, 2).errorCode).toBe('S3.SlowDown');
  });

  it('is InternalError when the error names no S3 code (a plain Error, a TypeError, a thrown string)', () => {
    expect(retriesExhausted(record, new Error('socket hang up'), 3)).toMatchObject({
      errorCode: 'InternalError',
      errorMessage: 'socket hang up',
    });
    expect(retriesExhausted(record, new TypeError('fetch failed'), 3).errorCode).toBe('InternalError');
    expect(retriesExhausted(record, 'store unavailable', 3)).toMatchObject({
      errorCode: 'InternalError',
      errorMessage: 'store unavailable',
    });
    expect(retriesExhausted(record, undefined, 1)).toMatchObject({
      errorCode: 'InternalError',
      errorMessage: 'undefined',
    });
  });

  it('becomes a §4.2 processing-failed document without lambdaARN', () => {
    const endedMs = Date.parse('2024-03-05T10:36:00Z');
    const bodies = errorBodiesOf([retriesExhausted(record, sdkError('NoSuchBucket', 'gone'), 2)], endedMs);
    expect([...bodies.keys()]).toEqual(['processing-failed']);
    const { body, records } = bodies.get('processing-failed')!;
    expect(records).toBe(1);
    const document = JSON.parse(new TextDecoder().decode(body).trim());
    expect(document).toEqual({
      rawData: Buffer.from('{"customer":"ada"}').toString('base64'),
      errorCode: 'S3.NoSuchBucket',
      errorMessage: 'gone',
      attemptsMade: 2,
      arrivalTimestamp: record.arrivalMs,
      attemptEndingTimestamp: endedMs,
    });
    expect(Object.keys(document)).toEqual([
      'rawData',
      'errorCode',
      'errorMessage',
      'attemptsMade',
      'arrivalTimestamp',
      'attemptEndingTimestamp',
    ]);
  });
});
