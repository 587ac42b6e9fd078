/**
 * CPU time and RSS of a process that is not ours to ask over IPC (Janus), from /proc. The CPU
 * time of /proc/<pid>/stat is the whole thread group's, so a server's worker threads count, as
 * they do in our server's process.cpuUsage().
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcUsage {
  cpuMicros: number;
  rssBytes: number;
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime and stime; 100 on every Linux seen, asked once anyway. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function procUsage(pid: number): ProcUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces; the numbered fields start after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are at 11 and 12 once pid and comm are cut off.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMicros: (ticks * 1e6) / clockTicks(), rssBytes: rss ? Number(rss[1]) * 1024 : NaN };
}

/** CPU time the whole machine spent busy (every process and the kernel), for the cores in use. */
export function machineBusyMicros(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: all but idle and iowait are busy.
  const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - (cpu[4] ?? 0);
  return (busy * 1e6) / clockTicks();
}
