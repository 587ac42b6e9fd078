import { startServerProcess } from './lib/serverHandle.js';
import { startRtpLoad } from './lib/rtpLoadHandle.js';
const server = await startServerProcess({ serverOptions: { logLevel: 'error' }, nodeFlags: (process.env.FLAGS ?? '').split(' ').filter(Boolean) });
const load = await startRtpLoad({ driver: 'kurento-room', wsUrl: server.wsUrl, bindAddress: '127.0.0.1' } as any);
import { execSync } from 'node:child_process';
if (process.env.PIN) { execSync(`taskset -a -p -c 0 ${server.pid}`); execSync(`taskset -a -p -c 1 ${load.pid}`); }
await load.addRooms(['r1'], 10);
await new Promise((r) => setTimeout(r, 3000));
const u0 = await server.usage();
console.error('WINDOW START');
await load.startWindow();
await new Promise((r) => setTimeout(r, 10000));
const w = await load.stopWindow();
console.error('WINDOW END');
const u1 = await server.usage();
const cpu = u1.cpuUserMicros + u1.cpuSystemMicros - u0.cpuUserMicros - u0.cpuSystemMicros;
console.log(`p50 ${w.latency.p50Ms.toFixed(2)} p99 ${w.latency.p99Ms.toFixed(2)} over10 ${(100 * w.latency.over10Ms / w.latency.samples).toFixed(2)}% cores ${(cpu / 10e6).toFixed(3)} gen ${(w.generatorCpuMicros/10e6).toFixed(3)}`);
await load.close(); await server.close();
