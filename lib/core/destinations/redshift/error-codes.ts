import type { SqlOutcome } from '../../ports.ts';
import type { DeliveryError } from '../contract.ts';

/** §8: the codes Firehose logs for Redshift delivery. */
export type RedshiftErrorCode =
  | 'Redshift.TableNotFound'
  | 'Redshift.SyntaxError'
  | 'Redshift.AuthenticationFailed'
  | 'Redshift.AccessDenied'
  | 'Redshift.S3BucketAccessDenied'
  | 'Redshift.DataLoadFailed'
  | 'Redshift.ColumnNotFound'
  | 'Redshift.DatabaseNotFound'
  | 'Redshift.IncorrectCopyOptions'
  | 'Redshift.MissingColumn'
  | 'Redshift.ConnectionFailed'
  | 'Redshift.ColumnMismatch'
  | 'Redshift.IncorrectOrMissingRegion'
  | 'Redshift.IncorrectJsonPathsFile'
  | 'Redshift.MissingS3File'
  | 'Redshift.InsufficientPrivilege'
  | 'Redshift.ReadOnlyCluster'
  | 'Redshift.DiskFull'
  | 'InternalError';

const MAX_MESSAGE_CHARS = 2048;

/** PostgreSQL SQLSTATEs (Redshift speaks the same protocol) → §8 codes. Classes are checked after exact codes. */
const BY_SQLSTATE: Record<string, RedshiftErrorCode> = {
  '42P01': 'Redshift.TableNotFound',
  '3F000': 'Redshift.TableNotFound',
  '42703': 'Redshift.ColumnNotFound',
  '42601': 'Redshift.SyntaxError',
  '42501': 'Redshift.InsufficientPrivilege',
  '3D000': 'Redshift.DatabaseNotFound',
  '25006': 'Redshift.ReadOnlyCluster',
  '53100': 'Redshift.DiskFull',
  '23502': 'Redshift.MissingColumn',
  // Sluice's local loader: an option PostgreSQL cannot express, a manifest entry that is not there.
  '0A000': 'Redshift.IncorrectCopyOptions',
  '58P01': 'Redshift.MissingS3File',
};
const BY_SQLSTATE_CLASS: Record<string, RedshiftErrorCode> = {
  '08': 'Redshift.ConnectionFailed',
  '22': 'Redshift.DataLoadFailed',
  '23': 'Redshift.DataLoadFailed',
  '28': 'Redshift.AuthenticationFailed',
  '53': 'Redshift.DiskFull',
  '57': 'Redshift.ConnectionFailed',
};

/**
 * The Redshift Data API reports failures as text only; these are the messages Redshift gives for each case.
 * Order matters: the first match wins, specific before general.
 */
const BY_MESSAGE: Array<[RegExp, RedshiftErrorCode]> = [
  [/jsonpaths/i, 'Redshift.IncorrectJsonPathsFile'],
  [/S3ServiceException.*(access ?denied|forbidden)/i, 'Redshift.S3BucketAccessDenied'],
  [
    /(specified key does not exist|manifest file is (invalid|missing)|mandatory.*(not found|missing)|NoSuchKey)/i,
    'Redshift.MissingS3File',
  ],
  [/(must be addressed using the specified endpoint|region)/i, 'Redshift.IncorrectOrMissingRegion'],
  [/database "[^"]*" does not exist/i, 'Redshift.DatabaseNotFound'],
  [/column "[^"]*" (of relation "[^"]*" )?does not exist/i, 'Redshift.ColumnNotFound'],
  [/relation "[^"]*" does not exist/i, 'Redshift.TableNotFound'],
  [
    /(column count mismatch|extra column|number of jsonpaths and the number of columns)/i,
    'Redshift.ColumnMismatch',
  ],
  [/(missing data for (a )?(not-null|column)|null value in column)/i, 'Redshift.MissingColumn'],
  [/load into table '[^']*' failed/i, 'Redshift.DataLoadFailed'],
  [
    /(invalid operation|unknown|unsupported).*(copy|option)|copy.*(option|argument).*(invalid|conflict|not supported)/i,
    'Redshift.IncorrectCopyOptions',
  ],
  [/syntax error/i, 'Redshift.SyntaxError'],
  [
    /(password authentication failed|authentication failed|not authorized to get credentials)/i,
    'Redshift.AuthenticationFailed',
  ],
  [/(permission denied|insufficient privilege)/i, 'Redshift.InsufficientPrivilege'],
  [/(access ?denied|not authorized)/i, 'Redshift.AccessDenied'],
  [/read[- ]only/i, 'Redshift.ReadOnlyCluster'],
  [/disk full|no space left/i, 'Redshift.DiskFull'],
  [
    /(connect|connection|timed? ?out|unreachable|cluster .*(not available|paused|resizing|modifying))/i,
    'Redshift.ConnectionFailed',
  ],
];

/** Maps a failed COPY to a §8 error code and a bounded message. */
export function redshiftErrorOf(outcome: Extract<SqlOutcome, { ok: false }>): DeliveryError {
  const message =
    outcome.message.length > MAX_MESSAGE_CHARS
      ? `${outcome.message.slice(0, MAX_MESSAGE_CHARS)}…`
      : outcome.message;
  return { errorCode: redshiftCodeOf(outcome), errorMessage: message };
}

function redshiftCodeOf(outcome: Extract<SqlOutcome, { ok: false }>): RedshiftErrorCode {
  const state = outcome.sqlState;
  if (state) {
    const exact = BY_SQLSTATE[state] ?? BY_SQLSTATE_CLASS[state.slice(0, 2)];
    if (exact) return exact;
  }
  for (const [pattern, code] of BY_MESSAGE) if (pattern.test(outcome.message)) return code;
  return outcome.kind === 'connection' ? 'Redshift.ConnectionFailed' : 'InternalError';
}
