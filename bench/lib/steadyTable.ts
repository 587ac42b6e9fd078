/**
 * The "Steady load points" tables of docs/benchmarks.md, made from the `sfuSteady.*` entries of a
 * results file: every cell is the median with (min–max) over the repetitions, and for the
 * comparisons with Janus the spread (max − min) / median, which says whether ±10 % holds.
 */
import type { Metric, Metrics } from './results.js';
import { COMPARISONS, FIGURES, SERVERS, pointKey } from './steadyFigures.js';

const num = (x: unknown, digits: number): string =>
  typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : '—';

/** "median (min–max)", or the reason it was not measured. */
function cell(m: Metric | undefined, digits: number): string {
  if (!m) return '—';
  if (m.value === null) return `not measured (${m.reason ?? 'no reason given'})`;
  const d = m.details ?? {};
  const range = d.reps === 1 ? '' : ` (${num(d.min, digits)}–${num(d.max, digits)})`;
  return `${num(m.value, digits)}${range}${m.ok === false ? ' ✗' : ''}`;
}

const spread = (m: Metric | undefined): string => {
  const s = m?.details?.spread;
  return m?.value !== null && typeof s === 'number' ? `${num(100 * s, 1)} %` : '—';
};

/** Digits shown per figure: enough to tell the servers apart, no more. */
const DIGITS: Record<string, number> = { lossPct: 3, serverCores: 3, rssPerPeerConnectionMB: 3, subscriberStreamsPerCore: 1 };

export function steadyTables(metrics: Metrics): string {
  const points = [1, 2, 3].filter((rooms) => Object.keys(metrics).some((k) => k.startsWith(`${pointKey(rooms)}.`)));
  const heads = ['rooms of 10', 'server', ...FIGURES.map((f) => `${f.name} (${f.unit})`)];
  const lines = [`| ${heads.join(' | ')} |`, `| ${heads.map(() => '---').join(' | ')} |`];
  for (const rooms of points) {
    for (const s of SERVERS) {
      const row = [String(rooms), s === 'ours' ? 'ours' : 'Janus', ...FIGURES.map((f) => cell(metrics[`${pointKey(rooms)}.${s}.${f.name}`], DIGITS[f.name] ?? 2))];
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  const cheads = ['rooms of 10', ...COMPARISONS.flatMap((c) => [`${c.key} (${c.unit})`, 'spread'])];
  lines.push('', `| ${cheads.join(' | ')} |`, `| ${cheads.map(() => '---').join(' | ')} |`);
  for (const rooms of points) {
    const row = [String(rooms), ...COMPARISONS.flatMap((c) => [cell(metrics[`${pointKey(rooms)}.${c.key}`], 2), spread(metrics[`${pointKey(rooms)}.${c.key}`])])];
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}
