import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replaceFileAtomically } from '../adapters/local/durable-file.ts';

/** Where one shard's reading stands. */
export interface ShardCheckpoint {
  /** The last Kinesis sequence number whose records are all in the write-ahead log. */
  sequenceNumber?: string;
  /** The shard is closed and every record in it is in the log: its children may be read. */
  finished?: boolean;
}

interface CheckpointFile {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/**
 * The per-shard checkpoints of one delivery stream's Kinesis reader, in one small JSON file replaced
 * atomically (temp file, fsync, rename, directory fsync). A checkpoint only ever names records already in
 * the write-ahead log, so a crash before a write re-reads them (duplicates, never loss).
 */
export class CheckpointStore {
  private shards: Record<string, ShardCheckpoint> = {};
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly streamArn: string,
  ) {}

  /** Reads the file; checkpoints of another source stream (the definition changed) are ignored. */
  async load(): Promise<void> {
    await unlink(this.tmpPath).catch(() => undefined); // a write cut short by a crash
    let file: CheckpointFile;
    try {
      file = JSON.parse(await readFile(this.path, 'utf8')) as CheckpointFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (file.streamArn === this.streamArn && typeof file.shards === 'object' && file.shards !== null)
      this.shards = file.shards;
  }

  get(shardId: string): ShardCheckpoint | undefined {
    return this.shards[shardId];
  }

  /** Records the new position and resolves once it (or a later state) is on disk. */
  set(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    this.shards[shardId] = checkpoint;
    // Chained, so two writes never race on the temp file; each writes the latest state.
    const write = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const file: CheckpointFile = { streamArn: this.streamArn, shards: this.shards };
      await replaceFileAtomically(this.path, JSON.stringify(file, null, 2), this.tmpPath);
    });
    this.writing = write.catch(() => undefined);
    return write;
  }

  private get tmpPath(): string {
    return `${this.path}.tmp`;
  }
}
