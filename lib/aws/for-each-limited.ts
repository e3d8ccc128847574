/** Parallel single-item requests (DynamoDB writes, S3 puts) of one claim, clean-up or batch. */
export const REQUEST_CONCURRENCY = 16;

/** Runs `task` over `items` with at most `concurrency` in flight; rejects with the first failure. */
export async function forEachLimited<T>(
  items: readonly T[],
  task: (item: T) => Promise<void>,
  concurrency = REQUEST_CONCURRENCY,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
