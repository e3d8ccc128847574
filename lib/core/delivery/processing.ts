import type { ResolvedStream } from '../config/resolved.ts';
import type { ErrorOutputInput } from '../error-output/index.ts';
import { errorOutputBody } from '../error-output/index.ts';
import type { Clock, IdSource, JqEngine, TransformInvoker } from '../ports.ts';
import {
  collectOutcomes,
  compileMetadataExtraction,
  deaggregateRecord,
  decompressRecord,
  errorOutputInputOf,
  type FailedProcessorRecord,
  type MetadataExtractor,
  type ProcessorRecord,
  type ResolvedProcessor,
  resolveProcessingConfiguration,
  runRecordStage,
  type StageResult,
} from '../processors/index.ts';
import { type RecordRun, recordAt } from '../records.ts';
import type { PartitionKeys } from '../s3/prefix-template.ts';
import { runLambdaTransform } from '../transform/index.ts';

/** What the processors need from outside: the Lambda invoker and time (spec §5). */
export interface ProcessingPorts {
  invoker?: TransformInvoker;
  ids: IdSource;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  jitter: () => number;
  region: string;
  /** Runs MetadataExtraction queries (spec §6). */
  jqEngine?: JqEngine;
  /** The source stream of a KinesisStreamAsSource stream, for the transform's event (spec §5.1). */
  sourceKinesisStreamArn?: string;
}

export interface ProcessedBatch {
  /** Records to deliver, in batch order (the delimiter, if configured, is not added yet). */
  records: ProcessorRecord[];
  /** The partition keys of each record, aligned with `records` (spec §6). */
  partitionKeys: PartitionKeys[];
  /** The records that failed, in batch order. */
  failures: FailedProcessorRecord[];
  /** §4.2 error-output bodies of `failures`, one per `!{firehose:error-output-type}`. */
  errorBodies: ErrorBodies;
  appendDelimiter: boolean;
}

export type ErrorBodies = Map<string, { body: Uint8Array; records: number }>;

/** §4.2 documents of failed records, one body per error-output type; `nowMs` stands in for unset ending times. */
export function errorBodiesOf(failures: readonly FailedProcessorRecord[], nowMs: number): ErrorBodies {
  const byType = new Map<string, ErrorOutputInput[]>();
  for (const failure of failures) {
    const input = errorOutputInputOf(failure, nowMs);
    const list = byType.get(input.errorOutputType) ?? [];
    list.push(input);
    byType.set(input.errorOutputType, list);
  }
  const bodies: ErrorBodies = new Map();
  for (const [type, inputs] of byType)
    bodies.set(type, { body: errorOutputBody(inputs), records: inputs.length });
  return bodies;
}

const resolvedProcessors = new WeakMap<object, ResolvedProcessor[]>();

/** The stream's processors with Firehose's defaults, in the order they run (PROCESSOR_ORDER). */
function processorsOf(stream: ResolvedStream): ResolvedProcessor[] {
  const destination = stream.destination;
  let processors = resolvedProcessors.get(destination);
  if (!processors) {
    processors = resolveProcessingConfiguration(
      {
        Enabled: true,
        Processors: destination.processors.map((p) => ({
          Type: p.type,
          Parameters: Object.entries(p.parameters).map(([ParameterName, ParameterValue]) => ({
            ParameterName,
            ParameterValue,
          })),
        })),
      },
      // The Lambda's defaults depend on the destination its records go to (spec §2.2).
      { destination: stream.writer?.kind ?? 'ExtendedS3' },
    ).processors;
    resolvedProcessors.set(destination, processors);
  }
  return processors;
}

const metadataExtractors = new WeakMap<object, Promise<MetadataExtractor>>();

/** MetadataExtraction's query compiled once per configuration; a query that fails to compile is tried again. */
function metadataExtractorOf(
  stream: ResolvedStream,
  engine: JqEngine,
  query: string,
): Promise<MetadataExtractor> {
  const destination = stream.destination;
  let extractor = metadataExtractors.get(destination);
  if (!extractor) {
    extractor = compileMetadataExtraction(engine, query);
    extractor.catch(() => metadataExtractors.delete(destination));
    metadataExtractors.set(destination, extractor);
  }
  return extractor;
}

/** True when the stream has a processor beyond AppendDelimiterToRecord (which needs no per-record stages). */
export function needsProcessing(stream: ResolvedStream): boolean {
  return stream.destination.processors.some((p) => p.type !== 'AppendDelimiterToRecord');
}

/**
 * Runs the stream's processors over a batch in Firehose's order (spec §6: decompression and CloudWatch Logs
 * extraction, de-aggregation, the Lambda transform, MetadataExtraction; the delimiter is added by the caller).
 * The Lambda's `metadata.partitionKeys` and the query's keys are kept apart, one namespace each. Dropped records
 * disappear; failed ones become §4.2 documents grouped by error-output type. Record IDs are `<recordIdPrefix>.<seq>`:
 * by default the stream name and log position, so a batch processed again after a restart carries the same IDs.
 * The AWS flush passes its flush ID instead, as its positions restart at 0 in every flush.
 */
export async function processBatch(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  ports: ProcessingPorts,
  recordIdPrefix: string = stream.name,
): Promise<ProcessedBatch> {
  let records: ProcessorRecord[] = [];
  for (const run of batch) {
    for (let i = 0; i < run.ends.length; i++) {
      const kinesis = run.kinesis?.[i];
      records.push({
        recordId: `${recordIdPrefix}.${run.firstSeq + i}`,
        arrivalMs: run.arrivalMs,
        data: recordAt(run, i),
        ...(kinesis ? { kinesisRecordMetadata: kinesis } : {}),
      });
    }
  }
  const failures: FailedProcessorRecord[] = [];
  // The Lambda's keys by record ID: MetadataExtraction merges its own into `partitionKeys`, so they are set aside.
  let lambdaKeys: Map<string, Readonly<Record<string, string>>> | undefined;
  const keep = (stage: StageResult) => {
    failures.push(...stage.failed);
    records = stage.ok;
  };
  const processors = processorsOf(stream);
  const extractMessages = processors.some((p) => p.type === 'CloudWatchLogProcessing');
  for (const processor of processors) {
    switch (processor.type) {
      case 'Decompression':
        keep(
          runRecordStage(records, (r) =>
            decompressRecord({ compressionFormat: 'GZIP', dataMessageExtraction: extractMessages }, r),
          ),
        );
        break;
      case 'RecordDeAggregation':
        keep(runRecordStage(records, (r) => deaggregateRecord(processor.config, r)));
        break;
      case 'Lambda': {
        if (!ports.invoker) throw new Error('No transform invoker is configured.');
        keep(
          await runLambdaTransform(
            records,
            {
              functionArn: processor.lambdaArn,
              numberOfRetries: processor.numberOfRetries,
              // Firehose gives a transform at most 5 minutes (spec §5.3).
              functionTimeoutMs: 5 * 60 * 1000,
              bufferSizeInMBs: processor.bufferSizeInMBs,
              deliveryStreamArn: stream.arn,
              region: ports.region,
              ...(ports.sourceKinesisStreamArn
                ? { sourceKinesisStreamArn: ports.sourceKinesisStreamArn }
                : {}),
            },
            {
              invoker: ports.invoker,
              ids: ports.ids,
              clock: ports.clock,
              sleep: ports.sleep,
              jitter: ports.jitter,
            },
          ),
        );
        lambdaKeys = new Map();
        records = records.map((record) => {
          if (!record.partitionKeys) return record;
          lambdaKeys?.set(record.recordId, record.partitionKeys);
          const { partitionKeys: _, ...rest } = record;
          return rest;
        });
        break;
      }
      case 'MetadataExtraction': {
        if (!ports.jqEngine) throw new Error('No jq engine is configured.');
        const extractor = await metadataExtractorOf(stream, ports.jqEngine, processor.query);
        keep(collectOutcomes(records, await extractor.extract(records)));
        break;
      }
      default:
        // CloudWatchLogProcessing runs inside Decompression; AppendDelimiterToRecord is the caller's last step.
        break;
    }
  }
  const errorBodies = errorBodiesOf(failures, ports.clock.nowMs());
  return {
    records,
    partitionKeys: records.map((record) => {
      const fromLambda = lambdaKeys?.get(record.recordId);
      return {
        ...(record.partitionKeys ? { partitionKeyFromQuery: record.partitionKeys } : {}),
        ...(fromLambda ? { partitionKeyFromLambda: fromLambda } : {}),
      };
    }),
    failures,
    errorBodies,
    appendDelimiter: processors.some((p) => p.type === 'AppendDelimiterToRecord'),
  };
}
