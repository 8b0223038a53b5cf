/** Common schedules, offered by name; anything else is typed as a cron expression. Written out so the catalogue test finds every key. */
export const SCHEDULE_PRESETS = [
  { cron: '30 3 * * *', label: 'hearth.backups.schedules.preset.daily' },
  { cron: '0 */6 * * *', label: 'hearth.backups.schedules.preset.every_6_hours' },
  { cron: '30 3 * * 0', label: 'hearth.backups.schedules.preset.weekly' },
  { cron: '30 3 1 * *', label: 'hearth.backups.schedules.preset.monthly' },
] as const;

/** The preset a cron expression is, if any (spacing aside). */
export function presetOf(cron: string) {
  const normalised = cron.trim().split(/\s+/).join(' ');
  return SCHEDULE_PRESETS.find((preset) => preset.cron === normalised);
}

/**
 * The time zones the browser knows (the API checks against the same IANA list), UTC first, and
 * `current` among them even where this browser's list lacks it.
 */
export function timeZones(current: string): string[] {
  const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
  return zones.includes(current) ? zones : [current, ...zones];
}

/** The reader's own time zone, the likeliest meaning of "03:30". */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
