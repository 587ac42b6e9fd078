// Writes dist/browser/KurentoRoom.js and dist/browser/KurentoRoom.min.js.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { bundleBrowser } from './bundle.mjs';

const out = new URL('../dist/browser/', import.meta.url);
mkdirSync(out, { recursive: true });

/**
 * Leaves an identical file alone: a rebuild while tests run (the packaging test packs, and so
 * builds, every workspace) must not truncate a script a running server is sending.
 */
function writeIfChanged(url, text) {
  if (existsSync(url) && readFileSync(url, 'utf8') === text) return;
  writeFileSync(url, text);
}

writeIfChanged(new URL('KurentoRoom.js', out), await bundleBrowser({ minify: false }));
writeIfChanged(new URL('KurentoRoom.min.js', out), await bundleBrowser({ minify: true }));
console.log(`wrote ${new URL('KurentoRoom.js', out).pathname} and KurentoRoom.min.js`);
