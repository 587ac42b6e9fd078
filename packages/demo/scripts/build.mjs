// Builds the demo into dist/: index.html, styles.css, app.js (src/main.ts bundled with the
// client library from source, so the demo never depends on the client's own build order),
// and the assets. Usage: node scripts/build.mjs [--if-stale]
//   --if-stale  do nothing when dist/ is newer than every source file (used by the e2e tests).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = join(packageDir, 'dist');
const clientSrc = join(packageDir, '..', 'client', 'src');
// The client bundles the protocol package (e.g. the rule for names the join form checks).
const protocolSrc = join(packageDir, '..', 'protocol', 'src');

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    latest = Math.max(latest, st.isDirectory() ? newest(path) : st.mtimeMs);
  }
  return latest;
}

function isStale() {
  const built = join(dist, 'app.js');
  if (!existsSync(built) || !existsSync(join(dist, 'index.html'))) return true;
  const sources = Math.max(newest(join(packageDir, 'src')), newest(join(packageDir, 'assets')), newest(clientSrc), newest(protocolSrc));
  return sources > statSync(built).mtimeMs;
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

/**
 * Leaves an identical file's contents alone (only its time is renewed, for --if-stale): a rebuild
 * while tests run (the e2e tests, the packaging test's `npm pack`) must not truncate a file a
 * running server is sending to a browser.
 */
function writeIfChanged(path, contents) {
  const bytes = Buffer.from(contents);
  if (existsSync(path) && readFileSync(path).equals(bytes)) {
    const now = new Date();
    utimesSync(path, now, now);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

function copyIfChanged(from, to) {
  if (statSync(from).isDirectory()) {
    for (const name of readdirSync(from)) copyIfChanged(join(from, name), join(to, name));
  } else writeIfChanged(to, readFileSync(from));
}

mkdirSync(dist, { recursive: true });
const { outputFiles } = await build({
  absWorkingDir: packageDir,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/app.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  // The client's `source` condition points at its TypeScript sources.
  conditions: ['source'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
});
for (const file of outputFiles) writeIfChanged(file.path, file.contents);
copyIfChanged(join(packageDir, 'src', 'index.html'), join(dist, 'index.html'));
copyIfChanged(join(packageDir, 'src', 'styles.css'), join(dist, 'styles.css'));
copyIfChanged(join(packageDir, 'assets'), join(dist, 'assets'));
console.log(`built the demo into ${dist}`);
