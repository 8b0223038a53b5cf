const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** "512 bytes", "3.4 MB", in the reader's locale; powers of 1000, as file managers show sizes. */
export function formatBytes(bytes: number, locale?: string): string {
  const exponent = Math.min(UNITS.length - 1, Math.max(0, Math.floor(Math.log10(Math.max(bytes, 1)) / 3)));
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: UNITS[exponent],
    unitDisplay: exponent === 0 ? 'long' : 'short',
    maximumFractionDigits: exponent === 0 ? 0 : 1,
  }).format(bytes / 1000 ** exponent);
}

/** age1abcd…wxyz: enough to tell keys apart where a whole one does not fit. */
export function shortKey(key: string): string {
  return `${key.slice(0, 10)}…${key.slice(-4)}`;
}
