const UNITS = [
  { unit: 'hour', ms: 3_600_000 },
  { unit: 'minute', ms: 60_000 },
  { unit: 'second', ms: 1_000 },
] as const;

/** "1 hr, 4 min" / "12 sec" / "0.4 sec", in the reader's locale, at most two units. */
export function formatDuration(ms: number, locale?: string): string {
  if (ms < 1_000) {
    return new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 }).format(ms / 1_000);
  }
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000) * 1_000;
  for (const { unit, ms: size } of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 && parts.length < 2) {
      parts.push(new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(count));
    }
  }
  return new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' }).format(parts);
}

/** How long something between two ISO instants took; a missing end means it is still going. */
export function elapsed(startedAt: string | null, finishedAt: string | null, now = Date.now()): number | undefined {
  if (!startedAt) return undefined;
  return (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt);
}
