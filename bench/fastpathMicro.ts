/**
 * The forwarding path alone, in one thread, at a fixed load that does not depend on how busy
 * the machine is (docs/media-performance.md): one publisher's packets, SRTP-encrypted beforehand
 * as a browser would send them, arrive through werift's SRTP decrypt and RTP parse and are fanned
 * out to N subscribers through the real RtpForwarder / SenderFastPath (renumbering, extensions,
 * history, SRTP AES-GCM), each sending to a UDP socket on loopback that a sink reads. Only the
 * werift sender and transport objects are stand-ins (fields the fast path reads).
 *
 * Reports CPU time per outgoing packet, scavenges and their time per 10,000 outgoing packets,
 * the longest scavenge, and the heap growth; median of the rounds.
 *
 *   node --import tsx --conditions=source bench/fastpathMicro.ts [--root DIR] [--fanout 9]
 *        [--packets 20000] [--rounds 5] [--bytes 1200]
 * `--root` runs another checkout's source (e.g. /work/main for the figures before a change).
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: new URL('..', import.meta.url).pathname },
    fanout: { type: 'string', default: '9' },
    packets: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    bytes: { type: 'string', default: '1200' },
    label: { type: 'string', default: '' },
    profile: { type: 'string', default: 'gcm' },
    // With 'cm': incoming packets decrypted by srtpAesCm.ts's reused cipher ('reused', when the
    // checkout has it) or by werift's decrypt ('werift'), for a before/after in one checkout.
    decrypt: { type: 'string', default: 'reused' },
    // A socket stand-in that drops what it is given: the cost of the path without the send.
    'no-send': { type: 'boolean', default: false },
  },
});
const root = values.root!;
const fanout = Number(values.fanout);
const perRound = Number(values.packets);
const payloadBytes = Number(values.bytes);

const werift = (await import(pathToFileURL(`${root}/node_modules/werift/lib/index.mjs`).href)) as typeof import('werift');
const { RtpForwarder } = (await import(pathToFileURL(`${root}/packages/server/src/media/werift/RtpForwarder.ts`).href)) as typeof import('../packages/server/src/media/werift/RtpForwarder.js');
const { createCounters } = (await import(pathToFileURL(`${root}/packages/server/src/media/werift/counters.ts`).href)) as typeof import('../packages/server/src/media/werift/counters.js');
const { RtpHeader, RtpPacket, SrtpSession, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RTP_EXTENSION_URI } = werift;
// The SRTP profile of every session: 'gcm' (AEAD_AES_128_GCM) or 'cm' (AES_CM_128_HMAC_SHA1_80).
const profile = values.profile === 'cm' ? ProtectionProfileAes128CmHmacSha1_80 : ProtectionProfileAeadAes128Gcm;

function srtpPair() {
  // Master salts: 112 bits for AES-CM (RFC 3711), 96 for AES-GCM (RFC 7714).
  const saltBytes = profile === ProtectionProfileAes128CmHmacSha1_80 ? 14 : 12;
  const k = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltBytes), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(saltBytes) };
  const mine = new SrtpSession({ keys: k, profile } as ConstructorParameters<typeof SrtpSession>[0]);
  const theirs = new SrtpSession({
    keys: { localMasterKey: k.remoteMasterKey, localMasterSalt: k.remoteMasterSalt, remoteMasterKey: k.localMasterKey, remoteMasterSalt: k.localMasterSalt },
    profile,
  } as ConstructorParameters<typeof SrtpSession>[0]);
  return { mine, theirs };
}

const sink = createSocket('udp4');
sink.bind(0, '127.0.0.1');
await once(sink, 'listening');
let received = 0;
sink.on('message', () => received++);
const sinkPort = sink.address().port;

const headerExtensions = [
  { id: 1, uri: RTP_EXTENSION_URI.sdesMid },
  { id: 2, uri: RTP_EXTENSION_URI.absSendTime },
  { id: 3, uri: RTP_EXTENSION_URI.transportWideCC },
];
const sockets: ReturnType<typeof createSocket>[] = [];
const forwarders: Array<InstanceType<typeof RtpForwarder>> = [];
for (let i = 0; i < fanout; i++) {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  sockets.push(socket);
  const udp = { type: 'udp', closed: false, socket: values['no-send'] ? { send: () => undefined } : socket, send: async () => undefined };
  const pair = { protocol: { type: 'stun', transport: udp }, remoteAddr: ['127.0.0.1', sinkPort] as const, packetsSent: 0, bytesSent: 0 };
  const srtp = srtpPair().mine;
  const sender = {
    kind: 'video',
    ssrc: 1000 + i,
    stopped: false,
    mid: '1',
    codec: { payloadType: 96 },
    headerExtensions,
    rtpCache: [] as unknown[],
    packetCount: 0,
    octetCount: 0,
    rtpTimestamp: 0,
    ntpTimestamp: 0n,
    rtcpRunning: true,
    runRtcp: async () => undefined,
    dtlsTransport: {
      state: 'connected',
      transportSequenceNumber: 0,
      bytesSent: 0,
      packetsSent: 0,
      srtp,
      iceTransport: { connection: { nominated: pair, canSendApplicationData: () => true, send: async () => undefined } },
    },
  };
  forwarders.push(new RtpForwarder(sender as never, undefined, createCounters(), (e) => {
    throw e;
  }));
}

// The publisher's packets as they arrive: SRTP of a VP8-sized payload with an abs-send-time
// extension, made before each round (not measured), then decrypted and parsed by werift per
// packet as its receive path does.
const publisher = srtpPair();
const cmModule = (await import(pathToFileURL(`${root}/packages/server/src/media/werift/srtpAesCm.ts`).href).catch(() => ({}))) as Partial<typeof import('../packages/server/src/media/werift/srtpAesCm.js')>;
const reusedDecrypt = profile === ProtectionProfileAes128CmHmacSha1_80 && values.decrypt === 'reused' ? cmModule.decryptRtpAesCmPacket : undefined;
if (reusedDecrypt) {
  const session = publisher.mine as unknown as { decrypt: (b: Buffer) => Buffer; remoteContext: Parameters<typeof reusedDecrypt>[0] };
  const weriftDecrypt = session.decrypt;
  session.decrypt = (b) => reusedDecrypt(session.remoteContext, b) ?? weriftDecrypt(b);
}
const body = randomBytes(payloadBytes);
let nextSeq = 0;
function makeIncoming(count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++, nextSeq++) {
    const header = new RtpHeader({ payloadType: 96, ssrc: 0xabc, sequenceNumber: nextSeq & 0xffff, timestamp: nextSeq * 1500, marker: nextSeq % 5 === 4, extensionProfile: 0xbede, extensions: [{ id: 2, payload: Buffer.from([1, 2, 3]) }] });
    out.push(publisher.theirs.encrypt(body, header));
  }
  return out;
}

let scavenges = 0;
let scavengeMs = 0;
let scavengeMaxMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
    scavenges++;
    scavengeMs += entry.duration;
    scavengeMaxMs = Math.max(scavengeMaxMs, entry.duration);
  }
});
observer.observe({ entryTypes: ['gc'] });

async function round(incoming: Buffer[]) {
  const inPerTurn = 10; // a burst per event-loop turn, as a socket read delivers them
  for (let done = 0; done < incoming.length; done += inPerTurn) {
    for (let j = done; j < done + inPerTurn && j < incoming.length; j++) {
      const rtp = RtpPacket.deSerialize(publisher.mine.decrypt(incoming[j]!));
      for (const f of forwarders) f.forward(rtp);
    }
    await new Promise((r) => setImmediate(r));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await round(makeIncoming(5000)); // warm-up: JIT, pools
await sleep(200);
const rows: Array<Record<string, number>> = [];
// Under `node --trace-gc-nvp`, bench/gcNvp.py sums the scavenges printed after this line.
console.log('#measure');
for (let r = 0; r < Number(values.rounds); r++) {
  let incoming = makeIncoming(perRound);
  await sleep(100);
  scavenges = 0;
  scavengeMs = 0;
  scavengeMaxMs = 0;
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  await round(incoming);
  const cpu = process.cpuUsage(cpu0);
  incoming = [];
  await sleep(100); // let the observer deliver
  const out = perRound * fanout;
  const row = {
    cpuMicrosPerOutPacket: Math.round(((cpu.user + cpu.system) / out) * 100) / 100,
    scavengesPer10k: Math.round((scavenges / out) * 1e4 * 100) / 100,
    scavengeMsPer10k: Math.round((scavengeMs / out) * 1e4 * 100) / 100,
    scavengeMaxMs: Math.round(scavengeMaxMs * 100) / 100,
    heapGrowthMB: Math.round(((process.memoryUsage().heapUsed - heap0) / 2 ** 20) * 100) / 100,
  };
  rows.push(row);
  console.log(JSON.stringify({ label: values.label, round: r, ...row }));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const med: Record<string, number> = {};
for (const key of Object.keys(rows[0]!)) med[key] = median(rows.map((x) => x[key]!));
console.log(JSON.stringify({ label: values.label, median: med, profile: values.profile, decrypt: reusedDecrypt ? 'reused' : 'werift', fanout, payloadBytes, packetsPerRound: perRound * fanout, received }));
// Memory held per subscriber sender once the history is full (needs --expose-gc for a clean read).
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) {
  collect();
  await sleep(50);
  collect();
  const m = process.memoryUsage();
  const per = (bytes: number) => Math.round(bytes / fanout / 102.4) / 10;
  console.log(JSON.stringify({ label: values.label, memoryPerSenderKB: { heapUsed: per(m.heapUsed), arrayBuffers: per(m.arrayBuffers), rss: per(m.rss) }, fanout }));
}
observer.disconnect();
for (const s of sockets) s.close();
sink.close();
