/** "12 ms", "1.4 s". */
export function formatLatency(ms: number, locale?: string): string {
  if (ms < 1_000) {
    return new Intl.NumberFormat(locale, { style: 'unit', unit: 'millisecond', unitDisplay: 'short', maximumFractionDigits: 0 }).format(ms);
  }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 }).format(ms / 1_000);
}

/** A ratio 0..1 as "99.8 %" (never rounded up to 100 % unless every check passed). */
export function formatRatio(ratio: number, locale?: string): string {
  const floored = ratio < 1 ? Math.min(ratio, 0.9999) : 1;
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(
    Math.floor(floored * 10_000) / 10_000,
  );
}
