export type IndexRotationPeriod = 'NoRotation' | 'OneHour' | 'OneDay' | 'OneWeek' | 'OneMonth';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * ISO-8601 week-numbering year and week of a UTC instant: weeks start on Monday and week 1 holds the year's first
 * Thursday, so 2021-01-01 (a Friday) is week 53 of 2020 and 2024-12-30 (a Monday) is week 1 of 2025.
 */
export function isoWeekOf(ms: number): { year: number; week: number } {
  const date = new Date(ms);
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const isoDay = date.getUTCDay() || 7;
  // The Thursday of this week decides which year the week belongs to.
  const thursday = new Date(midnight + (4 - isoDay) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year, week };
}

/**
 * The index a record goes to (§9): IndexName plus part of the record's UTC arrival time.
 * ⚠ §9 conflict: the doc describes a US week rule but its own example (`2016-02-25` → `w08`) only fits ISO-8601,
 * so OneWeek uses the ISO week and, to stay consistent at year ends, the ISO week-year (2021-01-01 → `2020-w53`).
 */
export function rotatedIndexName(indexName: string, period: IndexRotationPeriod, arrivalMs: number): string {
  if (period === 'NoRotation') return indexName;
  const d = new Date(arrivalMs);
  const ymd = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  switch (period) {
    case 'OneHour':
      return `${indexName}-${ymd}-${pad(d.getUTCHours())}`;
    case 'OneDay':
      return `${indexName}-${ymd}`;
    case 'OneWeek': {
      const { year, week } = isoWeekOf(arrivalMs);
      return `${indexName}-${year}-w${pad(week)}`;
    }
    case 'OneMonth':
      return `${indexName}-${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  }
}
