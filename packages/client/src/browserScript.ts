import { fileURLToPath } from 'node:url';

/** Absolute path of the built browser script `KurentoRoom.js` (IIFE defining the global `KurentoRoom`). */
export const browserScriptPath: string = fileURLToPath(new URL('../dist/browser/KurentoRoom.js', import.meta.url));
/** Absolute path of its minified build, `KurentoRoom.min.js`. */
export const browserScriptMinPath: string = fileURLToPath(new URL('../dist/browser/KurentoRoom.min.js', import.meta.url));
