/** A record as the pipeline sees it after ingest. */
export interface FirehoseRecord {
  /** Position in the stream's write-ahead log; strictly increasing per stream. */
  readonly seq: number;
  /** The RecordId returned to the producer. */
  readonly recordId: string;
  /** Approximate arrival time, ms since the epoch. */
  readonly arrivalMs: number;
  readonly data: Uint8Array;
}
