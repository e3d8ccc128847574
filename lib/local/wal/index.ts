export type { WalOptions } from './write-ahead-log.ts';
export { WriteAheadLog } from './write-ahead-log.ts';
