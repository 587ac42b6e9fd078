/**
 * Benchmarks of product.md section 4. Usage:
 *   npm run bench [-- --quick] [-- --only <suite name or metric key>]...
 * Prints a table, writes bench/results/latest.json (with --only, the other entries of an
 * earlier file are kept). The servers under test run in child processes (serverProcess.ts; Janus
 * for the SFU comparison); this process is the load generator.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatTable, machineInfo, writeResults, type Metrics } from './lib/results.js';
import { suites } from './suites/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only' && args[i + 1]) only.push(args[++i]);
  else if (args[i].startsWith('--only=')) only.push(args[i].slice('--only='.length));
}
const unknown = args.filter((a, i) => !['--quick', '--only'].includes(a) && !a.startsWith('--only=') && args[i - 1] !== '--only');
if (unknown.length > 0) {
  console.error(`unknown arguments: ${unknown.join(' ')}\nusage: npm run bench [-- --quick] [-- --only <name>]\nsuites: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = suites.filter((s) => only.length === 0 || only.some((o) => s.name === o || s.keys.some((k) => k === o || k.startsWith(o + '.'))));
if (selected.length === 0) {
  console.error(`nothing matches --only ${only.join(', ')}; suites: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const mode = quick ? 'quick' : 'full';
const machine = machineInfo();
const log = (line: string) => console.error(line);
log(`bench (${mode}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`);

const metrics: Metrics = {};
let failed = false;
const started = performance.now();
for (const suite of selected) {
  log(`- ${suite.name}`);
  const t = performance.now();
  try {
    const result = await suite.run(mode, log);
    for (const [key, metric] of Object.entries(result)) metrics[key] = { ...metric, mode, measuredAt: new Date().toISOString() };
  } catch (error) {
    failed = true;
    log(`  FAILED: ${(error as Error).stack ?? String(error)}`);
    for (const key of suite.keys) metrics[key] = { value: null, unit: '', ok: null, reason: `benchmark failed: ${(error as Error).message}`, mode };
  }
  log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

const loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
const notes: string[] = [];
// Only the 1-minute load average at the start says whether other work ran: the one at the end
// counts the runnable threads of the run itself (Janus runs one per handle, hundreds of them).
// During the SFU ramps, each step's machine-wide busy cores tell it directly.
if (machine.loadAverageAtStart[0]! > 0.5 * machine.cores)
  notes.push(`the machine was busy with other work when the run started (load average ${machine.loadAverageAtStart.join(' ')})`);
const path = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const command = `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`;
const file = writeResults(path, { machine: { ...machine, loadAverageAtEnd: loadAtEnd }, mode, command, notes, metrics }, only.length > 0);

console.log(formatTable(only.length > 0 ? metrics : file.metrics));
console.log(`\n${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}; ${mode} run in ${((performance.now() - started) / 1000).toFixed(0)} s`);
for (const note of notes) console.log(`note: ${note}`);
console.log(`written: ${path}`);
process.exit(failed ? 1 : 0);
