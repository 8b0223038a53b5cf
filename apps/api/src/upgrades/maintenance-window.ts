/**
 * A maintenance window: the hours of the day (in a time zone, on some days of the week) when
 * Hearth may take a server down to upgrade it. A window whose end is before its start runs past
 * midnight (22:00-02:00); its days are the days it starts on.
 */
export interface MaintenanceWindow {
  /** HH:MM, local time. */
  readonly start: string;
  readonly end: string;
  /** IANA time zone, e.g. Europe/Berlin. */
  readonly timezone: string;
  /** 0 = Sunday ... 6 = Saturday; absent: every day. */
  readonly days?: readonly number[];
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MINUTE_MS = 60_000;
// A window opens at least once a week; looking a little further covers DST shifts.
const SEARCH_MINUTES = 8 * 24 * 60;

export function insideWindow(window: MaintenanceWindow, at: Date): boolean {
  const { weekday, minutes } = localTime(window.timezone, at);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  const onDay = (day: number) => !window.days || window.days.includes(day);
  if (start < end) return onDay(weekday) && minutes >= start && minutes < end;
  // Past midnight: the evening part belongs to today, the morning part to the day before.
  return (onDay(weekday) && minutes >= start) || (onDay((weekday + 6) % 7) && minutes < end);
}

/** `at` if the window is open then, else the next minute it opens (within eight days). */
export function nextOpening(window: MaintenanceWindow, at: Date): Date {
  if (insideWindow(window, at)) return at;
  let minute = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  for (let i = 0; i < SEARCH_MINUTES; i++, minute += MINUTE_MS) {
    if (insideWindow(window, new Date(minute))) return new Date(minute);
  }
  throw new Error(`The maintenance window ${describeWindow(window)} never opens`);
}

export function describeWindow(window: MaintenanceWindow): string {
  const days = window.days ? ` on ${[...window.days].sort().map((day) => WEEKDAYS[day]).join(', ')}` : '';
  return `${window.start}-${window.end} ${window.timezone}${days}`;
}

function toMinutes(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours! * 60 + minutes!;
}

function localTime(zone: string, at: Date): { weekday: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return { weekday: WEEKDAYS.indexOf(part('weekday')), minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}
