import { DescribeStatementCommand, ExecuteStatementCommand } from '@aws-sdk/client-redshift-data';
import type { ClusterAddress } from '../../core/destinations/redshift/config.ts';
import type { CopyRequest, SqlClient, SqlOutcome } from '../../core/ports.ts';

/** The one method of the SDK client used here, so tests can pass a fake. */
export interface RedshiftDataSender {
  send(command: ExecuteStatementCommand | DescribeStatementCommand): Promise<unknown>;
}

export interface RedshiftDataSqlClientOptions {
  client: RedshiftDataSender;
  /** From the ClusterJDBCURL (parseClusterJdbcUrl): a provisioned cluster or a Serverless workgroup. */
  cluster: Extract<ClusterAddress, { kind: 'redshift' | 'redshift-serverless' }>;
  /** SecretsManagerConfiguration.SecretARN; otherwise `dbUser` gets temporary credentials (provisioned only). */
  secretArn?: string;
  dbUser?: string;
  /** Between DescribeStatement calls. */
  pollIntervalMs?: number;
  /** Give up waiting for one COPY after this long (its outcome is then unknown: treated as a failure). */
  statementTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_POLL_MS = 1000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 60 * 60 * 1000;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SDK errors that mean the service or network was not reached, as opposed to the statement being refused. */
const CONNECTION_ERRORS = new Set([
  'TimeoutError',
  'NetworkingError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'InternalServerException',
  'ThrottlingException',
]);

/**
 * SqlClient through the Redshift Data API: ExecuteStatement with the COPY as Firehose builds it (§8), then
 * DescribeStatement until it FINISHED, FAILED or was ABORTED. The Data API reports failures as text without a
 * SQLSTATE; the core maps the text to §8's codes.
 */
export class RedshiftDataSqlClient implements SqlClient {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RedshiftDataSqlClientOptions) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  async copy(request: CopyRequest): Promise<SqlOutcome> {
    const { cluster } = this.options;
    let id: string | undefined;
    try {
      const executed = (await this.options.client.send(
        new ExecuteStatementCommand({
          Sql: request.statement,
          Database: cluster.database,
          ...(cluster.kind === 'redshift'
            ? { ClusterIdentifier: cluster.clusterIdentifier }
            : { WorkgroupName: cluster.workgroupName }),
          ...(this.options.secretArn ? { SecretArn: this.options.secretArn } : {}),
          ...(!this.options.secretArn && this.options.dbUser ? { DbUser: this.options.dbUser } : {}),
          StatementName: 'sluice-firehose-copy',
        }),
      )) as { Id?: string };
      id = executed.Id;
    } catch (error) {
      return sdkFailure(error);
    }
    if (!id) return { ok: false, kind: 'connection', message: 'ExecuteStatement returned no statement Id.' };

    const pollMs = this.options.pollIntervalMs ?? DEFAULT_POLL_MS;
    const maxPolls = Math.ceil((this.options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS) / pollMs);
    for (let poll = 0; poll < maxPolls; poll++) {
      let described: { Status?: string; Error?: string };
      try {
        described = (await this.options.client.send(
          new DescribeStatementCommand({ Id: id }),
        )) as typeof described;
      } catch (error) {
        return sdkFailure(error);
      }
      switch (described.Status) {
        case 'FINISHED':
          return { ok: true };
        case 'FAILED':
          return {
            ok: false,
            kind: 'statement',
            message: described.Error ?? 'The COPY failed without an error message.',
          };
        case 'ABORTED':
          return { ok: false, kind: 'statement', message: 'The COPY was aborted.' };
        default:
          await this.sleep(pollMs);
      }
    }
    return { ok: false, kind: 'connection', message: `The COPY (statement ${id}) did not finish in time.` };
  }

  async close(): Promise<void> {}
}

function sdkFailure(error: unknown): SqlOutcome {
  const e = error as { name?: string; code?: string; message?: string };
  const name = e.name ?? e.code ?? 'Error';
  const kind =
    CONNECTION_ERRORS.has(name) || CONNECTION_ERRORS.has(e.code ?? '') ? 'connection' : 'statement';
  return { ok: false, kind, message: `${name}: ${e.message ?? String(error)}` };
}
