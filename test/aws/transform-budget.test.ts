import { describe, expect, it } from 'vitest';
import { FlushDeadline } from '../../lib/aws/flush-deadline.ts';
import { STAGING_RESERVE_MS, TransformBudget } from '../../lib/aws/transform-budget.ts';
import type { TransformInvoker } from '../../lib/core/ports.ts';

/** The transform's share of a buffer Lambda run, with the Lambda's remaining time driven by hand. */
describe('TransformBudget', () => {
  const FIVE_MINUTES_MS = 5 * 60_000;

  function setUp(remainingMs: number) {
    const clock = { remainingMs };
    const budget = new TransformBudget(new FlushDeadline('batch', () => clock.remainingMs, 15_000));
    const timeouts: number[] = [];
    const invoker: TransformInvoker = {
      invoke: async (_arn, _payload, timeoutMs) => {
        timeouts.push(timeoutMs);
        return { kind: 'timeout', message: 'no answer' };
      },
    };
    return { clock, budget, timeouts, invoker: budget.bound(invoker) };
  }

  it('gives a call the function timeout while it fits, then what is left before the staging reserve', async () => {
    const { clock, timeouts, invoker } = setUp(15 * 60_000);
    await invoker.invoke('arn', new Uint8Array(), FIVE_MINUTES_MS);
    clock.remainingMs = 15 * 60_000 - 2 * FIVE_MINUTES_MS;
    await invoker.invoke('arn', new Uint8Array(), FIVE_MINUTES_MS);
    expect(timeouts).toEqual([FIVE_MINUTES_MS, 5 * 60_000 - 15_000 - STAGING_RESERVE_MS]);
  });

  it('answers a timed-out attempt without calling once the time is spent', async () => {
    const { clock, timeouts, invoker } = setUp(15 * 60_000);
    clock.remainingMs = 15_000 + STAGING_RESERVE_MS;
    expect(await invoker.invoke('arn', new Uint8Array(), FIVE_MINUTES_MS)).toEqual({
      kind: 'timeout',
      message: 'Not invoked: the time for the transform in this run was spent.',
    });
    expect(timeouts).toEqual([]);
  });

  it('skips a backoff that would outlast the time left, so the attempts after it fail in this run', async () => {
    const { clock, budget } = setUp(15 * 60_000);
    clock.remainingMs = 15_000 + STAGING_RESERVE_MS + 1_000;
    // Resolves at once: a 30 s wait would otherwise hold the test.
    await budget.sleep(30_000);
    expect(budget.leftMs()).toBe(1_000);
  });

  it('keeps a quarter of a short run for staging', () => {
    const { budget } = setUp(55_000);
    expect(budget.leftMs()).toBe(30_000);
  });
});
