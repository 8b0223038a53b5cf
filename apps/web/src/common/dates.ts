/**
 * Parses a <DateTimeInput> value (local "YYYY-MM-DDTHH:mm") into the ISO instant with an offset
 * the API expects; an emptied input becomes null.
 */
export function localDateTimeToIso(value: string | null): string | null {
  return value ? new Date(value).toISOString() : null;
}
