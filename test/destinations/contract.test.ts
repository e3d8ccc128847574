import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationHarness } from './harnesses/harness.ts';
import { jsonRecords, START_MS } from './harnesses/harness.ts';
import { HttpEndpointHarness } from './harnesses/http-endpoint.harness.ts';
import { OpenSearchHarness } from './harnesses/opensearch.harness.ts';
import { RedshiftHarness } from './harnesses/redshift.harness.ts';

/**
 * The destination contract (STYLE.md): every writer, through its real adapter against a real server on 127.0.0.1
 * (a node:http receiver, the OpenSearch stand-in, PostgreSQL 15), with a fake clock so no backoff is waited for.
 */
const harnesses: DestinationHarness[] = [
  new HttpEndpointHarness(),
  new OpenSearchHarness(),
  new RedshiftHarness(),
];

const byId = (docs: Array<Record<string, unknown>>) => [...docs].sort((a, b) => Number(a.id) - Number(b.id));
const expectedDocs = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => ({ id: from + i, name: `name-${from + i}` }));

describe.each(harnesses.map((h) => [h.name, h] as const))('destination contract: %s', (_, harness) => {
  beforeAll(() => harness.start());
  afterAll(() => harness.stop());
  beforeEach(() => harness.reset());

  it('delivers a batch whose records are then readable at the destination', async () => {
    const records = jsonRecords(5);
    const { result, sleeps } = await harness.deliver(records);
    expect(result.failed).toEqual([]);
    expect(result.delivered).toEqual(records);
    expect(result.attempts).toBe(1);
    expect(sleeps).toEqual([]);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(5));
  });

  it('retries a retriable failure with backoff, then delivers each record once', async () => {
    harness.failTransiently(2);
    const records = jsonRecords(4);
    const { result, sleeps } = await harness.deliver(records);
    expect(result.failed).toEqual([]);
    expect(result.delivered).toEqual(records);
    expect(result.attempts).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThanOrEqual(sleeps[0]!);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(4));
  });

  it('gives up on a retriable failure when the retry window closes, returning every record as failed', async () => {
    harness.failTransiently(1000);
    const records = jsonRecords(3);
    const { result, sleeps } = await harness.deliver(records, 600);
    expect(result.delivered).toEqual([]);
    expect(result.failed.map((f) => f.record)).toEqual(records);
    for (const failed of result.failed) {
      expect(failed.errorCode).toBe(harness.transientErrorCode);
      expect(failed.attemptsMade).toBe(result.attempts);
      expect(failed.attemptEndingTimestamp).toBe(START_MS + sleeps.reduce((a, b) => a + b, 0));
    }
    // The waits fill the window exactly: the last attempt starts as it closes.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(600_000);
    expect(await harness.readDelivered()).toEqual([]);
  });

  it('returns permanent failures as failed records with the destination code and fields', async () => {
    const failure = await harness.failPermanently(jsonRecords(3, 101));
    const { result } = await harness.deliver(failure.records, failure.retryDurationSeconds);
    expect(result.delivered).toEqual([]);
    expect(
      result.failed.map((f) => ({
        record: f.record,
        errorCode: f.errorCode,
        attempts: f.attemptsMade,
        fields: f.fields,
      })),
    ).toEqual(
      failure.records.map((record) => ({
        record,
        errorCode: failure.errorCode,
        attempts: failure.attemptsMade,
        fields: failure.fields(record),
      })),
    );
    for (const failed of result.failed) expect(failed.errorMessage.length).toBeGreaterThan(0);
    const ids = (await harness.readDelivered()).map((d) => d.id);
    expect(ids.filter((id) => Number(id) >= 101 || String(id).startsWith('text-'))).toEqual([]);
  });

  it.runIf(harness.partialFailures)('retries only the items that failed', async () => {
    harness.failItems!(2);
    const records = jsonRecords(6);
    const { result } = await harness.deliver(records);
    expect(result.failed).toEqual([]);
    expect(result.attempts).toBe(2);
    expect(harness.itemsPerAttempt!()).toEqual([6, 2]);
    expect(byId(await harness.readDelivered())).toEqual(expectedDocs(6));
  });

  it.runIf(harness.idempotentRetries)(
    'does not duplicate records when a retried request had already landed',
    async () => {
      harness.loseNextAcknowledgement!();
      const records = jsonRecords(5);
      const { result } = await harness.deliver(records);
      expect(result.attempts).toBe(2);
      expect(result.delivered).toEqual(records);
      expect(harness.itemsPerAttempt!()).toEqual([5, 5]);
      expect(byId(await harness.readDelivered())).toEqual(expectedDocs(5));
    },
  );
});
