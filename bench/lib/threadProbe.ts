/**
 * Event-loop delay and GC pauses of the thread it runs in, over windows (each take() reports
 * since the previous one). For the media fast-path measurements (bench/fastpath.ts): on a
 * loaded machine these in-thread figures move less than end-to-end latency does.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface GcFigures {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface ProbeWindow {
  loopDelayMs: { p50: number; p99: number; p999: number; max: number };
  scavenge: GcFigures;
  markSweep: GcFigures;
}

const RESOLUTION_MS = 1;

const empty = (): GcFigures => ({ count: 0, totalMs: 0, maxMs: 0 });

export function startThreadProbe(): { take(): ProbeWindow } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let scavenge = empty();
  let markSweep = empty();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      const target = kind === constants.NODE_PERFORMANCE_GC_MINOR ? scavenge : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? markSweep : undefined;
      if (!target) continue;
      target.count++;
      target.totalMs += entry.duration;
      target.maxMs = Math.max(target.maxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // What is left past the sampling period is how late the loop was.
  const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    take() {
      const h = histogram;
      const window: ProbeWindow = {
        loopDelayMs: { p50: late(h.percentile(50)), p99: late(h.percentile(99)), p999: late(h.percentile(99.9)), max: late(h.max) },
        scavenge,
        markSweep,
      };
      h.reset();
      scavenge = empty();
      markSweep = empty();
      return window;
    },
  };
}
