/**
 * client.bundleGzipBytes: the browser build of the whole client API, minified and gzipped, as
 * measured by the client package's own `npm run size` code (packages/client/scripts/bundle.mjs).
 */
import { measured, type BenchSuite } from '../lib/results.js';

interface BundleModule {
  measureSize(): Promise<{ minified: number; gzip: number }>;
  SIZE_BUDGET_GZIP: number;
}

export const clientBundle: BenchSuite = {
  name: 'client-bundle',
  keys: ['client.bundleGzipBytes'],
  async run() {
    // A URL held in a variable: the .mjs script has no type declarations.
    const url: string = new URL('../../packages/client/scripts/bundle.mjs', import.meta.url).href;
    const bundle = (await import(url)) as BundleModule;
    const { minified, gzip } = await bundle.measureSize();
    return {
      'client.bundleGzipBytes': measured(gzip, 'bytes', `<= ${bundle.SIZE_BUDGET_GZIP}`, { minifiedBytes: minified }),
    };
  },
};
