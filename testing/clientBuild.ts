/** The client's browser script (`dist/browser/KurentoRoom.js`), built on demand for browser tests and benchmarks. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clientDir = fileURLToPath(new URL('../packages/client/', import.meta.url));
export const browserScript = join(clientDir, 'dist', 'browser', 'KurentoRoom.js');

/** Newest modification time of the files below `dir`. */
function newest(dir: string): number {
  let time = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    time = Math.max(time, st.isDirectory() ? newest(path) : st.mtimeMs);
  }
  return time;
}

/** Builds the browser script when it is missing or older than the client's sources. */
export function ensureBrowserScript(): void {
  if (existsSync(browserScript) && statSync(browserScript).mtimeMs >= newest(join(clientDir, 'src'))) return;
  execFileSync(process.execPath, [join(clientDir, 'scripts', 'build-browser.mjs')], { stdio: 'inherit' });
}
