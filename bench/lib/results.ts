/** Result entries, machine information, the printed table and bench/results/latest.json. */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, release, platform, loadavg } from 'node:os';
import { dirname } from 'node:path';

/** One figure. `value: null` means not measured, and then `reason` says why. */
export interface Metric {
  value: number | null;
  unit: string;
  /** The budget of product.md section 4, as text, e.g. ">= 1000". */
  budget?: string;
  /** Whether the value meets the budget; null when there is no value or no budget. */
  ok: boolean | null;
  reason?: string;
  /** Other figures of the same measurement (percentiles, counts, sizes of the run). */
  details?: Record<string, unknown>;
  mode?: 'quick' | 'full' | 'smoke';
  measuredAt?: string;
}

export type Metrics = Record<string, Metric>;

export interface BenchSuite {
  name: string;
  /** Keys of the metrics it produces. */
  keys: string[];
  run(mode: 'quick' | 'full' | 'smoke', log: (line: string) => void): Promise<Metrics>;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  date: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export function notMeasured(unit: string, budget: string | undefined, reason: string): Metric {
  return { value: null, unit, budget, ok: null, reason };
}

/** `>= n` or `<= n` budgets. */
export function check(value: number, budget: string): boolean {
  const m = /^(>=|<=|<|>)\s*([\d.]+)$/.exec(budget.replace(/,/g, ''));
  if (!m) return false;
  const limit = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return value >= limit;
    case '>':
      return value > limit;
    case '<=':
      return value <= limit;
    default:
      return value < limit;
  }
}

export function measured(value: number, unit: string, budget: string | undefined, details?: Record<string, unknown>): Metric {
  return { value, unit, budget, ok: budget === undefined || !Number.isFinite(value) ? null : check(value, budget), details };
}

export interface ResultsFile {
  machine: MachineInfo;
  mode: 'quick' | 'full';
  command: string;
  /** True when the load average at the start suggested other work on the machine. */
  notes: string[];
  metrics: Metrics;
}

/** Writes the file; with `merge`, entries of an earlier file not measured now are kept. */
export function writeResults(path: string, file: ResultsFile, merge: boolean): ResultsFile {
  let out = file;
  if (merge && existsSync(path)) {
    const old = JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
    const metrics: Metrics = { ...old.metrics };
    for (const [key, metric] of Object.entries(file.metrics)) if (metric.value !== null || !(key in metrics)) metrics[key] = metric;
    out = { ...file, metrics };
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  return out;
}

function show(value: number | null): string {
  if (value === null) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** A plain text table: key, value, unit, budget, verdict, and the reason of missing figures. */
export function formatTable(metrics: Metrics): string {
  const rows = [['metric', 'value', 'unit', 'budget', 'ok', 'note']];
  for (const [key, m] of Object.entries(metrics)) {
    rows.push([key, show(m.value), m.unit, m.budget ?? '', m.ok === null ? '' : m.ok ? 'yes' : 'NO', m.value === null ? `not measured yet: ${m.reason ?? ''}` : summary(m.details)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (c === 5 ? 0 : r[c].length))));
  return rows.map((r, i) => r.map((cell, c) => (c === 5 ? cell : cell.padEnd(widths[c]))).join('  ') + (i === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '  ----' : '')).join('\n');
}

function summary(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  return Object.entries(details)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .slice(0, 6)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? show(v) : v}`)
    .join(' ');
}
