import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalLambdaInvoker } from '../../lib/adapters/local/lambda-invoker.ts';
import { REPO_ROOT } from '../support/sluice.ts';
import {
  errorLines,
  functionArn,
  lambdaProcessor,
  processingFailedLine,
  processWith,
  runOf,
  streamWith,
  text,
} from './support.ts';

/** examples/transforms/enrich.mjs, the blueprint-style transform of the README, unchanged through the core. */
const invoker = createLocalLambdaInvoker({
  functions: { enrich: { handler: './enrich.mjs#handler' } },
  baseDir: join(REPO_ROOT, 'examples', 'transforms'),
});
afterAll(() => invoker.close());

describe('examples/transforms/enrich.mjs', () => {
  it('enriches and partitions JSON records, drops heartbeats and fails what is not JSON', async () => {
    const processed = await processWith(invoker, streamWith([lambdaProcessor('enrich')]), [
      runOf(['{"customer_id":"c1","n":1}', '{"type":"heartbeat"}', 'not json']),
    ]);
    expect(processed.records).toHaveLength(1);
    const line = text(processed.records[0]!.data);
    expect(line.endsWith('}\n')).toBe(true);
    const enriched = JSON.parse(line);
    expect(Object.keys(enriched)).toEqual(['customer_id', 'n', 'processedAt']);
    expect(enriched).toMatchObject({ customer_id: 'c1', n: 1 });
    expect(Number.isNaN(Date.parse(enriched.processedAt))).toBe(false);
    // The year is the record's arrival (2025-12-31T23:50Z), not the time it is processed (2026-01-01T00:00Z).
    expect(processed.partitionKeys).toEqual([{ partitionKeyFromLambda: { customer: 'c1', year: '2025' } }]);
    expect(errorLines(processed)).toEqual({
      'processing-failed': [
        processingFailedLine({
          rawData: 'not json',
          errorCode: 'Lambda.ProcessingFailedStatus',
          errorMessage: 'ProcessingFailed status set for record',
          attemptsMade: 1,
          lambdaARN: functionArn('enrich'),
        }),
      ],
    });
  });
});
