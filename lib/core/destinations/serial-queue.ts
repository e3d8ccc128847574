/**
 * Runs tasks one after another in the order they were queued. Redshift loads a stream's manifests with one COPY
 * at a time (§2.1, §8: the next COPY starts when the previous one finishes); a failed task does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
