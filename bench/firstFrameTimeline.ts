/**
 * Where the time from subscribing to the first remote frame goes, step by step, in Chromium:
 *   node --import tsx --conditions=source bench/firstFrameTimeline.ts [--runs N] [--verbose] [--out FILE.json]
 * The same two pages as the browserFirstFrame suite (bench/pages/connect.html: A publishes, B
 * connects, publishes and watches A), with page B instrumented (its RTCPeerConnections, the
 * WebSocket's receiveVideoFrom, getStats of the subscription) and the server in its own process
 * at log level debug, whose endpoints log their set-up timeline (SetupTimeline). Every step is
 * printed in milliseconds after B's `receiveVideoFrom` left the page, per run and the median.
 * Both processes read the same wall clock (performance.timeOrigin + now). getStats is polled
 * every 10 ms here, so the figures are a little slower than the suite's; use the suite for
 * before/after figures and this for the breakdown.
 */
import { closePages, publishThenWatch } from './lib/firstFramePages.js';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromiumAvailable, launchChromium } from '../testing/chromium.js';
import { ensureBrowserScript } from '../testing/clientBuild.js';
import { startServerProcess } from './lib/serverHandle.js';
import { percentile, round } from './lib/stats.js';

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 10;
const VERBOSE = args.includes('--verbose');
const outArg = args.indexOf('--out');
/** Where to write every run's steps as JSON (ms after receiveVideoFrom sent), to pool several invocations. */
const OUT = outArg >= 0 ? args[outArg + 1] : undefined;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a positive integer');

const pagesDir = fileURLToPath(new URL('./pages/', import.meta.url));

/**
 * Page B's instrumentation, as source text (see testing/chromium.ts on why not a function).
 * Marks are [name, wall-clock ms]; the first occurrence of each name counts.
 */
const INSTRUMENT = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const marks = (window.__ffMarks = {});
  const mark = (name) => { if (marks[name] === undefined) marks[name] = now(); };
  let connect;
  Object.defineProperty(window, 'benchConnect', {
    configurable: true,
    get() { return connect; },
    set(fn) { connect = function () { mark('page.connect'); return fn.apply(this, arguments); }; },
  });
  const requests = {};
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const m = JSON.parse(data);
      if (m.method === 'receiveVideoFrom' || m.method === 'joinRoom') requests[m.id] = m.method;
      if (m.method === 'receiveVideoFrom') mark('page.receiveVideoFromSent');
      if (m.method === 'onIceCandidate' && m.params && m.params.sender === 'a_webcam') mark('page.firstCandidateSent');
    } catch (e) {}
    if (!this.__ffHooked) {
      this.__ffHooked = true;
      this.addEventListener('message', (event) => {
        try {
          const m = JSON.parse(event.data);
          if (m.id !== undefined && requests[m.id]) mark('page.' + requests[m.id] + 'Answered');
          if (m.method === 'iceCandidate') mark('page.firstServerCandidate');
        } catch (e) {}
      });
    }
    return send.call(this, data);
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = new Proxy(Native, {
    construct(target, argsList) {
      const pc = Reflect.construct(target, argsList);
      let sub = undefined;
      const isSub = () => {
        if (sub === undefined) {
          const ts = pc.getTransceivers();
          if (ts.length > 0) sub = ts.every((t) => t.direction === 'recvonly');
        }
        return sub === true;
      };
      const m = (name) => { if (isSub()) mark('page.' + name); };
      const createOffer = pc.createOffer.bind(pc);
      pc.createOffer = async (...a) => { const o = await createOffer(...a); m('offerCreated'); return o; };
      const setRemote = pc.setRemoteDescription.bind(pc);
      pc.setRemoteDescription = async (...a) => { m('answerApplying'); const r = await setRemote(...a); m('answerApplied'); if (isSub()) poll(pc); return r; };
      pc.addEventListener('icecandidate', (e) => {
        if (!e.candidate) return;
        m('firstLocalCandidate');
        if (isSub()) (window.__ffCandidates = window.__ffCandidates || []).push(e.candidate.candidate);
      });
      pc.addEventListener('iceconnectionstatechange', () => m('ice.' + pc.iceConnectionState));
      pc.addEventListener('connectionstatechange', () => m('pc.' + pc.connectionState));
      pc.addEventListener('track', () => m('track'));
      pc.addEventListener('signalingstatechange', () => {
        if (!isSub()) return;
        for (const r of pc.getReceivers()) {
          const t = r.transport;
          if (t && !t.__ff) {
            t.__ff = true;
            t.addEventListener('statechange', () => m('dtls.' + t.state));
          }
        }
      });
      return pc;
    },
  });
  // getStats of the subscription until its first frame is decoded.
  function poll(pc) {
    const tick = async () => {
      if (pc.connectionState === 'closed') return;
      const report = await pc.getStats();
      let done = false;
      report.forEach((s) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        if (s.packetsReceived > 0) mark('page.firstVideoPacket');
        if (s.keyFramesDecoded > 0) mark('page.firstKeyFrameDecoded');
        if (s.framesDecoded > 0) { mark('page.firstFrameDecoded'); done = true; }
        if (s.pliCount > 0) mark('page.firstPliSent');
      });
      if (!done) setTimeout(tick, 10);
      else {
        // What ICE did, for --verbose: every pair with its candidates and STUN counts.
        const byId = {};
        report.forEach((s) => { byId[s.id] = s; });
        window.__ffPairs = [];
        report.forEach((s) => {
          if (s.type !== 'candidate-pair') return;
          const l = byId[s.localCandidateId] || {};
          const r = byId[s.remoteCandidateId] || {};
          window.__ffPairs.push([l.address + ':' + l.port + '/' + l.candidateType, r.address + ':' + r.port + '/' + r.candidateType, s.state, 'nominated=' + s.nominated, 'req=' + s.requestsSent, 'resp=' + s.responsesReceived, 'reqIn=' + s.requestsReceived].join(' '));
        });
      }
    };
    tick();
  }
})()`;

interface ServerTimeline {
  endpointId: string;
  startedAt: number;
  marks: Record<string, number>;
}

/** The rows of the table, in the order things usually happen; P = page B, S = server. */
const ROWS: Array<[string, string]> = [
  ['page.offerCreated', 'P subscriber offer created'],
  ['page.receiveVideoFromSent', 'P receiveVideoFrom sent'],
  ['server.created', 'S subscriber endpoint created'],
  ['server.firstLocalCandidate', 'S first local candidate'],
  ['server.answered', 'S answer ready (with host candidates)'],
  ['page.firstCandidateSent', 'P first candidate sent (trickle)'],
  ['server.firstRemoteCandidate', 'S first client candidate (trickled)'],
  ['server.iceChecking', 'S ICE checking'],
  ['page.receiveVideoFromAnswered', 'P answer received'],
  ['page.answerApplied', 'P answer applied'],
  ['page.firstServerCandidate', 'P first server candidate (trickled)'],
  ['page.ice.checking', 'P ICE checking'],
  ['page.ice.connected', 'P ICE connected'],
  ['server.iceConnected', 'S ICE connected'],
  ['server.dtlsConnecting', 'S DTLS started'],
  ['page.dtls.connecting', 'P DTLS connecting'],
  ['page.dtls.connected', 'P DTLS connected'],
  ['server.dtlsConnected', 'S DTLS connected'],
  ['page.pc.connected', 'P connection connected'],
  ['server.connected', 'S connection connected'],
  ['server.keyFrameRequested', 'S keyframe asked of the publisher'],
  ['server.firstRtpForwarded', 'S first video RTP forwarded'],
  ['page.track', 'P track event'],
  ['page.firstVideoPacket', 'P first video packet (getStats)'],
  ['page.firstPliSent', 'P first PLI sent (getStats)'],
  ['server.pliReceived', 'S first PLI/FIR from the subscriber'],
  ['server.firstKeyFrameForwarded', 'S first keyframe forwarded'],
  ['page.firstKeyFrameDecoded', 'P first keyframe decoded (getStats)'],
  ['page.firstFrameDecoded', 'P first frame decoded (getStats)'],
  ['page.firstFramePresented', 'P first frame presented (rVFC)'],
];

async function main(): Promise<void> {
  if (!chromiumAvailable()) throw new Error('Chromium not found');
  ensureBrowserScript();
  const timelines: ServerTimeline[] = [];
  const server = await startServerProcess({
    serverOptions: { logLevel: 'debug', staticMounts: [{ prefix: '/bench-pages/', dir: pagesDir }] },
    onLogLine: (line) => {
      if (!line.includes('endpoint set-up timeline')) {
        if (!line.includes('"level":"debug"') && !line.includes('"level":"info"')) console.error(line);
        return;
      }
      try {
        timelines.push(JSON.parse(line) as ServerTimeline);
      } catch {
        // Not one of the server's JSON log lines.
      }
    },
  });
  const chromium = await launchChromium();
  const runs: Array<Record<string, number>> = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const room = `timeline-${r}-${Date.now()}`;
      const { a, b } = await publishThenWatch(chromium, server.url, room, (page) => page.addInitScript(INSTRUMENT));
      try {
        await b.waitForFunction('window.benchFirstFrameMs !== undefined && window.__ffMarks["page.firstFrameDecoded"] !== undefined', undefined, {
          timeout: 20_000,
          polling: 20,
        });
        const page = (await b.evaluate('({ marks: window.__ffMarks, firstFrameMs: window.benchFirstFrameMs, candidates: window.__ffCandidates, pairs: window.__ffPairs })')) as {
          marks: Record<string, number>;
          firstFrameMs: number;
          candidates?: string[];
          pairs?: string[];
        };
        if (VERBOSE) console.error(`  page B's candidates: ${JSON.stringify(page.candidates)}\n  its pairs: ${JSON.stringify(page.pairs, null, 1)}`);
        const row: Record<string, number> = { ...page.marks };
        row['page.firstFramePresented'] = page.marks['page.connect']! + page.firstFrameMs;
        // The subscriber endpoint logs its line at its first keyframe forwarded; wait for it.
        const deadline = Date.now() + 10_000;
        let line: ServerTimeline | undefined;
        while (!(line = timelines.find((t) => t.endpointId.endsWith('-b<a_webcam'))) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        if (line) {
          row['server.created'] = line.startedAt;
          for (const [name, ms] of Object.entries(line.marks)) row[`server.${name}`] = line.startedAt + ms;
        }
        timelines.length = 0;
        const zero = row['page.receiveVideoFromSent']!;
        const relative: Record<string, number> = { connectToFirstFrame: page.firstFrameMs, connectToReceiveVideoFrom: zero - row['page.connect']! };
        for (const [name, at] of Object.entries(row)) relative[name] = at - zero;
        runs.push(relative);
        console.error(
          `run ${r + 1}/${RUNS}: connect -> first frame ${round(page.firstFrameMs, 1)} ms; receiveVideoFrom sent at ${round(relative.connectToReceiveVideoFrom!, 1)} ms, first frame ${round(relative['page.firstFramePresented']!, 1)} ms after it`,
        );
      } finally {
        await closePages({ a, b });
      }
    }
  } finally {
    await chromium.close();
    await server.close();
  }
  if (OUT) writeFileSync(OUT, JSON.stringify(runs, null, 1));
  const median = (key: string): string => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length === 0 ? '-' : `${round(percentile(values, 50), 1)}`.padStart(7) + ` (${values.length}/${runs.length})`;
  };
  console.log(`\nmedian of ${runs.length} runs, ms after page B sent receiveVideoFrom (P = page B, S = server)`);
  console.log(`connect() -> receiveVideoFrom sent: ${median('connectToReceiveVideoFrom')}`);
  for (const [key, label] of ROWS) console.log(`${label.padEnd(44)} ${median(key)}`);
  console.log(`connect() -> first frame presented:  ${median('connectToFirstFrame')}`);
  console.log(`\nper run (ms after receiveVideoFrom sent):`);
  console.log(ROWS.map(([, label]) => label).join(' | '));
  for (const run of runs) console.log(ROWS.map(([key]) => (run[key] === undefined ? '-' : round(run[key]!, 1))).join(' | '));
}

await main();
