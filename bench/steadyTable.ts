/**
 * Prints the steady SFU benchmark's tables (markdown, for docs/benchmarks.md) from a results
 * file. Usage: npx tsx bench/steadyTable.ts [bench/results/latest.json]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResultsFile } from './lib/results.js';
import { steadyTables } from './lib/steadyTable.js';

const path = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
const file = JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
const first = Object.entries(file.metrics).find(([k]) => k.startsWith('sfuSteady.'))?.[1];
if (!first) {
  console.error(`no sfuSteady.* entries in ${path}: run npm run bench -- --only sfu-steady`);
  process.exit(1);
}
console.log(`${file.machine.cpuModel}, ${file.machine.cores} cores, Node ${file.machine.node}; ${first.mode} mode, measured ${first.measuredAt ?? 'at an unknown time'}\n`);
console.log(steadyTables(file.metrics));
