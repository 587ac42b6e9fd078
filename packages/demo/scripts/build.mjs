// Builds the demo into dist/: index.html, styles.css, app.js (src/main.ts bundled with the
// client library from source, so the demo never depends on the client's own build order),
// and the assets. Usage: node scripts/build.mjs [--if-stale]
//   --if-stale  do nothing when dist/ is newer than every source file (used by the e2e tests).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

mkdirSync(dist, { recursive: true });
await build({
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
});
cpSync(join(packageDir, 'src', 'index.html'), join(dist, 'index.html'));
cpSync(join(packageDir, 'src', 'styles.css'), join(dist, 'styles.css'));
cpSync(join(packageDir, 'assets'), join(dist, 'assets'), { recursive: true });
console.log(`built the demo into ${dist}`);
