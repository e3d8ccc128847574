import { describe, expect, it } from 'vitest';
import { FlushDeadline, FlushDeadlineError } from '../../lib/aws/flush-deadline.ts';
import type { TransformInvocationResult, TransformInvoker } from '../../lib/core/ports.ts';

function recording(answer: TransformInvocationResult) {
  const timeouts: number[] = [];
  const invoker: TransformInvoker = {
    async invoke(_arn, _payload, timeoutMs) {
      timeouts.push(timeoutMs);
      return answer;
    },
  };
  return { invoker, timeouts };
}

describe('FlushDeadline', () => {
  it('refuses a backoff that would end inside the margin, and sleeps one that ends before it', async () => {
    const deadline = new FlushDeadline('f1', () => 30_100, 30_000);
    await expect(deadline.sleep(100)).rejects.toBeInstanceOf(FlushDeadlineError);
    await expect(deadline.sleep(1)).resolves.toBeUndefined();
  });

  it('caps each transform call at the budget; a cut call stops the flush, the function’s own timeout does not', async () => {
    const deadline = new FlushDeadline('f1', () => 40_000, 30_000);
    const timedOut = recording({ kind: 'timeout', message: 'late' });
    await expect(
      deadline.bound(timedOut.invoker).invoke('arn', new Uint8Array(), 300_000),
    ).rejects.toMatchObject({
      code: 'Sluice.FlushDeadline',
    });
    expect(timedOut.timeouts).toEqual([10_000]);
    // Within the budget, a timeout is the function's: the core counts it as a failed attempt.
    expect(await deadline.bound(timedOut.invoker).invoke('arn', new Uint8Array(), 5_000)).toEqual({
      kind: 'timeout',
      message: 'late',
    });
    const ok = recording({ kind: 'response', payload: new Uint8Array([1]) });
    const past = new FlushDeadline('f1', () => 29_000, 30_000);
    await expect(past.bound(ok.invoker).invoke('arn', new Uint8Array(), 5_000)).rejects.toBeInstanceOf(
      FlushDeadlineError,
    );
    expect(ok.timeouts).toEqual([]);
  });
});
