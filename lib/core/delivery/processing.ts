import type { ResolvedStream } from '../config/resolved.ts';
import type { ErrorOutputInput } from '../error-output/index.ts';
import { errorOutputBody } from '../error-output/index.ts';
import type { Clock, IdSource, TransformInvoker } from '../ports.ts';
import {
  deaggregateRecord,
  decompressRecord,
  errorOutputInputOf,
  type FailedProcessorRecord,
  type ProcessorRecord,
  type ResolvedProcessor,
  resolveProcessingConfiguration,
  runRecordStage,
  type StageResult,
} from '../processors/index.ts';
import { type RecordRun, recordAt } from '../records.ts';
import { runLambdaTransform } from '../transform/index.ts';

/** What the processors need from outside: the Lambda invoker and time (spec §5). */
export interface ProcessingPorts {
  invoker?: TransformInvoker;
  ids: IdSource;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  jitter: () => number;
  region: string;
}

export interface ProcessedBatch {
  /** Records to deliver, in batch order (the delimiter, if configured, is not added yet). */
  records: ProcessorRecord[];
  /** §4.2 error-output bodies, one per `!{firehose:error-output-type}`. */
  errorBodies: Map<string, { body: Uint8Array; records: number }>;
  appendDelimiter: boolean;
}

const resolvedProcessors = new WeakMap<object, ResolvedProcessor[]>();

/** The stream's processors with Firehose's defaults, in the order they run (PROCESSOR_ORDER). */
function processorsOf(stream: ResolvedStream): ResolvedProcessor[] {
  const destination = stream.destination;
  let processors = resolvedProcessors.get(destination);
  if (!processors) {
    processors = resolveProcessingConfiguration({
      Enabled: true,
      Processors: destination.processors.map((p) => ({
        Type: p.type,
        Parameters: Object.entries(p.parameters).map(([ParameterName, ParameterValue]) => ({
          ParameterName,
          ParameterValue,
        })),
      })),
    }).processors;
    resolvedProcessors.set(destination, processors);
  }
  return processors;
}

/** True when the stream has a processor beyond AppendDelimiterToRecord (which needs no per-record stages). */
export function needsProcessing(stream: ResolvedStream): boolean {
  return stream.destination.processors.some((p) => p.type !== 'AppendDelimiterToRecord');
}

/**
 * Runs the stream's processors over a batch in Firehose's order (spec §6: decompression and CloudWatch Logs
 * extraction, de-aggregation, the Lambda transform; the delimiter is added by the caller). Dropped records
 * disappear; failed ones become §4.2 documents grouped by error-output type. Record IDs are the stream name and
 * log position, so a batch processed again after a restart carries the same IDs.
 */
export async function processBatch(
  batch: readonly RecordRun[],
  stream: ResolvedStream,
  ports: ProcessingPorts,
): Promise<ProcessedBatch> {
  let records: ProcessorRecord[] = [];
  for (const run of batch) {
    for (let i = 0; i < run.ends.length; i++) {
      const kinesis = run.kinesis?.[i];
      records.push({
        recordId: `${stream.name}.${run.firstSeq + i}`,
        arrivalMs: run.arrivalMs,
        data: recordAt(run, i),
        ...(kinesis ? { kinesisRecordMetadata: kinesis } : {}),
      });
    }
  }
  const failures: FailedProcessorRecord[] = [];
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
        break;
      }
      default:
        // CloudWatchLogProcessing runs inside Decompression; AppendDelimiterToRecord is the caller's last step.
        break;
    }
  }
  const nowMs = ports.clock.nowMs();
  const byType = new Map<string, ErrorOutputInput[]>();
  for (const failure of failures) {
    const input = errorOutputInputOf(failure, nowMs);
    const list = byType.get(input.errorOutputType) ?? [];
    list.push(input);
    byType.set(input.errorOutputType, list);
  }
  const errorBodies = new Map<string, { body: Uint8Array; records: number }>();
  for (const [type, inputs] of byType)
    errorBodies.set(type, { body: errorOutputBody(inputs), records: inputs.length });
  return {
    records,
    errorBodies,
    appendDelimiter: processors.some((p) => p.type === 'AppendDelimiterToRecord'),
  };
}
