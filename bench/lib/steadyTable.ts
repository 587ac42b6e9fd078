/**
 * The "Steady load points" tables of docs/benchmarks.md, made from the `sfuSteady.*` entries of a
 * results file: every cell is the median with (min–max) over the repetitions, and for the
 * comparisons with Janus the spread (max − min) / median, which says whether ±10 % holds (for
 * the latency difference, which can sit near 0, its range in ms instead).
 */
import type { Metric, Metrics } from './results.js';
import { COMPARISONS, FIGURES, SERVERS, pointKey } from './steadyFigures.js';

const num = (x: unknown, digits: number): string =>
  typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : '—';

/**
 * "median (min–max)", "[n=…]" when fewer repetitions than the run's count, or the reason it was
 * not measured. An entry older than the newest run is marked: `--only` keeps an earlier value
 * where the new run measured none, and a comparison must not mix runs unnoticed.
 */
function cell(m: Metric | undefined, digits: number, reps: number, newest: number | undefined): string {
  if (!m) return '—';
  // run.ts stamps each key as it stores it, so one run's stamps differ by milliseconds.
  const stale = newest !== undefined && !(Date.parse(m.measuredAt ?? '') > newest - 60_000) ? ` (earlier run, ${m.measuredAt ?? 'unknown time'})` : '';
  if (m.value === null) return `not measured (${m.reason ?? 'no reason given'})${stale}`;
  const d = m.details ?? {};
  const range = d.reps === 1 ? '' : ` (${num(d.min, digits)}–${num(d.max, digits)})`;
  const fewer = typeof d.reps === 'number' && d.reps < reps ? ` [n=${d.reps}]` : '';
  return `${num(m.value, digits)}${range}${fewer}${m.ok === false ? ' ✗' : ''}${stale}`;
}

/** A ratio's relative spread; for a difference (which may sit near 0) its range in its unit. */
const spread = (m: Metric | undefined): string => {
  if (!m || m.value === null) return '—';
  const d = m.details ?? {};
  if (m.unit !== 'x') return typeof d.min === 'number' && typeof d.max === 'number' ? `${num(d.max - d.min, 2)} ${m.unit} range` : '—';
  return typeof d.spread === 'number' ? `${num(100 * d.spread, 1)} %` : '—';
};

/** The RSS growth over the idle server per peer connection, from the details of rssPerPeerConnectionMB. */
function addedRss(m: Metric | undefined, reps: number): string {
  const d = m?.details;
  if (!m || m.value === null || !d) return '—';
  const range = reps === 1 ? '' : ` (${num(d.addedOverIdleMinMB, 3)}–${num(d.addedOverIdleMaxMB, 3)})`;
  return `${num(d.addedOverIdleMedianMB, 3)}${range}`;
}

/** Digits shown per figure: enough to tell the servers apart, no more. */
const DIGITS: Record<string, number> = { lossPct: 3, serverCores: 3, rssPerPeerConnectionMB: 3, subscriberStreamsPerCore: 1 };

export function steadyTables(metrics: Metrics): string {
  const points = [1, 2, 3].filter((rooms) => Object.keys(metrics).some((k) => k.startsWith(`${pointKey(rooms)}.`)));
  const entries = Object.entries(metrics).filter(([k]) => k.startsWith('sfuSteady.')).map(([, m]) => m);
  const reps = Math.max(0, ...entries.map((m) => (typeof m.details?.reps === 'number' ? m.details.reps : 0)));
  const stamps = entries.map((m) => Date.parse(m.measuredAt ?? '')).filter(Number.isFinite);
  const newest = stamps.length > 0 ? Math.max(...stamps) : undefined;
  const heads = ['rooms of 10', 'server', ...FIGURES.map((f) => `${f.name} (${f.unit})`), 'RSS growth over idle per peer connection (MB)'];
  const lines = [`| ${heads.join(' | ')} |`, `| ${heads.map(() => '---').join(' | ')} |`];
  for (const rooms of points) {
    for (const s of SERVERS) {
      const key = `${pointKey(rooms)}.${s}`;
      const row = [String(rooms), s === 'ours' ? 'ours' : 'Janus', ...FIGURES.map((f) => cell(metrics[`${key}.${f.name}`], DIGITS[f.name] ?? 2, reps, newest)), addedRss(metrics[`${key}.rssPerPeerConnectionMB`], reps)];
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  const cheads = ['rooms of 10', ...COMPARISONS.flatMap((c) => [`${c.key} (${c.unit})`, 'spread'])];
  lines.push('', `| ${cheads.join(' | ')} |`, `| ${cheads.map(() => '---').join(' | ')} |`);
  for (const rooms of points) {
    const row = [String(rooms), ...COMPARISONS.flatMap((c) => [cell(metrics[`${pointKey(rooms)}.${c.key}`], 2, reps, newest), spread(metrics[`${pointKey(rooms)}.${c.key}`])])];
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}
