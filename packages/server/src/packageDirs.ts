import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * The folder `sub` of the installed package `name`, found the way Node finds the package itself
 * (its `package.json`, which the package exports): from an npm install that is
 * `node_modules/<name>/`, inside this repository the workspace link to `packages/<dir>/`. So the
 * server finds the demo and the browser client wherever npm put them, never by a path that only
 * holds inside the repository.
 *
 * When the package cannot be found (a broken install), this is where npm would have nested it
 * below this package; the folder does not exist and the command line says so at start-up.
 */
export function installedPackageDir(name: string, sub: string): string {
  try {
    return join(dirname(require.resolve(`${name}/package.json`)), sub);
  } catch {
    return join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules', name, sub);
  }
}
