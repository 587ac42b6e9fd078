/**
 * The figures of the steady SFU benchmark (suites/sfuSteady.ts), from the repetitions of each
 * load point: for each server, the median of every figure with its min, max and spread; for the
 * pair, the per-repetition comparisons with Janus (ours / Janus, ours − Janus), again as median,
 * min, max and spread. Budgets are product.md section 4's, checked on the medians.
 */
import { measured, notMeasured, type Metric, type Metrics } from './results.js';
import type { PointResult } from './sfuPoint.js';
import type { SfuServerKind } from './sfuServers.js';
import { round, spreadOf } from './stats.js';

/** A figure of one run, with its unit and the budget it has for our server at a given load point. */
interface Figure {
  name: string;
  unit: string;
  of(r: PointResult): number;
  oursBudget?(rooms: number): string | undefined;
  /** Only from repetitions under 1 % loss (product.md: streams per core count "under 1 % loss"). */
  underLossOnly?: boolean;
}

/** A repetition whose streams lost 1 % or more: its per-core figure is not a forwarding capacity. */
const lossy = (r: PointResult): boolean => r.step.lossPct >= 1 || r.step.videoLossPct >= 1;

/** Product.md: latency budgets hold "up to 2 rooms of 10". */
const LATENCY_POINTS = 2;

export const FIGURES: Figure[] = [
  { name: 'addedLatencyP50Ms', unit: 'ms', of: (r) => r.step.latencyP50Ms },
  { name: 'addedLatencyP99Ms', unit: 'ms', of: (r) => r.step.latencyP99Ms, oursBudget: (rooms) => (rooms <= LATENCY_POINTS ? '< 5' : undefined) },
  { name: 'addedLatencyMaxMs', unit: 'ms', of: (r) => r.step.latencyMaxMs },
  { name: 'latencyOver10MsPct', unit: '%', of: (r) => r.step.latencyOver10MsPct },
  { name: 'lossPct', unit: '%', of: (r) => r.step.lossPct, oursBudget: () => '< 1' },
  { name: 'serverCores', unit: 'cores', of: (r) => r.step.serverCores },
  { name: 'subscriberStreamsPerCore', unit: 'streams/core', of: (r) => r.step.streamsPerCore, underLossOnly: true },
  { name: 'cpuMicrosPerOutPacket', unit: 'µs/packet', of: (r) => r.step.cpuMicrosPerOutPacket },
  { name: 'serverRssMB', unit: 'MB', of: (r) => r.step.serverRssMB },
  { name: 'rssPerPeerConnectionMB', unit: 'MB', of: (r) => r.step.serverRssMB / r.peerConnections },
];

/** Growth of RSS over the idle server, per peer connection (details only: the idle RSS differs a lot between servers). */
const addedRssPerPc = (r: PointResult): number => (r.step.serverRssMB - r.idleRssMB) / r.peerConnections;

interface Comparison {
  key: string;
  unit: string;
  what: string;
  of(ours: PointResult, janus: PointResult): number;
  budget(rooms: number): string | undefined;
  underLossOnly?: boolean;
}

export const COMPARISONS: Comparison[] = [
  {
    key: 'ratioToJanus.subscriberStreamsPerCore',
    unit: 'x',
    what: 'our video subscriber streams per server core / Janus’s, per repetition',
    of: (o, j) => o.step.streamsPerCore / j.step.streamsPerCore,
    budget: () => '>= 1.3',
    underLossOnly: true,
  },
  {
    key: 'ratioToJanus.rssPerPeerConnectionMB',
    unit: 'x',
    what: 'our RSS per peer connection / Janus’s, per repetition',
    of: (o, j) => o.step.serverRssMB / o.peerConnections / (j.step.serverRssMB / j.peerConnections),
    budget: () => '<= 2',
  },
  {
    key: 'differenceToJanus.addedLatencyP99Ms',
    unit: 'ms',
    what: 'our added latency p99 − Janus’s, per repetition',
    of: (o, j) => o.step.latencyP99Ms - j.step.latencyP99Ms,
    budget: (rooms) => (rooms <= LATENCY_POINTS ? '<= 2' : undefined),
  },
];

export const SERVERS: SfuServerKind[] = ['ours', 'janus'];

export const pointKey = (rooms: number): string => `sfuSteady.rooms${rooms}`;

export function keysOfPoint(rooms: number): string[] {
  const p = pointKey(rooms);
  return [...SERVERS.flatMap((s) => FIGURES.map((f) => `${p}.${s}.${f.name}`)), ...COMPARISONS.map((c) => `${p}.${c.key}`)];
}

/** Median (value), min, max, spread and every repetition's value, rounded for the file. */
function summarised(values: number[], unit: string, budget: string | undefined, extra: Record<string, unknown>): Metric {
  const s = spreadOf(values);
  return measured(round(s.median, 3), unit, budget, {
    min: round(s.min, 3),
    max: round(s.max, 3),
    spread: s.spread === null ? null : round(s.spread, 3),
    reps: values.length,
    perRep: values.map((v) => round(v, 3)),
    ...extra,
  });
}

/** The runs of one load point: every repetition that completed, and why the others did not. */
export interface PointRuns {
  rooms: number;
  participants: number;
  runs: Record<SfuServerKind, { rep: number; result: PointResult }[]>;
  failures: Record<SfuServerKind, string[]>;
  /** Why a server was not run at all (Janus not installed), if so. */
  skipped: Partial<Record<SfuServerKind, string>>;
  descriptions: Partial<Record<SfuServerKind, string>>;
}

function serverMetrics(p: PointRuns, server: SfuServerKind): Metrics {
  const prefix = `${pointKey(p.rooms)}.${server}`;
  const all = p.runs[server];
  const lossyReps = all.filter((r) => lossy(r.result)).map((r) => r.rep);
  const m: Metrics = {};
  for (const f of FIGURES) {
    const budget = server === 'ours' ? f.oursBudget?.(p.rooms) : undefined;
    const runs = f.underLossOnly ? all.filter((r) => !lossy(r.result)) : all;
    if (runs.length === 0) {
      const why =
        p.skipped[server] ??
        (all.length > 0
          ? `loss was 1 % or more in every repetition (${all.map((r) => `${r.result.step.lossPct} %`).join(', ')})`
          : `no repetition completed: ${p.failures[server].join('; ') || 'none was run'}`);
      m[`${prefix}.${f.name}`] = notMeasured(f.unit, budget, why);
      continue;
    }
    const extra: Record<string, unknown> = { rooms: p.rooms, peerConnections: runs[0]!.result.peerConnections };
    // Which repetitions lost 1 % or more (left out of the per-core figures, kept in the others).
    if (lossyReps.length > 0) extra.lossyReps = lossyReps;
    if (p.failures[server].length > 0) extra.failedReps = p.failures[server];
    if (f.name === 'rssPerPeerConnectionMB') {
      const added = spreadOf(runs.map((r) => addedRssPerPc(r.result)));
      Object.assign(extra, { addedOverIdleMedianMB: round(added.median, 4), addedOverIdleMinMB: round(added.min, 4), addedOverIdleMaxMB: round(added.max, 4) });
    }
    if (f.name === 'serverCores') {
      // Every repetition's conditions, so that a reader can tell a noisy window (other work on
      // the machine: machineCores above server + generator) from a real difference.
      extra.server = p.descriptions[server];
      extra.runs = all.map(({ rep, result: r }) => ({
        rep,
        videoStreams: r.step.videoStreams,
        serverCores: r.step.serverCores,
        generatorCores: r.step.generatorCores,
        machineCores: r.step.machineCores,
        lossPct: r.step.lossPct,
        silentStreams: r.step.silentStreams,
        notConnected: r.notConnected,
        rtpOutPerSecond: r.step.rtpOutPerSecond,
        packetsCountedBy: r.step.packetsCountedBy,
        latencySamples: r.step.latencySamples,
        idleRssMB: r.idleRssMB,
        setupSeconds: r.setupSeconds,
        errors: r.errors,
      }));
    }
    m[`${prefix}.${f.name}`] = summarised(
      runs.map((r) => f.of(r.result)),
      f.unit,
      budget,
      extra,
    );
  }
  return m;
}

function comparisonMetrics(p: PointRuns): Metrics {
  const m: Metrics = {};
  const janusByRep = new Map(p.runs.janus.map((r) => [r.rep, r.result]));
  const allPairs = p.runs.ours.filter((o) => janusByRep.has(o.rep)).map((o) => [o.result, janusByRep.get(o.rep)!] as const);
  for (const c of COMPARISONS) {
    const key = `${pointKey(p.rooms)}.${c.key}`;
    const pairs = c.underLossOnly ? allPairs.filter(([o, j]) => !lossy(o) && !lossy(j)) : allPairs;
    if (pairs.length === 0) {
      const why =
        p.skipped.janus ??
        p.skipped.ours ??
        (allPairs.length > 0
          ? `no repetition with both servers under 1 % loss (ours ${allPairs.map(([o]) => `${o.step.lossPct} %`).join(', ')}; Janus ${allPairs.map(([, j]) => `${j.step.lossPct} %`).join(', ')})`
          : `no repetition with both servers measured (ours: ${p.failures.ours.join('; ') || 'ok'}; Janus: ${p.failures.janus.join('; ') || 'ok'})`);
      m[key] = notMeasured(c.unit, c.budget(p.rooms), why);
      continue;
    }
    const extra: Record<string, unknown> = { rooms: p.rooms, what: c.what };
    if (pairs.length < allPairs.length) extra.repsLeftOutForLoss = allPairs.length - pairs.length;
    if (c.key === 'ratioToJanus.rssPerPeerConnectionMB') {
      const added = spreadOf(pairs.map(([o, j]) => addedRssPerPc(o) / addedRssPerPc(j)));
      Object.assign(extra, { addedOverIdleRatioMedian: round(added.median, 3), addedOverIdleRatioMin: round(added.min, 3), addedOverIdleRatioMax: round(added.max, 3) });
    }
    m[key] = summarised(
      pairs.map(([o, j]) => c.of(o, j)),
      c.unit,
      c.budget(p.rooms),
      extra,
    );
  }
  return m;
}

export function pointMetrics(p: PointRuns): Metrics {
  return { ...serverMetrics(p, 'ours'), ...serverMetrics(p, 'janus'), ...comparisonMetrics(p) };
}

/** Every key of a load point the size does not measure, with the reason. */
export function pointNotMeasured(rooms: number, reason: string): Metrics {
  const m: Metrics = {};
  for (const s of SERVERS) for (const f of FIGURES) m[`${pointKey(rooms)}.${s}.${f.name}`] = notMeasured(f.unit, s === 'ours' ? f.oursBudget?.(rooms) : undefined, reason);
  for (const c of COMPARISONS) m[`${pointKey(rooms)}.${c.key}`] = notMeasured(c.unit, c.budget(rooms), reason);
  return m;
}
