import { hasGzipOption } from './copy-options.ts';

export interface CopyCommandInput {
  dataTableName: string;
  dataTableColumns: string | undefined;
  copyOptions: string;
  manifestUrl: string;
  roleArn: string;
  /** The intermediate objects are GZIP-compressed. */
  compressed: boolean;
}

/** A string literal in Redshift SQL. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The COPY Firehose issues for a manifest (§8):
 * `COPY <DataTableName> [(<DataTableColumns>)] FROM '<manifest url>' CREDENTIALS 'aws_iam_role=<RoleARN>' MANIFEST <CopyOptions>`.
 * ? §8 marks the literal text unverified; this is its documented general form. Table, columns and options go in
 * as configured (they are SQL the user wrote). The console tells users that GZIP is needed when the intermediate
 * objects are compressed; Sluice adds it when compression is on and the options lack it, since a COPY without it
 * can only fail. A trailing ';' in CopyOptions (the API doc's own example has one) is kept at the very end.
 */
export function buildCopyCommand(input: CopyCommandInput): string {
  const semicolon = input.copyOptions.trim().endsWith(';');
  const options = effectiveCopyOptions(input.copyOptions, input.compressed);
  const columns = input.dataTableColumns?.trim() ? ` (${input.dataTableColumns.trim()})` : '';
  const credentials = sqlString(`aws_iam_role=${input.roleArn}`);
  const tail = options === '' ? '' : ` ${options}`;
  return `COPY ${input.dataTableName}${columns} FROM ${sqlString(input.manifestUrl)} CREDENTIALS ${credentials} MANIFEST${tail}${semicolon ? ';' : ''}`;
}

/** CopyOptions as the COPY runs them: without a trailing ';', with GZIP when the objects are compressed. */
export function effectiveCopyOptions(copyOptions: string, compressed: boolean): string {
  const options = copyOptions
    .trim()
    .replace(/;+\s*$/, '')
    .trimEnd();
  if (!compressed || hasGzipOption(options)) return options;
  return options === '' ? 'GZIP' : `${options} GZIP`;
}

/** DataTableColumns as a list of column names (quotes removed), or undefined when none are configured. */
export function columnList(dataTableColumns: string | undefined): string[] | undefined {
  if (!dataTableColumns?.trim()) return undefined;
  return dataTableColumns.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}
