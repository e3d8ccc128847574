/** An MS-DOS date and time as stored in ZIP headers (2-second resolution, years 1980–2107). */
export interface DosDateTime {
  date: number;
  time: number;
}

const DOS_MIN_MS = Date.UTC(1980, 0, 1);
const DOS_MAX_MS = Date.UTC(2107, 11, 31, 23, 59, 58);

/**
 * ZIP timestamps carry no zone; UTC is used so that the same instant always yields the same bytes, whatever the
 * host's zone. Instants outside the representable range are clamped rather than wrapped.
 */
export function toDosDateTime(nowMs: number): DosDateTime {
  const at = new Date(Math.min(Math.max(nowMs, DOS_MIN_MS), DOS_MAX_MS));
  const date = ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  const time = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1);
  return { date, time };
}
