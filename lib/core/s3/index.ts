export {
  compileDateFormat,
  type DateFormat,
  ISO_WEEKS,
  JAVA_DEFAULT_WEEKS,
  type WeekDefinition,
} from './java-date-format.ts';
export {
  compileObjectKeys,
  DATE_PATH_LENGTH,
  type KeyContext,
  MAX_EVALUATED_PREFIX_LENGTH,
  type ObjectKeys,
} from './object-key.ts';
export {
  checkS3Prefixes,
  MAX_PREFIX_LENGTH,
  PREFIX_CONSTRAINT_HEADER,
  PREFIX_RULE_MESSAGES,
  type S3PrefixesInput,
} from './prefix-rules.ts';
export {
  type PartitionKeyNamespace,
  type PartitionKeys,
  type PrefixPart,
  type PrefixRenderContext,
  type PrefixTemplate,
  parsePrefix,
  partitionKeyNames,
  RANDOM_STRING_LENGTH,
  renderPartitionId,
} from './prefix-template.ts';
