/** Small statistics helpers: nearest-rank percentiles and medians. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max − min) / |median|: 0.2 means the repetitions span 20 % of the median; null when the median is 0 and they differ. */
  spread: number | null;
}

/** Median, extremes and relative spread of repeated measurements of one figure. */
export function spreadOf(values: readonly number[]): Spread {
  const mid = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const spread = mid !== 0 ? (max - min) / Math.abs(mid) : max === min ? 0 : null;
  return { median: mid, min, max, spread };
}
