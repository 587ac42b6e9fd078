/** Every benchmark, in the order `npm run bench` runs them. */
import type { BenchSuite } from '../lib/results.js';
import { browserFirstFrame } from './browserFirstFrame.js';
import { chatFanout } from './chatFanout.js';
import { clientBundle } from './clientBundle.js';
import { clusterJoins } from './clusterJoins.js';
import { clusterLatency } from './clusterLatency.js';
import { memoryPerParticipant } from './memoryPerParticipant.js';
import { sfu } from './sfu.js';
import { sfuSteady } from './sfuSteady.js';
import { signallingJoins } from './signallingJoins.js';

export const suites: BenchSuite[] = [clientBundle, signallingJoins, chatFanout, memoryPerParticipant, browserFirstFrame, sfu, sfuSteady, clusterJoins, clusterLatency];
