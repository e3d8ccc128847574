import { describe, expect, it } from 'vitest';
import { RedshiftDataSqlClient } from '../../../lib/adapters/aws/redshift-data-client.ts';
import { planPostgresCopy } from '../../../lib/adapters/postgres-copy-loader.ts';
import {
  checkRedshiftDestination,
  parseClusterJdbcUrl,
  resolveRedshiftSettings,
} from '../../../lib/core/destinations/redshift/config.ts';
import { buildCopyCommand } from '../../../lib/core/destinations/redshift/copy-command.ts';
import { parseCopyOptions } from '../../../lib/core/destinations/redshift/copy-options.ts';
import { redshiftErrorOf } from '../../../lib/core/destinations/redshift/error-codes.ts';
import {
  manifestBody,
  manifestKeys,
  manifestOf,
  parseManifest,
} from '../../../lib/core/destinations/redshift/manifest.ts';
import { createRedshiftWriter } from '../../../lib/core/destinations/redshift/writer.ts';
import type { CopyRequest, SqlOutcome } from '../../../lib/core/ports.ts';
import {
  fakeRetryPorts,
  jsonRecords,
  MemoryObjectStore,
  SequentialIds,
} from '../../destinations/harnesses/harness.ts';

const ROLE = 'arn:aws:iam::123456789012:role/firehose';
const MANIFEST = 's3://bucket/p/manifests/2024/01/02/03/s-1-2024-01-02-03-04-05-u';

describe('COPY command (§8)', () => {
  const copy = (copyOptions: string, compressed = false, columns?: string) =>
    buildCopyCommand({
      dataTableName: 'public.events',
      dataTableColumns: columns,
      copyOptions,
      manifestUrl: MANIFEST,
      roleArn: ROLE,
      compressed,
    });

  it('follows COPY <table> [(<columns>)] FROM <manifest> CREDENTIALS … MANIFEST <options>', () => {
    expect(copy("json 'auto'", false, 'id, name')).toBe(
      `COPY public.events (id, name) FROM '${MANIFEST}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST json 'auto'`,
    );
    expect(copy('')).toBe(
      `COPY public.events FROM '${MANIFEST}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST`,
    );
  });

  it('adds GZIP for compressed objects once, before a trailing semicolon', () => {
    expect(copy("delimiter '|';", true)).toBe(
      `COPY public.events FROM '${MANIFEST}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST delimiter '|' GZIP;`,
    );
    expect(copy('CSV gzip', true)).toBe(
      `COPY public.events FROM '${MANIFEST}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST CSV gzip`,
    );
    expect(copy('', true)).toBe(
      `COPY public.events FROM '${MANIFEST}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST GZIP`,
    );
  });

  it('escapes quotes in the manifest URL', () => {
    expect(
      buildCopyCommand({
        dataTableName: 't',
        dataTableColumns: undefined,
        copyOptions: '',
        manifestUrl: "s3://b/o'k",
        roleArn: 'r',
        compressed: false,
      }),
    ).toBe("COPY t FROM 's3://b/o''k' CREDENTIALS 'aws_iam_role=r' MANIFEST");
  });
});

describe('CopyOptions parsing', () => {
  it('reads the API doc examples and FORMAT AS forms', () => {
    expect(parseCopyOptions("delimiter '\\t' lzop;")).toEqual({
      options: [{ name: 'DELIMITER', value: '\t' }, { name: 'LZOP' }],
      problems: [],
    });
    expect(
      parseCopyOptions("FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' COMPUPDATE OFF").options,
    ).toEqual([
      { name: 'JSON', value: 'auto ignorecase' },
      { name: 'TIMEFORMAT', value: 'auto' },
      { name: 'COMPUPDATE', value: 'OFF' },
    ]);
    expect(parseCopyOptions("CSV QUOTE AS '''' IGNOREHEADER 1 NULL AS 'n/a'").options).toEqual([
      { name: 'CSV' },
      { name: 'QUOTE', value: "'" },
      { name: 'IGNOREHEADER', value: '1' },
      { name: 'NULL', value: 'n/a' },
    ]);
    expect(parseCopyOptions("bogus 'x").problems).toEqual([
      'CopyOptions has an unterminated quoted string.',
      "CopyOptions: 'bogus' is not a Redshift COPY option.",
      "CopyOptions has a quoted value 'x' where an option name was expected.",
    ]);
  });

  it('the local loader plans what PostgreSQL can do and refuses the rest by name', () => {
    expect(planPostgresCopy("CSV DELIMITER ';' IGNOREHEADER 2 NULL AS 'NA' GZIP REGION 'eu-west-1'")).toEqual(
      {
        plan: {
          format: 'csv',
          jsonIgnoreCase: false,
          gzip: true,
          delimiter: ';',
          quote: '"',
          nullAs: 'NA',
          ignoreHeaderLines: 2,
          escape: false,
        },
      },
    );
    expect(planPostgresCopy("json 's3://b/jsonpaths.json' MAXERROR 10 LZOP")).toEqual({
      problems: [
        "JSON 's3://b/jsonpaths.json': only JSON 'auto' and 'auto ignorecase' load locally (no JSONPaths files).",
        'MAXERROR is a Redshift COPY option the local PostgreSQL loader cannot apply.',
        'LZOP is a Redshift COPY option the local PostgreSQL loader cannot apply.',
      ],
    });
  });
});

describe('Redshift error codes (§8)', () => {
  const code = (o: { kind: 'connection' | 'statement'; sqlState?: string; message: string }) =>
    redshiftErrorOf({ ok: false, ...o }).errorCode;

  it('maps SQLSTATEs', () => {
    expect(
      [
        ['statement', '42P01'],
        ['statement', '42703'],
        ['statement', '42601'],
        ['statement', '42501'],
        ['connection', '3D000'],
        ['connection', '28P01'],
        ['statement', '22P02'],
        ['statement', '25006'],
        ['statement', '53100'],
        ['statement', '0A000'],
        ['statement', '58P01'],
        ['connection', '08006'],
        ['statement', 'XX000'],
      ].map(([kind, sqlState]) => code({ kind: kind as 'statement', sqlState: sqlState!, message: '' })),
    ).toEqual([
      'Redshift.TableNotFound',
      'Redshift.ColumnNotFound',
      'Redshift.SyntaxError',
      'Redshift.InsufficientPrivilege',
      'Redshift.DatabaseNotFound',
      'Redshift.AuthenticationFailed',
      'Redshift.DataLoadFailed',
      'Redshift.ReadOnlyCluster',
      'Redshift.DiskFull',
      'Redshift.IncorrectCopyOptions',
      'Redshift.MissingS3File',
      'Redshift.ConnectionFailed',
      'InternalError',
    ]);
  });

  it('maps Redshift Data API messages, which carry no SQLSTATE', () => {
    const messages: Array<[string, string]> = [
      ['ERROR: relation "public.events" does not exist', 'Redshift.TableNotFound'],
      ['ERROR: column "nme" of relation "events" does not exist', 'Redshift.ColumnNotFound'],
      [
        "ERROR: Load into table 'events' failed. Check 'stl_load_errors' system table for details.",
        'Redshift.DataLoadFailed',
      ],
      ['ERROR: S3ServiceException:Access Denied,Status 403', 'Redshift.S3BucketAccessDenied'],
      ['ERROR: syntax error at or near "json"', 'Redshift.SyntaxError'],
      ['ERROR: permission denied for relation events', 'Redshift.InsufficientPrivilege'],
      ['ERROR: Manifest file is invalid: The specified key does not exist.', 'Redshift.MissingS3File'],
      [
        'ERROR: Number of jsonpaths and the number of columns should match.',
        'Redshift.IncorrectJsonPathsFile',
      ],
      ['ERROR: database "dev2" does not exist', 'Redshift.DatabaseNotFound'],
      ['something nobody expected', 'InternalError'],
    ];
    expect(messages.map(([message]) => code({ kind: 'statement', message }))).toEqual(
      messages.map(([, c]) => c),
    );
    expect(code({ kind: 'connection', message: 'socket hang up' })).toBe('Redshift.ConnectionFailed');
  });
});

describe('Redshift configuration (§8)', () => {
  const valid = {
    RoleARN: ROLE,
    ClusterJDBCURL: 'jdbc:redshift://analytics.c1x2y3.eu-west-1.redshift.amazonaws.com:5439/dev',
    CopyCommand: { DataTableName: 'events', CopyOptions: "json 'auto'" },
    Username: 'firehose',
    Password: 'Secret123',
    S3Configuration: { BucketARN: 'arn:aws:s3:::stage', CompressionFormat: 'GZIP' },
  };

  it('accepts a valid configuration and parses cluster, workgroup and local URLs', () => {
    expect(checkRedshiftDestination(valid)).toEqual({ violations: [], invalidArguments: [] });
    expect(parseClusterJdbcUrl(valid.ClusterJDBCURL)).toEqual({
      kind: 'redshift',
      host: 'analytics.c1x2y3.eu-west-1.redshift.amazonaws.com',
      port: 5439,
      database: 'dev',
      clusterIdentifier: 'analytics',
      region: 'eu-west-1',
    });
    expect(
      parseClusterJdbcUrl(
        'jdbc:redshift://wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/dev',
      ),
    ).toMatchObject({
      kind: 'redshift-serverless',
      workgroupName: 'wg',
      region: 'us-east-1',
    });
    expect(parseClusterJdbcUrl('jdbc:postgresql://127.0.0.1:5432/postgres')).toEqual({
      kind: 'postgresql',
      host: '127.0.0.1',
      port: 5432,
      database: 'postgres',
    });
    expect(resolveRedshiftSettings(valid, 'stage')).toMatchObject({
      retryDurationSeconds: 3600,
      compressionFormat: 'GZIP',
      prefix: '',
    });
  });

  it('reports every problem without echoing the password', () => {
    const problems = checkRedshiftDestination({
      ...valid,
      ClusterJDBCURL: 'jdbc:mysql://db:3306/x',
      CopyCommand: { DataTableName: '', CopyOptions: 'FROBNICATE' },
      Password: 'short',
      RetryOptions: { DurationInSeconds: 7201 },
      S3Configuration: {
        BucketARN: 'arn:aws:s3:::stage',
        CompressionFormat: 'Snappy',
        Prefix: 'a/!{timestamp:yyyy}/',
        ErrorOutputPrefix: 'e/',
      },
    });
    expect(problems.violations).toEqual([
      "Value '' at 'redshiftDestinationConfiguration.copyCommand.dataTableName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      "Value at 'redshiftDestinationConfiguration.password' failed to satisfy constraint: Member must have length greater than or equal to 6",
      "Value '7201' at 'redshiftDestinationConfiguration.retryOptions.durationInSeconds' failed to satisfy constraint: Member must have value less than or equal to 7200",
    ]);
    expect(problems.invalidArguments).toEqual([
      "ClusterJDBCURL 'jdbc:mysql://db:3306/x' is not a Redshift JDBC URL (jdbc:redshift://<cluster>.<id>.<region>.redshift.amazonaws.com:<port>/<database>) or a local jdbc:postgresql://<host>:<port>/<database>.",
      "CopyOptions: 'FROBNICATE' is not a Redshift COPY option.",
      'CompressionFormat Snappy is not supported for the Redshift intermediate bucket; use UNCOMPRESSED or GZIP.',
      'The Redshift intermediate S3 Prefix cannot contain expressions.',
      'ErrorOutputPrefix is not supported for the Redshift intermediate bucket: skipped batches are listed in manifests under errors/.',
    ]);
    expect(JSON.stringify(problems)).not.toContain('short');
  });
});

describe('manifests (§8)', () => {
  it('round-trips the Redshift manifest format and places error manifests under errors/manifests/', () => {
    const manifest = manifestOf([{ bucket: 'b', key: 'p/2024/01/02/03/o.gz' }]);
    expect(new TextDecoder().decode(manifestBody(manifest))).toBe(
      '{"entries":[{"url":"s3://b/p/2024/01/02/03/o.gz","mandatory":true}]}',
    );
    expect(parseManifest(manifestBody(manifest))).toEqual(manifest);
    expect(manifestKeys('p/', '2024/01/02/03/s-1-x')).toEqual({
      key: 'p/manifests/2024/01/02/03/s-1-x',
      errorKey: 'p/errors/manifests/2024/01/02/03/s-1-x',
    });
  });
});

describe('Redshift Data API SqlClient', () => {
  const request: CopyRequest = {
    statement: "COPY events FROM 's3://b/m' CREDENTIALS 'aws_iam_role=r' MANIFEST json 'auto'",
    table: 'events',
    columns: undefined,
    copyOptions: "json 'auto'",
    manifest: { bucket: 'b', key: 'm', url: 's3://b/m' },
  };
  const fake = (statuses: Array<{ Status: string; Error?: string }>) => {
    const sent: Array<{ name: string; input: unknown }> = [];
    return {
      sent,
      client: {
        async send(command: { constructor: { name: string }; input: unknown }) {
          sent.push({ name: command.constructor.name, input: command.input });
          return command.constructor.name === 'ExecuteStatementCommand' ? { Id: 'stmt-1' } : statuses.shift();
        },
      },
    };
  };

  it('executes the COPY on the cluster and polls until it finishes', async () => {
    const f = fake([{ Status: 'SUBMITTED' }, { Status: 'STARTED' }, { Status: 'FINISHED' }]);
    const sleeps: number[] = [];
    const client = new RedshiftDataSqlClient({
      client: f.client as never,
      cluster: {
        kind: 'redshift',
        host: 'h',
        port: 5439,
        database: 'dev',
        clusterIdentifier: 'analytics',
        region: 'eu-west-1',
      },
      dbUser: 'firehose',
      pollIntervalMs: 250,
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(await client.copy(request)).toEqual({ ok: true });
    expect(f.sent[0]).toEqual({
      name: 'ExecuteStatementCommand',
      input: {
        Sql: request.statement,
        Database: 'dev',
        ClusterIdentifier: 'analytics',
        DbUser: 'firehose',
        StatementName: 'sluice-firehose-copy',
      },
    });
    expect(f.sent.slice(1).map((s) => s.input)).toEqual([
      { Id: 'stmt-1' },
      { Id: 'stmt-1' },
      { Id: 'stmt-1' },
    ]);
    expect(sleeps).toEqual([250, 250]);
  });

  it('uses the workgroup and secret for Serverless, and returns FAILED as a statement error', async () => {
    const f = fake([{ Status: 'FAILED', Error: 'ERROR: relation "events" does not exist' }]);
    const client = new RedshiftDataSqlClient({
      client: f.client as never,
      cluster: {
        kind: 'redshift-serverless',
        host: 'h',
        port: 5439,
        database: 'dev',
        workgroupName: 'wg',
        region: 'us-east-1',
      },
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s',
      sleep: async () => {},
    });
    const outcome = await client.copy(request);
    expect(outcome).toEqual({
      ok: false,
      kind: 'statement',
      message: 'ERROR: relation "events" does not exist',
    });
    expect(redshiftErrorOf(outcome as never).errorCode).toBe('Redshift.TableNotFound');
    expect(f.sent[0]!.input).toMatchObject({
      WorkgroupName: 'wg',
      SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s',
    });
  });

  it('turns SDK errors into values', async () => {
    const client = new RedshiftDataSqlClient({
      client: {
        send: async () =>
          Promise.reject(Object.assign(new Error('Cluster is paused'), { name: 'ValidationException' })),
      },
      cluster: {
        kind: 'redshift',
        host: 'h',
        port: 5439,
        database: 'dev',
        clusterIdentifier: 'c',
        region: 'r',
      },
    });
    expect(await client.copy(request)).toEqual({
      ok: false,
      kind: 'statement',
      message: 'ValidationException: Cluster is paused',
    });
  });
});

describe('Redshift writer', () => {
  const settings = () =>
    resolveRedshiftSettings(
      {
        RoleARN: ROLE,
        ClusterJDBCURL: 'jdbc:postgresql://127.0.0.1:5432/db',
        CopyCommand: { DataTableName: 'events', CopyOptions: "json 'auto'" },
        Username: 'u',
        Password: 'password',
        RetryOptions: { DurationInSeconds: 300 },
        S3Configuration: { BucketARN: 'arn:aws:s3:::stage', Prefix: 'fh/' },
      },
      'stage',
    );

  it('stages like an S3 destination, runs one COPY at a time, and leaves an error manifest for a skipped batch', async () => {
    const store = new MemoryObjectStore();
    let running = 0;
    let overlapped = false;
    const statements: string[] = [];
    const sql = {
      async copy(request: CopyRequest): Promise<SqlOutcome> {
        overlapped ||= running > 0;
        running++;
        statements.push(request.statement);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        const manifest = parseManifest((await store.getObject('stage', request.manifest.key))!)!;
        const object = await store.getObject('stage', manifest.entries[0]!.url.replace('s3://stage/', ''));
        return new TextDecoder().decode(object).includes('"id":3')
          ? { ok: false, kind: 'statement', message: 'ERROR: permission denied for relation events' }
          : { ok: true };
      },
      close: async () => {},
    };
    const ports = fakeRetryPorts();
    const writer = createRedshiftWriter(settings(), {
      objects: store,
      sql,
      ids: new SequentialIds(),
      clock: ports.clock,
      streamName: 's',
      versionId: '1',
    });
    const [first, second] = await Promise.all([
      writer.deliver(jsonRecords(2), ports),
      writer.deliver(jsonRecords(1, 3), fakeRetryPorts()),
    ]);
    expect(overlapped).toBe(false);
    expect(first.plan.object.key).toMatch(/^fh\/2016\/02\/25\/13\/s-1-2016-02-25-13-00-00-[0-9a-f-]{36}$/);
    expect(first.errorManifestKey).toBeUndefined();
    expect(first.delivered).toHaveLength(2);
    expect(first.plan.manifestKey).toMatch(
      /^fh\/manifests\/2016\/02\/25\/13\/s-1-2016-02-25-13-00-00-[0-9a-f-]{36}$/,
    );
    expect(statements).toContain(
      `COPY events FROM 's3://stage/${first.plan.manifestKey}' CREDENTIALS 'aws_iam_role=${ROLE}' MANIFEST json 'auto'`,
    );
    // 300 s window, one attempt every 5 minutes: at 0 and 300 s.
    expect(second.attempts).toBe(2);
    expect(second.failed.map((f) => f.errorCode)).toEqual(['Redshift.InsufficientPrivilege']);
    expect(second.errorManifestKey).toBe(
      second.plan.manifestKey.replace(/^fh\/manifests\//, 'fh/errors/manifests/'),
    );
    expect(parseManifest((await store.getObject('stage', second.errorManifestKey!))!)).toEqual({
      entries: [{ url: `s3://stage/${second.plan.object.key}`, mandatory: true }],
    });
  });
});
