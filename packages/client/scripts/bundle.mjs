// Bundles the browser script (src/browser.ts, IIFE defining the global KurentoRoom) with esbuild.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const packageDir = new URL('..', import.meta.url).pathname;

/** Returns the bundled script text. */
export async function bundleBrowser({ minify }) {
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: ['src/browser.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    conditions: ['source'],
    minify,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Minified and gzip sizes of the whole API, in bytes. */
export async function measureSize() {
  const code = await bundleBrowser({ minify: true });
  const bytes = Buffer.byteLength(code);
  const gzip = gzipSync(code, { level: 9 }).length;
  return { minified: bytes, gzip };
}

/** The budget from the product spec: the whole client API, minified and gzipped. */
export const SIZE_BUDGET_GZIP = 20_000;
