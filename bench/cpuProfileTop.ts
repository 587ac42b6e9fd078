/**
 * Where a thread's time went, from a V8 CPU profile (`node --cpu-prof`, e.g. the server process of
 * `bench/fastpath.ts --node-flag --cpu-prof --node-flag --cpu-prof-dir=DIR`): self time summed per
 * function and per group (our media code, werift by module, node:internal by module, GC, idle),
 * as shares of the profiled time. docs/media-performance.md quotes its output.
 *   npx tsx bench/cpuProfileTop.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const file = positionals[0];
if (!file) throw new Error('usage: cpuProfileTop.ts FILE.cpuprofile [--top N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

/** Self time (µs) per node: each sample's delta belongs to the node sampled. */
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function group(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (functionName === '(program)') return '(program: native, not attributed)';
  if (url.includes('/packages/server/src/media/')) return `ours: media/${url.split('/packages/server/src/media/')[1]}`;
  if (url.includes('/packages/')) return `ours: ${url.split('/packages/')[1]!.split('/').slice(0, 3).join('/')}`;
  const werift = url.match(/node_modules\/werift\/lib\/([^/]+\/src\/[^/]+)/);
  if (werift) return `werift: ${werift[1]}`;
  if (url.startsWith('node:')) return url;
  if (url === '') return `(native) ${functionName}`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  return pkg ? `npm: ${pkg[1]}` : url;
}

const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id)!;
  const g = group(node);
  groups.set(g, (groups.get(g) ?? 0) + us);
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const busy = total - (groups.get('(idle)') ?? 0);
console.log(`profiled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${pct(busy).trim()})\n`);
console.log('by group (self time, share of profiled time):');
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${pct(us)}  ${g}`);
console.log('\nby function:');
for (const [f, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${pct(us)}  ${f}`);
