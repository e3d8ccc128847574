import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3ObjectStore } from '../lib/adapters/aws/s3-object-store.ts';
import { RandomIds } from '../lib/adapters/local/random-ids.ts';
import { BufferLedger } from '../lib/aws/buffer-ledger.ts';
import { resolveStreamConfig } from '../lib/aws/deliver.ts';
import { EmfMetrics } from '../lib/aws/emf.ts';
import {
  bufferingPlanFrom,
  contextFrom,
  ENV,
  partitioningOptionsFrom,
  required,
} from '../lib/aws/environment.ts';
import { SqsFlushQueue } from '../lib/aws/flush-queue.ts';
import { StagingStore } from '../lib/aws/staging-store.ts';
import type { ResolvedStream } from '../lib/core/config/resolved.ts';
import { dynamicPartitioningOf } from '../lib/core/partitioning/index.ts';

/**
 * What the buffer, sweeper and flush Lambdas of one delivery stream share, built once per execution
 * environment from the variables the DeliveryStream construct sets.
 */
const env = process.env;
export const context = contextFrom(env);
const s3 = new S3Client({});
const dynamodb = new DynamoDBClient({});

export const streamName = required(env, ENV.streamName);
export const plan = bufferingPlanFrom(env);
export const metrics = new EmfMetrics(env[ENV.metricsNamespace]);
export const ids = new RandomIds();
export const ledger = new BufferLedger(dynamodb, required(env, ENV.ledgerTable));
export const staging = new StagingStore(s3, required(env, ENV.stagingBucket));
export const queue = new SqsFlushQueue(new SQSClient({}), env[ENV.flushQueueUrl] ?? '');
export const store = new S3ObjectStore({ region: context.region });
/** Dynamic partitioning (spec §6) of the stream's configuration; undefined when it is off. */
export const partitioning = dynamicPartitioningOf(
  JSON.parse(required(env, ENV.streamConfig)),
  partitioningOptionsFrom(env),
);

let resolved: ResolvedStream | undefined;
/** Resolved on first use: a configuration the core rejects fails delivery only; records still stage. */
export function stream(): ResolvedStream {
  resolved ??= resolveStreamConfig(required(env, ENV.streamConfig), { ...context, nowMs: Date.now() });
  return resolved;
}
