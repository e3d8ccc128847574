/**
 * Exponential backoff for delivery retries. Jitter is a number in [0, 1) passed in by the caller (the core
 * has no randomness); 0.5 means no jitter.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** ±fraction of the delay, e.g. 0.15 for ±15 %. */
  jitterFraction: number;
}

export const S3_DELIVERY_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000, jitterFraction: 0.15 };

export function backoffMs(policy: BackoffPolicy, attempt: number, jitter01: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(delay * (1 + policy.jitterFraction * (2 * jitter01 - 1)));
}
