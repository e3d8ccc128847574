import type { ObjectStore, PutObjectInput } from '../../lib/core/ports.ts';

export interface PutCall {
  bucket: string;
  key: string;
  atMs: number;
  ok: boolean;
}

export interface FailingStoreOptions {
  /** How many matching puts fail before they start succeeding. */
  failures: number;
  /** Which puts can fail (default: all). */
  matches?: (input: PutObjectInput) => boolean;
  /**
   * Write the object before failing, as when the response to a successful PUT is lost (a timeout after the
   * write): a retry must overwrite the same key, not add a second object.
   */
  writeBeforeFailing?: boolean;
  /** The error thrown; default an S3-like InternalError. */
  error?: () => Error;
}

/**
 * An ObjectStore in front of a real one (usually FsObjectStore) that fails the first N matching puts, and
 * records every call so tests can check what was retried and when.
 */
export class FailingStore implements ObjectStore {
  readonly calls: PutCall[] = [];
  private remaining: number;

  constructor(
    private readonly inner: ObjectStore,
    private readonly options: FailingStoreOptions,
  ) {
    this.remaining = options.failures;
  }

  async putObject(input: PutObjectInput): Promise<void> {
    const call: PutCall = { bucket: input.bucket, key: input.key, atMs: Date.now(), ok: true };
    this.calls.push(call);
    const matches = this.options.matches?.(input) ?? true;
    if (matches && this.remaining > 0) {
      this.remaining--;
      call.ok = false;
      if (this.options.writeBeforeFailing) await this.inner.putObject(input);
      throw (
        this.options.error?.() ??
        Object.assign(new Error('We encountered an internal error.'), {
          code: 'InternalError',
        })
      );
    }
    await this.inner.putObject(input);
  }
}
