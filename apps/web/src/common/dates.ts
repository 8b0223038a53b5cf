/**
 * Parses a <DateTimeInput> value (local "YYYY-MM-DDTHH:mm") into the ISO instant with an offset
 * the API expects; an emptied input becomes null.
 */
export function localDateTimeToIso(value: string | null): string | null {
  return value ? new Date(value).toISOString() : null;
}

/** An instant as the reader's locale writes it, to the minute: "12 Mar 2025, 14:05". */
export function formatDateTime(iso: string, locale?: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
