#!/usr/bin/env node
// Runs every *.test.ts of every workspace with Node's test runner, TypeScript loaded by tsx
// from source (the `source` export condition), so tests need no build step.
// Usage: node scripts/run-tests.mjs [substring filter ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = collect(join(root, 'packages'), [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// --test-force-exit: a stray handle in one test file must fail loudly in its own tests (the
// media tests assert that no UDP socket is left), not hang the whole run until CI's limit.
const args = [
  '--import', './testing/wrtc-safe-exit.mjs',
  '--import', 'tsx',
  '--conditions=source',
  '--test', '--test-force-exit', '--test-reporter=spec',
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
