export { errorDocument, errorOutputBody } from './documents.ts';
export {
  type DataCatalogTable,
  ERROR_OUTPUT_TYPES,
  type ErrorOutputInput,
  type ErrorOutputRecord,
  type ErrorOutputType,
} from './types.ts';
