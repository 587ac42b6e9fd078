// Prints the minified + gzip size of the browser build of the whole client API; exits 1 above budget.
import { SIZE_BUDGET_GZIP, measureSize } from './bundle.mjs';

const { minified, gzip } = await measureSize();
const ok = gzip <= SIZE_BUDGET_GZIP;
console.log(`KurentoRoom.min.js: ${minified} bytes minified, ${gzip} bytes gzip (budget ${SIZE_BUDGET_GZIP}) ${ok ? 'OK' : 'OVER BUDGET'}`);
process.exit(ok ? 0 : 1);
