import type { Clock } from '../../core/ports.ts';

/** The wall clock. The only `Clock` that reads real time; tests pass a fake instead. */
export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
}
