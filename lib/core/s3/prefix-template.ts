import { bounded, FirehoseApiError, SluiceError } from '../errors.ts';
import type { IdSource } from '../ports.ts';
import { compileDateFormat, type DateFormat } from './java-date-format.ts';

/** Length of a `!{firehose:random-string}` value (spec §3.2). */
export const RANDOM_STRING_LENGTH = 11;

export type PartitionKeyNamespace = 'partitionKeyFromQuery' | 'partitionKeyFromLambda';

/** One piece of a compiled prefix; `expression` is the source text, kept for messages. */
export type PrefixPart =
  | { kind: 'literal'; text: string }
  | { kind: 'timestamp'; expression: string; format: DateFormat }
  | { kind: 'random-string'; expression: string }
  | { kind: 'error-output-type'; expression: string }
  | { kind: PartitionKeyNamespace; expression: string; key: string };

/** A record's partition keys by namespace: MetadataExtraction's and the Lambda's `metadata.partitionKeys` (spec §6). */
export type PartitionKeys = Partial<Record<PartitionKeyNamespace, Readonly<Record<string, string>>>>;

export interface PrefixRenderContext {
  instantMs: number;
  timeZone: string;
  ids: IdSource;
  errorOutputType?: string;
  /** Keys read by both `partitionKeyFrom*` namespaces; ignored when `partitionKeysByNamespace` is given. */
  partitionKeys?: Record<string, string>;
  /** Each namespace reads only its own keys (spec §3.2): a Lambda key never fills `!{partitionKeyFromQuery:…}`. */
  partitionKeysByNamespace?: PartitionKeys;
}

/** A `Prefix` / `ErrorOutputPrefix` compiled once and rendered once per delivered object. */
export interface PrefixTemplate {
  readonly source: string;
  readonly parts: readonly PrefixPart[];
  /** False for a prefix of plain text, which Firehose completes with the default date path (spec §3.1). */
  readonly hasExpressions: boolean;
  uses(kind: PrefixPart['kind']): boolean;
  render(ctx: PrefixRenderContext): string;
}

const NAMESPACES = ['timestamp', 'firehose', 'partitionKeyFromQuery', 'partitionKeyFromLambda'];
const FIREHOSE_VALUES = ['random-string', 'error-output-type'];

/**
 * Parses the `!{namespace:value}` language of spec §3.2. A `!{` that does not open a valid expression is a
 * configuration error (§3.3 rule 1), raised as Firehose's InvalidArgumentException naming the expression.
 * `field` names the member in messages (`Prefix`, `ErrorOutputPrefix`).
 */
export function parsePrefix(source: string, field = 'Prefix'): PrefixTemplate {
  const parts: PrefixPart[] = [];
  let literal = '';
  let pos = 0;
  while (pos < source.length) {
    const start = source.indexOf('!{', pos);
    if (start < 0) {
      literal += source.slice(pos);
      break;
    }
    literal += source.slice(pos, start);
    const end = source.indexOf('}', start + 2);
    if (end < 0) {
      throw badExpression(field, source.slice(start), "'!{' is not closed by '}'");
    }
    const expression = source.slice(start, end + 1);
    if (literal !== '') parts.push({ kind: 'literal', text: literal });
    literal = '';
    parts.push(parseExpression(field, expression));
    pos = end + 1;
  }
  if (literal !== '') parts.push({ kind: 'literal', text: literal });
  return makeTemplate(source, parts);
}

function badExpression(field: string, expression: string, reason: string): FirehoseApiError {
  return new FirehoseApiError(
    'InvalidArgumentException',
    `${field} contains an invalid expression '${bounded(expression)}': ${reason}. ` +
      'Expressions have the form !{namespace:value}; write a literal "!{" only as part of one.',
  );
}

function parseExpression(field: string, expression: string): PrefixPart {
  const body = expression.slice(2, -1);
  if (body.includes('!{')) throw badExpression(field, expression, 'expressions cannot be nested');
  const colon = body.indexOf(':');
  if (colon < 0) throw badExpression(field, expression, 'it has no ":" between namespace and value');
  const namespace = body.slice(0, colon);
  const value = body.slice(colon + 1);
  if (!NAMESPACES.includes(namespace)) {
    throw badExpression(
      field,
      expression,
      `unknown namespace '${bounded(namespace)}' (use ${NAMESPACES.join(', ')})`,
    );
  }
  if (value === '') throw badExpression(field, expression, 'the value is empty');
  switch (namespace) {
    case 'timestamp':
      try {
        return { kind: 'timestamp', expression, format: compileDateFormat(value) };
      } catch (cause) {
        if (!(cause instanceof SluiceError)) throw cause;
        throw new FirehoseApiError(
          'InvalidArgumentException',
          `${field} contains an invalid expression '${bounded(expression)}': ${cause.message}`,
          { cause },
        );
      }
    case 'firehose':
      if (value === 'random-string') return { kind: 'random-string', expression };
      if (value === 'error-output-type') return { kind: 'error-output-type', expression };
      throw badExpression(
        field,
        expression,
        `unknown firehose value '${bounded(value)}' (use ${FIREHOSE_VALUES.join(' or ')})`,
      );
    default:
      return { kind: namespace as PartitionKeyNamespace, expression, key: value };
  }
}

function makeTemplate(source: string, parts: readonly PrefixPart[]): PrefixTemplate {
  const kinds = new Set(parts.map((part) => part.kind));
  return {
    source,
    parts,
    hasExpressions: parts.some((part) => part.kind !== 'literal'),
    uses: (kind) => kinds.has(kind),
    render(ctx) {
      let out = '';
      // Every !{timestamp} reads ctx.instantMs, so all occurrences show the same instant (spec §3.1).
      for (const part of parts) out += renderPart(part, ctx);
      return out;
    },
  };
}

function renderPart(part: PrefixPart, ctx: PrefixRenderContext): string {
  switch (part.kind) {
    case 'literal':
      return part.text;
    case 'timestamp':
      return part.format.format(ctx.instantMs, ctx.timeZone);
    case 'random-string':
      // A fresh value per occurrence (spec §3.2).
      return ctx.ids.randomString(RANDOM_STRING_LENGTH);
    case 'error-output-type':
      if (ctx.errorOutputType === undefined) {
        throw new SluiceError(
          'ErrorOutputTypeMissing',
          `${part.expression} can only be rendered for failed records.`,
        );
      }
      return ctx.errorOutputType;
    default: {
      const keys = ctx.partitionKeysByNamespace ? ctx.partitionKeysByNamespace[part.kind] : ctx.partitionKeys;
      const value = keys?.[part.key];
      // Dynamic partitioning routes a record without the key to the error prefix (spec §6).
      if (value === undefined) {
        throw new SluiceError(
          'PartitionKeyMissing',
          `No value for partition key '${bounded(part.key)}' (${part.expression}).`,
        );
      }
      return value;
    }
  }
}

/**
 * What identifies a dynamic partition (spec §6: a distinct evaluated prefix is a partition): the prefix rendered
 * for one record from its arrival time and partition keys, with each `!{firehose:random-string}` left as its
 * expression text, since a fresh random value per record would make every record a partition of its own. The
 * random strings are drawn when an object key is rendered. Records with the same id render the same timestamps,
 * so the object's oldest record renders the id's prefix. Throws SluiceError `PartitionKeyMissing` like `render`.
 */
export function renderPartitionId(
  template: PrefixTemplate,
  ctx: Pick<PrefixRenderContext, 'instantMs' | 'timeZone' | 'partitionKeys' | 'partitionKeysByNamespace'>,
): string {
  return template.render({ ...ctx, ids: PLACEHOLDER_IDS });
}

/** How a random string appears in a partition id; as long as a real one, so length checks hold. */
const RANDOM_STRING_PLACEHOLDER = '!{firehose}'.padEnd(RANDOM_STRING_LENGTH, '_');
const PLACEHOLDER_IDS: IdSource = { uuid: () => '', randomString: () => RANDOM_STRING_PLACEHOLDER };

/** The `!{partitionKeyFrom*:key}` names a template uses, per namespace, in order of first use. */
export function partitionKeyNames(template: PrefixTemplate): Record<PartitionKeyNamespace, string[]> {
  const names: Record<PartitionKeyNamespace, string[]> = {
    partitionKeyFromQuery: [],
    partitionKeyFromLambda: [],
  };
  for (const part of template.parts) {
    if (part.kind === 'partitionKeyFromQuery' || part.kind === 'partitionKeyFromLambda') {
      if (!names[part.kind].includes(part.key)) names[part.kind].push(part.key);
    }
  }
  return names;
}
