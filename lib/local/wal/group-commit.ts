/**
 * Coalesces concurrent requests into one flush: requests that arrive while a flush is in flight wait
 * and are written together by the next one, so N concurrent producers cost one write + fsync, not N.
 * Each request's promise settles only after the flush that covered it.
 */
export class GroupCommit<Item, Result> {
  private queue: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly flush: (items: Item[]) => Promise<Result[]>) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // Started on a microtask so calls made in the same tick share the first flush too.
      this.running ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Resolves once everything submitted so far has been flushed (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // Each pass takes the whole queue; the loop ends when a flush finds nothing new queued behind it.
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const results = await this.flush(batch.map((b) => b.item));
          for (const [i, b] of batch.entries()) b.resolve(results[i]!);
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
