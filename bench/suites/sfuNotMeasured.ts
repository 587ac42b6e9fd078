/**
 * The SFU forwarding figures (ours and Janus's, for comparison) are not measured yet: this suite
 * only reports them as missing, with the reason, so that the table and latest.json say so.
 */
import { notMeasured, type BenchSuite, type Metrics } from '../lib/results.js';

const REASON = 'SFU forwarding benchmark not implemented yet (issue 6, second part)';
const JANUS_REASON = 'Janus comparison benchmark not implemented yet (issue 6, second part)';

export const sfuNotMeasured: BenchSuite = {
  name: 'sfu',
  keys: [
    'sfu.subscriberStreamsPerCore',
    'sfu.lossPct',
    'sfu.cpuMicrosPerOutPacket',
    'sfu.serverRssMB',
    'sfu.addedLatencyP99Ms',
    'janus.subscriberStreamsPerCore',
    'janus.lossPct',
    'janus.cpuMicrosPerOutPacket',
    'janus.serverRssMB',
    'janus.addedLatencyP99Ms',
    'sfu.ratioToJanus',
  ],
  async run() {
    const m: Metrics = {
      'sfu.subscriberStreamsPerCore': notMeasured('streams/core', '>= 300', REASON),
      'sfu.lossPct': notMeasured('%', '< 1', REASON),
      'sfu.cpuMicrosPerOutPacket': notMeasured('µs/packet', undefined, REASON),
      'sfu.serverRssMB': notMeasured('MB', undefined, REASON),
      'sfu.addedLatencyP99Ms': notMeasured('ms', '< 5', REASON),
      'janus.subscriberStreamsPerCore': notMeasured('streams/core', undefined, JANUS_REASON),
      'janus.lossPct': notMeasured('%', undefined, JANUS_REASON),
      'janus.cpuMicrosPerOutPacket': notMeasured('µs/packet', undefined, JANUS_REASON),
      'janus.serverRssMB': notMeasured('MB', undefined, JANUS_REASON),
      'janus.addedLatencyP99Ms': notMeasured('ms', undefined, JANUS_REASON),
      'sfu.ratioToJanus': notMeasured('x', undefined, JANUS_REASON),
    };
    return m;
  },
};
