import type { BufferingPlan } from './buffering-plan.ts';

/** Environment variable names shared by the CDK construct (writer) and the Lambda handlers (readers). */
export const ENV = {
  streamName: 'SLUICE_STREAM_NAME',
  /** The delivery stream's CreateDeliveryStream input, JSON (Firehose's field names). */
  streamConfig: 'SLUICE_STREAM_CONFIG',
  /** BufferingPlan, JSON. */
  buffering: 'SLUICE_BUFFERING',
  ledgerTable: 'SLUICE_LEDGER_TABLE',
  stagingBucket: 'SLUICE_STAGING_BUCKET',
  flushQueueUrl: 'SLUICE_FLUSH_QUEUE_URL',
  metricsNamespace: 'SLUICE_METRICS_NAMESPACE',
  /** Ingest: delivery stream name → [Kinesis stream name, encrypted 0/1], JSON. */
  routes: 'SLUICE_ROUTES',
  accountId: 'SLUICE_ACCOUNT_ID',
  /** Dynamic partitioning: the stream's active-partition limit (spec §6: Firehose's quota, 500 unless raised). */
  activePartitionLimit: 'SLUICE_ACTIVE_PARTITION_LIMIT',
} as const;

export function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}

export function bufferingPlanFrom(env: NodeJS.ProcessEnv): BufferingPlan {
  return JSON.parse(required(env, ENV.buffering)) as BufferingPlan;
}

/** Lambda sets AWS_REGION; the account comes from the construct (a Lambda cannot read it without a call). */
export function contextFrom(env: NodeJS.ProcessEnv): { region: string; accountId: string } {
  return { region: required(env, 'AWS_REGION'), accountId: required(env, ENV.accountId) };
}

/** Options of dynamicPartitioningOf from the environment: the active-partition limit when the construct set one. */
export function partitioningOptionsFrom(env: NodeJS.ProcessEnv): { activePartitionLimit?: number } {
  const limit = env[ENV.activePartitionLimit];
  return limit ? { activePartitionLimit: Number(limit) } : {};
}
