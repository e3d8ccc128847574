import { SluiceError } from '../errors.ts';
import type { IdSource } from '../ports.ts';
import { compileDateFormat } from './java-date-format.ts';
import { type PartitionKeys, type PrefixTemplate, parsePrefix } from './prefix-template.ts';

/** Firehose refuses to write under a prefix that evaluates to more than this many characters (spec §3.3 rule 5). */
export const MAX_EVALUATED_PREFIX_LENGTH = 512;

/** The default prefix, and what Firehose concatenates to an expression-free one (spec §3.1). */
const DATE_PATH = compileDateFormat('yyyy/MM/dd/HH/');
export const DATE_PATH_LENGTH = 'yyyy/MM/dd/HH/'.length;
const SUFFIX_TIMESTAMP = compileDateFormat('yyyy-MM-dd-HH-mm-ss');

export interface KeyContext {
  streamName: string;
  versionId: string;
  /** Arrival time of the oldest record in the object (spec §3.1). */
  instantMs: number;
  /** CustomTimeZone; applies to the prefix and the key suffix alike (spec §3.1). */
  timeZone: string;
  ids: IdSource;
  partitionKeys?: Record<string, string>;
  partitionKeysByNamespace?: PartitionKeys;
}

export interface ObjectKeys {
  /** `<evaluated Prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`. */
  dataKey(ctx: KeyContext, extension: string): string;
  /** The same suffix under the error prefix, for records that failed with `errorOutputType` (spec §4.1). */
  errorKey(errorOutputType: string, ctx: KeyContext, extension: string): string;
}

/**
 * Compiles a destination's `Prefix` and `ErrorOutputPrefix` once (spec §3.1–§3.3). Throws InvalidArgumentException
 * for invalid expressions; rendering throws SluiceError `PrefixTooLong` (evaluated prefix over 512 characters),
 * `PartitionKeyMissing` or `InvalidTimeZone`, which the caller routes to the error prefix.
 */
export function compileObjectKeys(config: {
  prefix: string;
  errorOutputPrefix: string | undefined;
}): ObjectKeys {
  const prefix = parsePrefix(config.prefix, 'Prefix');
  const errorPrefix = config.errorOutputPrefix
    ? parsePrefix(config.errorOutputPrefix, 'ErrorOutputPrefix')
    : undefined;

  const dataPrefix = (ctx: KeyContext): string => withDatePath(prefix, ctx);

  const errorPrefixOf = (errorOutputType: string, ctx: KeyContext): string => {
    if (errorPrefix) {
      // An expression-free ErrorOutputPrefix is completed like an expression-free Prefix: both go through the
      // same evaluator (rule 5 applies to "neither" alike), and without the date path every failure of the
      // stream's lifetime would pile up under one flat folder.
      return withDatePath(errorPrefix, { ...ctx, errorOutputType });
    }
    // Spec §3.3 rule 9 (⚠ the docs disagree with themselves): the text says `<prefix><type>YYYY/MM/DDD/HH/`, the
    // example `myFirehosePrefix/processing-failed/2018/08/27/`. The reading that fits the example and the
    // observed data-key rule (§3.1: date path `yyyy/MM/dd/HH/`, plain concatenation) is
    // `<prefix><type>/yyyy/MM/dd/HH/`: the example's slash after the type is kept, `DDD` and the missing hour
    // are taken as doc slips, and the prefix is joined without inserting anything.
    const base = prefix.render({ ...ctx, errorOutputType });
    return `${base}${errorOutputType}/${DATE_PATH.format(ctx.instantMs, ctx.timeZone)}`;
  };

  return {
    dataKey: (ctx, extension) => checked(dataPrefix(ctx), 'Prefix') + suffix(ctx, extension),
    errorKey: (errorOutputType, ctx, extension) =>
      checked(errorPrefixOf(errorOutputType, ctx), 'ErrorOutputPrefix') + suffix(ctx, extension),
  };
}

// Spec §3.1: no expression → `!{timestamp:yyyy/MM/dd/HH/}` is appended by plain concatenation (observed on AWS:
// `legacy` → `legacy2026/07/13/14/…`); an empty prefix therefore yields the default `yyyy/MM/dd/HH/`.
function withDatePath(template: PrefixTemplate, ctx: KeyContext & { errorOutputType?: string }): string {
  const rendered = template.render(ctx);
  return template.hasExpressions ? rendered : rendered + DATE_PATH.format(ctx.instantMs, ctx.timeZone);
}

function checked(evaluatedPrefix: string, field: string): string {
  if (evaluatedPrefix.length > MAX_EVALUATED_PREFIX_LENGTH) {
    throw new SluiceError(
      'PrefixTooLong',
      `${field} evaluated to ${evaluatedPrefix.length} characters; at most ${MAX_EVALUATED_PREFIX_LENGTH} are allowed.`,
    );
  }
  return evaluatedPrefix;
}

function suffix(ctx: KeyContext, extension: string): string {
  const timestamp = SUFFIX_TIMESTAMP.format(ctx.instantMs, ctx.timeZone);
  return `${ctx.streamName}-${ctx.versionId}-${timestamp}-${ctx.ids.uuid()}${extension}`;
}
