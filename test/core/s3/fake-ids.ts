import type { IdSource } from '../../../lib/core/ports.ts';

/** A deterministic IdSource: UUIDs and random strings count up, so tests can assert exact keys. */
export function fakeIds(): IdSource & { uuids: number; strings: number } {
  const ids = {
    uuids: 0,
    strings: 0,
    uuid() {
      ids.uuids++;
      return `00000000-0000-4000-8000-${String(ids.uuids).padStart(12, '0')}`;
    },
    randomString(length: number) {
      ids.strings++;
      return `r${ids.strings}`.padEnd(length, 'x');
    },
  };
  return ids;
}
