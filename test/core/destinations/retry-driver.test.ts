import { describe, expect, it } from 'vitest';
import type { AttemptOutcome, DeliveryRecord, RetryPolicy } from '../../../lib/core/destinations/contract.ts';
import { runAttempts } from '../../../lib/core/destinations/retry-driver.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const records: DeliveryRecord[] = [0, 1, 2, 3].map((i) => ({
  recordId: `r${i}`,
  arrivalMs: 1000 + i,
  data: new Uint8Array([i]),
}));
const error = { errorCode: 'X.Failed', errorMessage: 'failed' };
const policy = (windowFrom: RetryPolicy['windowFrom'], maxMs = 120_000): RetryPolicy => ({
  backoff: { baseMs: 1000, maxMs, jitterFraction: 0.15 },
  windowFrom,
});

/** Scripted attempts; each takes `responseMs` of (fake) time. */
function scripted(outcomes: AttemptOutcome[], clock: FakeClock, responseMs = 0) {
  const sent: string[][] = [];
  return {
    sent,
    batch: {
      async attempt(batch: readonly DeliveryRecord[]) {
        sent.push(batch.map((r) => r.recordId));
        clock.advance(responseMs);
        return outcomes.shift() ?? { kind: 'delivered' as const };
      },
      failureFields: (r: DeliveryRecord) => ({ dataId: r.recordId }),
    },
  };
}

function ports(clock: FakeClock, jitter = 0.5) {
  const sleeps: number[] = [];
  return {
    sleeps,
    clock,
    jitter: () => jitter,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  };
}

describe('runAttempts', () => {
  it('backs off 1 s, 2 s, 4 s … with the jitter passed in, capped, and cut to the window', async () => {
    const clock = new FakeClock(0);
    const p = ports(clock, 1); // +15 %
    const s = scripted(Array(20).fill({ kind: 'retry', error }), clock);
    const result = await runAttempts(
      { batch: s.batch, policy: policy('first-failure', 8000), retryDurationSeconds: 30 },
      records,
      p,
    );
    expect(p.sleeps).toEqual([1150, 2300, 4600, 9200, 9200, 3550]);
    expect(result.attempts).toBe(7);
    expect(result.failed.map((f) => [f.record.recordId, f.attemptsMade, f.attemptEndingTimestamp])).toEqual(
      records.map((r) => [r.recordId, 7, 30_000]),
    );
  });

  it('a zero window means exactly one attempt', async () => {
    const clock = new FakeClock(0);
    const s = scripted([{ kind: 'retry', error }], clock);
    const result = await runAttempts(
      { batch: s.batch, policy: policy('first-attempt'), retryDurationSeconds: 0 },
      records,
      ports(clock),
    );
    expect(result.attempts).toBe(1);
    expect(result.failed).toHaveLength(4);
  });

  it('first-attempt windows count response time; an attempt that outlasts the window is not retried (§8)', async () => {
    const clock = new FakeClock(0);
    const s = scripted([{ kind: 'retry', error }], clock, 11_000);
    const p = ports(clock);
    const result = await runAttempts(
      { batch: s.batch, policy: policy('first-attempt'), retryDurationSeconds: 10 },
      records,
      p,
    );
    expect(result.attempts).toBe(1);
    expect(p.sleeps).toEqual([]);
    expect(result.failed[0]!.attemptEndingTimestamp).toBe(11_000);
  });

  it('first-failure windows exclude the time spent waiting for responses (§10.4)', async () => {
    const clock = new FakeClock(0);
    const s = scripted(Array(5).fill({ kind: 'retry', error }), clock, 60_000);
    const p = ports(clock);
    const result = await runAttempts(
      { batch: s.batch, policy: policy('first-failure'), retryDurationSeconds: 5 },
      records,
      p,
    );
    // 1 s + 2 s + 2 s (cut) of waiting, although each response took a minute.
    expect(p.sleeps).toEqual([1000, 2000, 2000]);
    expect(result.attempts).toBe(4);
  });

  it('resends only retriable failed items and delivers the rest; permanent items fail at once', async () => {
    const clock = new FakeClock(0);
    const s = scripted(
      [
        {
          kind: 'retry-partial',
          failures: [
            { index: 1, error, retriable: true },
            {
              index: 2,
              error: { errorCode: '400', errorMessage: 'mapping' },
              retriable: false,
              fields: { dataId: 'x' },
            },
          ],
        },
        { kind: 'delivered' },
      ],
      clock,
    );
    const result = await runAttempts(
      { batch: s.batch, policy: policy('first-attempt'), retryDurationSeconds: 300 },
      records,
      ports(clock),
    );
    expect(s.sent).toEqual([['r0', 'r1', 'r2', 'r3'], ['r1']]);
    expect(result.delivered.map((r) => r.recordId)).toEqual(['r0', 'r1', 'r3']);
    expect(result.failed).toEqual([
      {
        record: records[2],
        errorCode: '400',
        errorMessage: 'mapping',
        attemptsMade: 1,
        attemptEndingTimestamp: 0,
        fields: { dataId: 'x' },
      },
    ]);
  });

  it('give-up fails every pending record without retrying, keeping noErrorOutput', async () => {
    const clock = new FakeClock(5);
    const s = scripted([{ kind: 'give-up', error: { ...error, noErrorOutput: true } }], clock);
    const result = await runAttempts(
      { batch: s.batch, policy: policy('first-failure'), retryDurationSeconds: 300 },
      records,
      ports(clock),
    );
    expect(result.attempts).toBe(1);
    expect(result.failed.map((f) => [f.errorCode, f.noErrorOutput, f.fields])).toEqual(
      records.map((r) => ['X.Failed', true, { dataId: r.recordId }]),
    );
  });

  it('refuses an outcome that names an item outside the attempt', async () => {
    const clock = new FakeClock(0);
    const s = scripted([{ kind: 'retry-partial', failures: [{ index: 9, error, retriable: true }] }], clock);
    await expect(
      runAttempts(
        { batch: s.batch, policy: policy('first-attempt'), retryDurationSeconds: 300 },
        records,
        ports(clock),
      ),
    ).rejects.toMatchObject({ code: 'WriterBug' });
  });
});
