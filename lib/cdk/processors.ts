import { type Duration, type Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

export interface DataProcessorProps {
  /** Lambda processors: BufferIntervalInSeconds (spec §2.2, 0–900 s). */
  readonly bufferInterval?: Duration;
  /** Lambda processors: BufferSizeInMBs (spec §2.2, 0.2–3 MB). */
  readonly bufferSize?: Size;
  /** Lambda processors: NumberOfRetries. */
  readonly retries?: number;
}

export interface DataProcessorIdentifier {
  readonly parameterName: string;
  readonly parameterValue: string;
}

export interface DataProcessorConfig {
  /** Firehose's processor Type. */
  readonly processorType: string;
  readonly processorIdentifier?: DataProcessorIdentifier;
  readonly parameters?: ReadonlyArray<{ parameterName: string; parameterValue: string }>;
}

export interface DataProcessorBindOptions {
  /** A role that runs the processor (the flush Lambda's; in direct mode also the buffer Lambda's). */
  readonly role: iam.IRole;
}

/** A record processor as a strategy object, as in aws-cdk-lib. Binding grants what running it needs. */
export interface IDataProcessor {
  readonly props: DataProcessorProps;
  bind(scope: Construct, options: DataProcessorBindOptions): DataProcessorConfig;
}

/** Firehose's Processor shape from a bound processor. */
export function toFirehoseProcessor(config: DataProcessorConfig): Record<string, unknown> {
  const parameters = [
    ...(config.processorIdentifier ? [config.processorIdentifier] : []),
    ...(config.parameters ?? []),
  ].map((parameter) => ({
    ParameterName: parameter.parameterName,
    ParameterValue: parameter.parameterValue,
  }));
  return parameters.length > 0
    ? { Type: config.processorType, Parameters: parameters }
    : { Type: config.processorType };
}

/** Invokes a Lambda function on batches of records (spec §5). */
export class LambdaFunctionProcessor implements IDataProcessor {
  constructor(
    private readonly lambdaFunction: lambda.IFunction,
    readonly props: DataProcessorProps = {},
  ) {}

  bind(_scope: Construct, options: DataProcessorBindOptions): DataProcessorConfig {
    // Exactly the ARN the flush invokes (grantInvoke would add every version and alias with `:*`).
    options.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.lambdaFunction.functionArn],
      }),
    );
    const parameters: Array<{ parameterName: string; parameterValue: string }> = [];
    if (this.props.bufferSize) {
      parameters.push({
        parameterName: 'BufferSizeInMBs',
        parameterValue: String(this.props.bufferSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE })),
      });
    }
    if (this.props.bufferInterval) {
      parameters.push({
        parameterName: 'BufferIntervalInSeconds',
        parameterValue: String(this.props.bufferInterval.toSeconds()),
      });
    }
    if (this.props.retries !== undefined) {
      parameters.push({ parameterName: 'NumberOfRetries', parameterValue: String(this.props.retries) });
    }
    return {
      processorType: 'Lambda',
      processorIdentifier: { parameterName: 'LambdaArn', parameterValue: this.lambdaFunction.functionArn },
      parameters,
    };
  }
}

/** Adds a newline after each record (Firehose's AppendDelimiterToRecord). */
export class AppendDelimiterToRecordProcessor implements IDataProcessor {
  readonly props: DataProcessorProps = {};
  bind(): DataProcessorConfig {
    return { processorType: 'AppendDelimiterToRecord' };
  }
}

/** Splits aggregated records (Firehose's RecordDeAggregation; `JSON` or `DELIMITED`). */
export class RecordDeAggregationProcessor implements IDataProcessor {
  readonly props: DataProcessorProps = {};
  constructor(private readonly options: { subRecordType: 'JSON' | 'DELIMITED'; delimiter?: string }) {}
  bind(): DataProcessorConfig {
    return {
      processorType: 'RecordDeAggregation',
      parameters: [
        { parameterName: 'SubRecordType', parameterValue: this.options.subRecordType },
        ...(this.options.delimiter
          ? [{ parameterName: 'Delimiter', parameterValue: this.options.delimiter }]
          : []),
      ],
    };
  }
}

/** Decompresses records (Firehose's Decompression; GZIP). */
export class DecompressionProcessor implements IDataProcessor {
  readonly props: DataProcessorProps = {};
  bind(): DataProcessorConfig {
    return {
      processorType: 'Decompression',
      parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }],
    };
  }
}

/**
 * Extracts the log events of CloudWatch Logs subscription records, each event a record (Firehose's
 * CloudWatchLogProcessing with DataMessageExtraction; needs a DecompressionProcessor before it).
 */
export class CloudWatchLogProcessingProcessor implements IDataProcessor {
  readonly props: DataProcessorProps = {};
  bind(): DataProcessorConfig {
    return {
      processorType: 'CloudWatchLogProcessing',
      parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }],
    };
  }
}

/** Extracts partition keys with JQ (Firehose's MetadataExtraction, for dynamic partitioning). */
export class MetadataExtractionProcessor implements IDataProcessor {
  readonly props: DataProcessorProps = {};
  /** `{ customerId: '.customer.id' }` → the query `{customerId: .customer.id}` with JQ-1.6. */
  static jq16(query: Record<string, string>): MetadataExtractionProcessor {
    const body = Object.entries(query)
      .map(([key, path]) => `${key}: ${path}`)
      .join(', ');
    return new MetadataExtractionProcessor(`{${body}}`);
  }
  constructor(private readonly metadataExtractionQuery: string) {}
  bind(): DataProcessorConfig {
    return {
      processorType: 'MetadataExtraction',
      parameters: [
        { parameterName: 'MetadataExtractionQuery', parameterValue: this.metadataExtractionQuery },
        { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
      ],
    };
  }
}

/** Binds processors for every delivering role (each gets the grants) and returns Firehose's ProcessingConfiguration. */
export function processingConfiguration(
  scope: Construct,
  processors: readonly IDataProcessor[] | undefined,
  roles: readonly iam.IRole[],
): Record<string, unknown> | undefined {
  if (!processors || processors.length === 0) return undefined;
  let bound: DataProcessorConfig[] = [];
  for (const role of roles) bound = processors.map((processor) => processor.bind(scope, { role }));
  return { Enabled: true, Processors: bound.map(toFirehoseProcessor) };
}
