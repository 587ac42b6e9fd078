/**
 * What grew between two V8 heap snapshots (e.g. bench/memoryProbe.ts --snapshots: idle, then
 * with the connections up): objects grouped by constructor (or kind, for strings, arrays, code,
 * closures), with their count and self size in each, sorted by growth. Self sizes only: what an
 * object holds through references shows as the growth of those objects' own groups.
 *
 *   npx tsx bench/heapSnapshotDiff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--top 40] [--per 100]
 *
 * --per N divides the growth by N (e.g. the peer connections added) for a per-item column.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Groups = Map<string, { count: number; bytes: number }>;

function groups(file: string): Groups {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const out: Groups = new Map();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    // Objects by constructor name; the rest by kind (a string's text is no group).
    const key = type === 'object' || type === 'native' ? `${type}:${s.strings[s.nodes[i + nameAt]!]}` : type === 'closure' ? `closure:${s.strings[s.nodes[i + nameAt]!]}` : type;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + sizeAt]!;
    out.set(key, g);
  }
  return out;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, per: { type: 'string', default: '1' } } });
const [beforeFile, afterFile] = positionals;
if (!beforeFile || !afterFile) throw new Error('usage: heapSnapshotDiff.ts BEFORE AFTER [--top N] [--per N]');
const per = Number(values.per);
const before = groups(beforeFile);
const after = groups(afterFile);
const rows = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: a.count - b.count, bytes: a.bytes - b.bytes };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
console.log(`self size grown: ${(total / 1024).toFixed(1)} kB in all, ${(total / per / 1024).toFixed(1)} kB per ${per === 1 ? 'snapshot' : 'item'}`);
console.log('| group | objects added | kB added | objects per item | kB per item |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows.slice(0, Number(values.top))) {
  console.log(`| ${r.key} | ${r.count} | ${(r.bytes / 1024).toFixed(1)} | ${(r.count / per).toFixed(1)} | ${(r.bytes / per / 1024).toFixed(2)} |`);
}
