import { SluiceError } from '../core/errors.ts';
import type {
  HttpExchange,
  HttpTransport,
  TransformInvocationResult,
  TransformInvoker,
} from '../core/ports.ts';

/** A flush stopped before the Lambda's deadline; what is left is re-driven (SQS redelivery, Kinesis retry). */
export class FlushDeadlineError extends SluiceError {
  constructor(flushId: string) {
    super(
      'Sluice.FlushDeadline',
      `Flush ${flushId} stopped before the Lambda timeout; it will be re-driven.`,
    );
  }
}

/**
 * The time a flush may still use: the Lambda's remaining time less a margin, so that no put, transform call or
 * backoff is cut off by the Lambda timeout halfway. Everything that waits goes through it.
 */
export class FlushDeadline {
  constructor(
    private readonly flushId: string,
    private readonly remainingMs: () => number,
    private readonly marginMs: number,
  ) {}

  /** Milliseconds left before the margin. */
  budgetMs(): number {
    return this.remainingMs() - this.marginMs;
  }

  /** Throws FlushDeadlineError when the margin is reached. */
  check(): void {
    if (this.budgetMs() <= 0) throw new FlushDeadlineError(this.flushId);
  }

  /** A backoff that would end past the margin stops the flush now instead. */
  async sleep(ms: number): Promise<void> {
    if (this.budgetMs() <= ms) throw new FlushDeadlineError(this.flushId);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Bounds each transform call by the budget. A call the budget cut short is not the function's timeout: it
   * stops the flush (re-driven later) instead of counting as a failed attempt, which could send records to
   * `processing-failed` because of Sluice's deadline rather than the function's behaviour. For the flush Lambda,
   * whose re-drives SQS counts (and ends in the DLQ); the buffer Lambda, replayed by Kinesis without a count, uses
   * TransformBudget instead.
   */
  bound(invoker: TransformInvoker): TransformInvoker {
    return {
      invoke: async (functionArn, payload, timeoutMs): Promise<TransformInvocationResult> => {
        this.check();
        const budgetMs = this.budgetMs();
        const result = await invoker.invoke(functionArn, payload, Math.min(timeoutMs, budgetMs));
        if (result.kind === 'timeout' && budgetMs < timeoutMs) throw new FlushDeadlineError(this.flushId);
        return result;
      },
    };
  }

  /**
   * Bounds each HTTP endpoint request (§10.3 allows 3 minutes) by the budget, in the same way: a request the
   * budget cut short stops the flush instead of counting as the endpoint's RequestTimeout.
   */
  boundHttp(transport: HttpTransport): HttpTransport {
    return {
      send: async (request): Promise<HttpExchange> => {
        this.check();
        const budgetMs = this.budgetMs();
        const exchange = await transport.send({
          ...request,
          timeoutMs: Math.min(request.timeoutMs, budgetMs),
        });
        if (
          exchange.kind === 'failure' &&
          exchange.failure === 'RequestTimeout' &&
          budgetMs < request.timeoutMs
        ) {
          throw new FlushDeadlineError(this.flushId);
        }
        return exchange;
      },
    };
  }
}
