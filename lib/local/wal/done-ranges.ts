import type { SeqRange } from './frame.ts';

/**
 * The set of seqs marked done, as sorted, disjoint, non-adjacent inclusive ranges. Records are marked
 * done out of order (one delivery per partition), so the set may have holes, but deliveries cover long
 * runs, so it stays small.
 */
export class DoneRanges {
  private ranges: [number, number][] = [];

  get size(): number {
    return this.ranges.length;
  }

  toArray(): SeqRange[] {
    return this.ranges.map(([from, to]) => [from, to] as const);
  }

  has(seq: number): boolean {
    const i = this.firstEndingAtOrAfter(seq);
    const range = this.ranges[i];
    return range !== undefined && range[0] <= seq;
  }

  /** The parts of [from, to] not yet in the set, in order; does not modify the set. */
  missing(from: number, to: number): SeqRange[] {
    const out: SeqRange[] = [];
    let cursor = from;
    for (let i = this.firstEndingAtOrAfter(from); i < this.ranges.length && cursor <= to; i++) {
      const [rf, rt] = this.ranges[i]!;
      if (rf > to) break;
      if (rf > cursor) out.push([cursor, rf - 1]);
      cursor = Math.max(cursor, rt + 1);
    }
    if (cursor <= to) out.push([cursor, to]);
    return out;
  }

  add(from: number, to: number): void {
    // Ranges that overlap or touch [from, to] merge into one.
    let lo = this.firstEndingAtOrAfter(from - 1);
    let hi = lo;
    let mergedFrom = from;
    let mergedTo = to;
    while (hi < this.ranges.length && this.ranges[hi]![0] <= to + 1) {
      mergedFrom = Math.min(mergedFrom, this.ranges[hi]![0]);
      mergedTo = Math.max(mergedTo, this.ranges[hi]![1]);
      hi++;
    }
    if (lo > this.ranges.length) lo = this.ranges.length;
    this.ranges.splice(lo, hi - lo, [mergedFrom, mergedTo]);
  }

  /** Forgets everything below `seq`: those records no longer exist on disk. */
  dropBelow(seq: number): void {
    const i = this.firstEndingAtOrAfter(seq);
    this.ranges.splice(0, i);
    const first = this.ranges[0];
    if (first !== undefined && first[0] < seq) first[0] = seq;
  }

  private firstEndingAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]![1] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
