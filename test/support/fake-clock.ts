import type { Clock } from '../../lib/core/ports.ts';

/** A Clock that only moves when the test says so. */
export class FakeClock implements Clock {
  constructor(private ms: number) {}

  nowMs(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
