// Writes dist/browser/KurentoRoom.js and dist/browser/KurentoRoom.min.js.
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleBrowser } from './bundle.mjs';

const out = new URL('../dist/browser/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('KurentoRoom.js', out), await bundleBrowser({ minify: false }));
writeFileSync(new URL('KurentoRoom.min.js', out), await bundleBrowser({ minify: true }));
console.log(`wrote ${new URL('KurentoRoom.js', out).pathname} and KurentoRoom.min.js`);
