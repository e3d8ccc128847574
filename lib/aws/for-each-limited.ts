/** Parallel single-item requests (DynamoDB writes, S3 puts) of one claim, clean-up or batch. */
export const REQUEST_CONCURRENCY = 16;

/**
 * Runs `task` over `items` with at most `concurrency` in flight; rejects with the first failure, and no item is
 * started after it (the tasks in flight finish). Callers whose steps must not go on past a failure (a claim that
 * would keep moving chunks into a flush left in `claiming`) rely on that; callers that want every item tried
 * catch inside `task`.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  task: (item: T) => Promise<void>,
  concurrency = REQUEST_CONCURRENCY,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await task(items[next++]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
