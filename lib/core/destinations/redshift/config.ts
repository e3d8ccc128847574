/**
 * The Redshift destination's configuration (§8): Firehose's input shape, the checker, and the settings a writer
 * runs with once defaults are applied.
 */
import type { CompressionFormat } from '../../config/resolved.ts';
import { SluiceError } from '../../errors.ts';
import {
  type ConfigProblems,
  checkRetryOptions,
  ProblemCollector,
  pathOf,
  type RetryOptionsShape,
} from '../config-problems.ts';
import { parseCopyOptions } from './copy-options.ts';

export interface RedshiftDestinationShape {
  RoleARN?: string;
  ClusterJDBCURL?: string;
  CopyCommand?: { DataTableName?: string; DataTableColumns?: string; CopyOptions?: string };
  Username?: string;
  Password?: string;
  SecretsManagerConfiguration?: { Enabled?: boolean; SecretARN?: string; RoleARN?: string };
  RetryOptions?: RetryOptionsShape;
  S3Configuration?: {
    BucketARN?: string;
    Prefix?: string;
    ErrorOutputPrefix?: string;
    CompressionFormat?: string;
  };
  S3BackupMode?: string;
}

/** Where a ClusterJDBCURL points: a Redshift cluster or workgroup, or (locally) any PostgreSQL server. */
export type ClusterAddress =
  | {
      kind: 'redshift';
      host: string;
      port: number;
      database: string;
      clusterIdentifier: string;
      region: string;
    }
  | {
      kind: 'redshift-serverless';
      host: string;
      port: number;
      database: string;
      workgroupName: string;
      region: string;
    }
  | { kind: 'postgresql'; host: string; port: number; database: string };

export interface RedshiftSettings {
  roleArn: string;
  cluster: ClusterAddress;
  /** The JDBC URL as configured (for messages: it holds no secret). */
  clusterJdbcUrl: string;
  dataTableName: string;
  /** DataTableColumns as configured (verbatim in the COPY), or undefined for all columns. */
  dataTableColumns: string | undefined;
  copyOptions: string;
  username: string | undefined;
  /** Never logged or echoed. */
  password: string | undefined;
  secretArn: string | undefined;
  retryDurationSeconds: number;
  /** Intermediate bucket (§8 step 1). */
  bucket: string;
  prefix: string;
  compressionFormat: 'UNCOMPRESSED' | 'GZIP';
}

/** §8 */
export const REDSHIFT_DEFAULT_RETRY_SECONDS = 3600;

// [BOTO] pattern: jdbc:(redshift|postgresql)://<host labels>.redshift[-serverless].<region…>:<port>/<db>.
const REDSHIFT_URL =
  /^jdbc:(?:redshift|postgresql):\/\/((?:(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+redshift(-serverless)?\.([a-zA-Z0-9.]+)):(\d{1,5})\/([a-zA-Z0-9_$]+)$/;
// DESIGN.md: the local runtime loads `jdbc:postgresql://host:port/db` into PostgreSQL.
const POSTGRES_URL = /^jdbc:postgresql:\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/([A-Za-z0-9_$-]+)$/;

export function parseClusterJdbcUrl(url: string): ClusterAddress | undefined {
  const redshift = REDSHIFT_URL.exec(url);
  if (redshift) {
    const host = redshift[1]!;
    const labels = host.split('.');
    const serviceAt = labels.findIndex((l) => l === 'redshift' || l === 'redshift-serverless');
    const region = labels[serviceAt - 1] ?? '';
    const port = Number(redshift[4]);
    const database = redshift[5]!;
    // Provisioned: <cluster>.<hash>.<region>.redshift.amazonaws.com; Serverless: <workgroup>.<account>.<region>.redshift-serverless.amazonaws.com.
    if (redshift[2]) {
      return { kind: 'redshift-serverless', host, port, database, workgroupName: labels[0]!, region };
    }
    return { kind: 'redshift', host, port, database, clusterIdentifier: labels[0]!, region };
  }
  const postgres = POSTGRES_URL.exec(url);
  if (postgres) {
    return {
      kind: 'postgresql',
      host: postgres[1]!.replace(/^\[|\]$/g, ''),
      port: Number(postgres[2]),
      database: postgres[3]!,
    };
  }
  return undefined;
}

/** Checks a RedshiftDestinationConfiguration (§8). The password is sensitive: no message repeats it. */
export function checkRedshiftDestination(
  config: RedshiftDestinationShape,
  path = 'redshiftDestinationConfiguration',
): ConfigProblems {
  const c = new ProblemCollector();
  c.required(config.RoleARN, pathOf(path, 'RoleARN'));
  if (c.required(config.ClusterJDBCURL, pathOf(path, 'ClusterJDBCURL'))) {
    const url = config.ClusterJDBCURL!;
    const address = typeof url === 'string' ? parseClusterJdbcUrl(url) : undefined;
    if (!address || address.port < 1 || address.port > 65535) {
      c.invalid(
        `ClusterJDBCURL '${String(url).slice(0, 200)}' is not a Redshift JDBC URL (jdbc:redshift://<cluster>.<id>.<region>.redshift.amazonaws.com:<port>/<database>) or a local jdbc:postgresql://<host>:<port>/<database>.`,
      );
    }
  }
  const copyPath = pathOf(path, 'CopyCommand');
  if (c.required(config.CopyCommand, copyPath)) {
    const copy = config.CopyCommand!;
    if (c.required(copy.DataTableName, pathOf(copyPath, 'DataTableName'))) {
      c.length(copy.DataTableName, pathOf(copyPath, 'DataTableName'), 1, 512);
    }
    c.length(copy.DataTableColumns, pathOf(copyPath, 'DataTableColumns'), 0, 10240);
    c.length(copy.CopyOptions, pathOf(copyPath, 'CopyOptions'), 0, 10240);
    if (typeof copy.CopyOptions === 'string') {
      for (const problem of parseCopyOptions(copy.CopyOptions).problems) c.invalid(problem);
    }
  }
  const secrets = config.SecretsManagerConfiguration?.Enabled === true;
  c.length(config.Username, pathOf(path, 'Username'), 1, 512);
  c.length(config.Password, pathOf(path, 'Password'), 6, 512, true);
  if (secrets) {
    if (config.Username !== undefined || config.Password !== undefined) {
      c.invalid('Username and Password must not be set when SecretsManagerConfiguration is enabled.');
    }
  } else if (config.Username === undefined || config.Password === undefined) {
    c.invalid('Username and Password are required unless SecretsManagerConfiguration is enabled.');
  }
  checkRetryOptions(c, config.RetryOptions, path);
  c.oneOf(config.S3BackupMode, pathOf(path, 'S3BackupMode'), ['Disabled', 'Enabled']);

  if (c.required(config.S3Configuration, pathOf(path, 'S3Configuration'))) {
    const s3 = config.S3Configuration!;
    // §8 step 1: the intermediate bucket is written like an S3 destination, with these limits.
    const format = s3.CompressionFormat;
    if (format !== undefined && format !== 'UNCOMPRESSED' && format !== 'GZIP') {
      c.invalid(
        `CompressionFormat ${String(format).slice(0, 40)} is not supported for the Redshift intermediate bucket; use UNCOMPRESSED or GZIP.`,
      );
    }
    if (typeof s3.Prefix === 'string' && s3.Prefix.includes('!{')) {
      c.invalid('The Redshift intermediate S3 Prefix cannot contain expressions.');
    }
    if (s3.ErrorOutputPrefix !== undefined && s3.ErrorOutputPrefix !== '') {
      c.invalid(
        'ErrorOutputPrefix is not supported for the Redshift intermediate bucket: skipped batches are listed in manifests under errors/.',
      );
    }
  }
  return c.problems;
}

/** Settings after defaults (§8). `bucket` is the intermediate bucket's name, parsed by the caller from BucketARN. */
export function resolveRedshiftSettings(config: RedshiftDestinationShape, bucket: string): RedshiftSettings {
  const url = config.ClusterJDBCURL ?? '';
  const cluster = parseClusterJdbcUrl(url);
  if (!cluster) {
    throw new SluiceError(
      'InvalidConfig',
      'ClusterJDBCURL did not pass checkRedshiftDestination; check before resolving.',
    );
  }
  const format = config.S3Configuration?.CompressionFormat as CompressionFormat | undefined;
  return {
    roleArn: config.RoleARN ?? '',
    cluster,
    clusterJdbcUrl: url,
    dataTableName: config.CopyCommand?.DataTableName ?? '',
    dataTableColumns: config.CopyCommand?.DataTableColumns || undefined,
    copyOptions: config.CopyCommand?.CopyOptions ?? '',
    username: config.Username,
    password: config.Password,
    secretArn: config.SecretsManagerConfiguration?.Enabled
      ? config.SecretsManagerConfiguration.SecretARN
      : undefined,
    retryDurationSeconds: config.RetryOptions?.DurationInSeconds ?? REDSHIFT_DEFAULT_RETRY_SECONDS,
    bucket,
    prefix: config.S3Configuration?.Prefix ?? '',
    compressionFormat: format === 'GZIP' ? 'GZIP' : 'UNCOMPRESSED',
  };
}
