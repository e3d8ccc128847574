import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredStream } from '../core/config/index.ts';
import type { Telemetry } from '../core/ports.ts';
import type { KinesisSettings, SluiceConfig } from './config-file.ts';
import { KinesisSourceReader, type KinesisSourceStatus, type KinesisSourceTarget } from './kinesis-source.ts';
import type { KinesisReadClient } from './kinesis-source-client.ts';
import type { Logger } from './logger.ts';

export interface KinesisSourcesDeps {
  dataDir: string;
  config: SluiceConfig;
  logger: Logger;
  metrics: Pick<Telemetry, 'count' | 'gauge'>;
  /** Tests substitute a fake; by default the AWS SDK client, loaded only when a stream needs it. */
  createClient?: (
    settings: KinesisSettings,
    region: string,
  ) => KinesisReadClient | Promise<KinesisReadClient>;
}

const DEFAULT_POLL_INTERVAL_MS = 1000;
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]*):(\d*):stream\/([A-Za-z0-9_.-]{1,128})$/;

/** The Kinesis readers of the local runtime: one per KinesisStreamAsSource delivery stream. */
export class KinesisSources {
  private readonly readers = new Map<string, Promise<KinesisSourceReader | undefined>>();
  private readonly started = new Map<string, KinesisSourceReader>();

  constructor(private readonly deps: KinesisSourcesDeps) {}

  /** Starts reading once the delivery stream's runtime is open; does nothing for other stream types. */
  start(stored: StoredStream, target: Promise<KinesisSourceTarget>): void {
    const source = stored.input.KinesisStreamSourceConfiguration;
    if (stored.input.DeliveryStreamType !== 'KinesisStreamAsSource' || !source) return;
    const name = stored.input.DeliveryStreamName;
    const arn = STREAM_ARN.exec(source.KinesisStreamARN);
    if (!arn) {
      this.deps.logger.log('error', 'the source is not a Kinesis stream ARN; the stream reads nothing', {
        stream: name,
        kinesisStream: source.KinesisStreamARN,
      });
      return;
    }
    const settings = this.deps.config.kinesis ?? {};
    const ready = target.then(
      async (runtime) => {
        const region = arn[1] || this.deps.config.region;
        const client = this.deps.createClient
          ? await this.deps.createClient(settings, region)
          : // Loaded on demand: the Kinesis SDK is only needed by processes that read a Kinesis stream.
            (await import('./kinesis-source-client.ts')).createKinesisReadClient(settings, region);
        const reader = new KinesisSourceReader({
          deliveryStreamName: name,
          streamArn: source.KinesisStreamARN,
          streamName: arn[3]!,
          startTimestampMs: stored.createTimestampMs,
          checkpointPath: this.checkpointPath(name),
          client,
          target: runtime,
          logger: this.deps.logger,
          metrics: this.deps.metrics,
          pollIntervalMs: settings.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        });
        reader.start();
        this.started.set(name, reader);
        return reader;
      },
      () => undefined, // the runtime did not open: the stream is CREATING_FAILED and reads nothing
    );
    this.readers.set(name, ready);
  }

  /** Stops a stream's reader; its checkpoints stay for the next start. */
  async stop(name: string): Promise<void> {
    const reader = await this.readers.get(name);
    this.readers.delete(name);
    this.started.delete(name);
    await reader?.stop();
  }

  /** Stops a stream's reader and forgets its checkpoints (the delivery stream was deleted). */
  async remove(name: string): Promise<void> {
    await this.stop(name);
    await rm(this.checkpointPath(name), { force: true });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.readers.keys()].map((name) => this.stop(name)));
  }

  status(name: string): KinesisSourceStatus | undefined {
    return this.started.get(name)?.status();
  }

  private checkpointPath(name: string): string {
    return join(this.deps.dataDir, 'streams', name, 'kinesis-checkpoints.json');
  }
}
