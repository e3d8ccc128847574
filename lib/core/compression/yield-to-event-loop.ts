/**
 * Lets pending I/O callbacks run between CPU-bound steps. Snappy is compressed in JavaScript on the main thread,
 * so a 128 MiB object would otherwise stall the runtime's API for the whole compression. `setImmediate` only
 * reorders work; it reads no clock and performs no I/O, so the core stays deterministic.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Input bytes compressed between two yields: small enough to keep pauses in the low milliseconds. */
export const YIELD_EVERY_BYTES = 1024 * 1024;
