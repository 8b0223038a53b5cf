export interface KeepRules {
  readonly keepLast: number;
  readonly keepDaily: number;
  readonly keepWeekly: number;
  readonly keepMonthly: number;
}

export interface Dated {
  readonly id: string;
  readonly startedAt: Date;
}

/**
 * Which verified backups the keep rules let go: the newest `keepLast` stay, and so does the newest
 * backup of each of the latest `keepDaily` days, `keepWeekly` weeks and `keepMonthly` months
 * that have one (calendar periods in `timeZone`), the way restic's `forget --keep-*` counts.
 * Whatever the rules, no more than `atMost` stay (the console retention policy's backupsKept):
 * the newest of those the rules keep.
 */
export function backupsToPrune(backups: readonly Dated[], rules: KeepRules, timeZone: string, atMost = Infinity): string[] {
  const newestFirst = [...backups].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const keep = new Set(newestFirst.slice(0, rules.keepLast).map((backup) => backup.id));
  const parts = calendar(timeZone);
  const periods: [number, (date: Date) => string][] = [
    [rules.keepDaily, (date) => parts(date).day],
    [rules.keepWeekly, (date) => parts(date).week],
    [rules.keepMonthly, (date) => parts(date).month],
  ];
  for (const [count, period] of periods) {
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      if (seen.size >= count) break;
      const key = period(backup.startedAt);
      if (seen.has(key)) continue;
      seen.add(key);
      keep.add(backup.id);
    }
  }
  const kept = newestFirst.filter((backup) => keep.has(backup.id)).slice(0, atMost);
  const staying = new Set(kept.map((backup) => backup.id));
  return newestFirst.filter((backup) => !staying.has(backup.id)).map((backup) => backup.id);
}

function calendar(timeZone: string): (date: Date) => { day: string; week: string; month: string } {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (date) => {
    const [year, month, day] = format.format(date).split('-').map(Number) as [number, number, number];
    return { day: `${year}-${month}-${day}`, week: isoWeek(year, month, day), month: `${year}-${month}` };
  };
}

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${week}`;
}
