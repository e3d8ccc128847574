import { type DecodedRunFrame, decodeRunFrame } from './frame.ts';

/** A segment file holds the records from its base seq on, contiguously, until the next segment's base. */
export interface Segment {
  readonly baseSeq: number;
  readonly path: string;
  /** Bytes of intact frames in the file. */
  bytes: number;
  /** Highest durable seq in the segment; baseSeq - 1 while empty. */
  lastSeq: number;
  /** Records in the segment not yet marked done. */
  pending: number;
}

const SEGMENT_SUFFIX = '.seg';
const SEGMENT_NAME = /^(\d{20})\.seg$/;

/** Zero-padded so a plain directory listing sorts segments in seq order. */
export function segmentFileName(baseSeq: number): string {
  return String(baseSeq).padStart(20, '0') + SEGMENT_SUFFIX;
}

export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface SegmentScan {
  readonly frames: DecodedRunFrame[];
  /** Records in the intact frames. */
  readonly records: number;
  /** Length of the intact prefix of the file. */
  readonly validBytes: number;
  /** Offset of the first bad frame, when the file does not end cleanly. */
  readonly corruptAt?: number;
}

/**
 * Reads frames until the end of the buffer or the first frame that is torn, fails its CRC or breaks
 * the seq sequence (each segment holds consecutive seqs from its base).
 */
export function scanSegment(buf: Buffer, baseSeq: number): SegmentScan {
  const frames: DecodedRunFrame[] = [];
  let offset = 0;
  let expectedSeq = baseSeq;
  // Every intact frame advances the offset by at least its fixed header, so this loop is bounded.
  while (offset < buf.length) {
    const frame = decodeRunFrame(buf, offset);
    if (frame === undefined || frame.firstSeq !== expectedSeq)
      return { frames, records: expectedSeq - baseSeq, validBytes: offset, corruptAt: offset };
    frames.push(frame);
    offset = frame.end;
    expectedSeq += frame.ends.length;
  }
  return { frames, records: expectedSeq - baseSeq, validBytes: offset };
}
