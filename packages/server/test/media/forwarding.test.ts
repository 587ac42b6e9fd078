/**
 * Forwarding quality of the werift engine: keyframe requests from subscribers reach the
 * publisher (throttled), and an H264 offer is answered with H264.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { RTCPeerConnection as WeriftPeerConnection, RtcpSrPacket, useAbsSendTime, useH264, useSdesMid, useTransportWideCC, useVP8, type MediaStreamTrack as WeriftTrack, type RTCRtpTransceiver } from 'werift';
import type { MediaEngine } from '../../src/media/MediaEngine.js';
import { createWeriftMediaEngine } from '../../src/media/werift/index.js';
import { createPublisherPeer, waitUntil, type PublisherPeer } from '../helpers/wrtcPeers.js';
import { CandidateRouter, publish } from './wiring.js';

let engine: MediaEngine | undefined;
const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await engine?.close();
  engine = undefined;
});

/**
 * A subscriber built on werift rather than libwebrtc, because werift lets a test send a PLI
 * whenever it wants (libwebrtc only sends one when its decoder needs it).
 */
async function weriftSubscriber(engine: MediaEngine, endpointId: string, publisherId: string, inboundPacketLoss?: number) {
  const pc = new WeriftPeerConnection({
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    // What browsers offer, so the subscriber's sender writes its own extensions.
    headerExtensions: { video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()], audio: [useSdesMid()] },
    ...(inboundPacketLoss === undefined ? {} : { debug: { inboundPacketLoss } }),
  });
  cleanups.push(() => pc.close());
  const video: RTCRtpTransceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  let transportCcId = 0;
  pc.addTransceiver('audio', { direction: 'recvonly' });
  let packets = 0;
  const sequenceNumbers = new Set<number>();
  const ssrcs = new Set<number>();
  const extensionIds = new Set<number>();
  const transportSequence: number[] = [];
  const senderReports: Array<{ ssrc: number; packetCount: number; octetCount: number; ntpMs: number; receivedAt: number }> = [];
  let track: WeriftTrack | undefined;
  video.receiver.onRtcp.subscribe((packet) => {
    if (packet.type !== RtcpSrPacket.type) return;
    const sr = packet as RtcpSrPacket;
    const ntp = sr.senderInfo.ntpTimestamp;
    const ntpMs = Number(ntp >> 32n) * 1000 + (Number(ntp & 0xffffffffn) / 2 ** 32) * 1000 - 2_208_988_800_000;
    senderReports.push({ ssrc: sr.ssrc, packetCount: sr.senderInfo.packetCount, octetCount: sr.senderInfo.octetCount, ntpMs, receivedAt: Date.now() });
  });
  pc.onTrack.subscribe((t) => {
    if (t.kind !== 'video') return;
    track = t;
    t.onReceiveRtp.subscribe((rtp) => {
      packets++;
      sequenceNumbers.add(rtp.header.sequenceNumber);
      ssrcs.add(rtp.header.ssrc);
      for (const ext of rtp.header.extensions) {
        extensionIds.add(ext.id);
        if (ext.id === transportCcId && ext.payload.length === 2) transportSequence.push(ext.payload.readUInt16BE(0));
      }
    });
  });
  engine.on('iceCandidate', (id, c) => {
    if (id === endpointId) void pc.addIceCandidate(c).catch(() => undefined);
  });
  pc.onIceCandidate.subscribe((c) => {
    if (c?.candidate) void engine.addIceCandidate(endpointId, { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 }).catch(() => undefined);
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const { sdpAnswer } = await engine.subscribe({ endpointId, publisherId, sdpOffer: pc.localDescription!.sdp, dataChannels: false });
  await pc.setRemoteDescription({ type: 'answer', sdp: sdpAnswer });
  const extmap = (uri: string) => Number(new RegExp(`a=extmap:(\\d+) ${uri.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`).exec(sdpAnswer.split('m=video')[1] ?? '')?.[1] ?? 0);
  transportCcId = extmap('http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01');
  return {
    packets: () => packets,
    sequenceNumbers,
    ssrcs,
    extensionIds,
    transportSequence,
    senderReports,
    midId: extmap('urn:ietf:params:rtp-hdrext:sdes:mid'),
    transportCcId,
    /** Gaps werift's NACK generator saw (each one is NACKed); not part of werift's typed API. */
    lossEvents: () =>
      Object.values((video.receiver as unknown as { nackCountBySsrc: Record<number, number> }).nackCountBySsrc).reduce((a, b) => a + b, 0),
    sendPli: () => {
      if (track?.ssrc !== undefined) video.receiver.sendRtcpPLI(track.ssrc);
    },
  };
}

async function publisherPliCount(peer: PublisherPeer): Promise<number> {
  return peer.statSum('outbound-rtp', 'video', 'pliCount');
}

describe('forwarding quality', () => {
  it('a subscriber PLI reaches the publisher, throttled', async () => {
    engine = createWeriftMediaEngine({ keyFrameIntervalMs: 500 });
    const router = new CandidateRouter(engine);
    const publisher = createPublisherPeer();
    cleanups.push(() => publisher.close());
    await publish(engine, router, 'pub', publisher);
    const subscriber = await weriftSubscriber(engine, 'sub', 'pub');
    await waitUntil(() => subscriber.packets() > 20, 15_000, 'video packets at the werift subscriber');
    // Let the keyframe requests of the subscription itself pass their throttle window.
    await new Promise((r) => setTimeout(r, 1200));
    const before = await publisherPliCount(publisher);
    const requestsBefore = (await engine.stats()).keyFrameRequests;

    for (let i = 0; i < 10; i++) subscriber.sendPli();
    await new Promise((r) => setTimeout(r, 1500));

    const received = (await publisherPliCount(publisher)) - before;
    const requested = (await engine.stats()).keyFrameRequests - requestsBefore;
    assert.ok(received >= 1, `the publisher got a PLI (got ${received})`);
    assert.ok(requested >= 1 && requested <= 3, `10 PLIs in a burst give 1-3 upstream requests, not 10 (got ${requested})`);
  });

  it('sends each subscriber its own SSRC, MID and transport-wide sequence, and sender reports that count what it sent', async () => {
    engine = createWeriftMediaEngine();
    const router = new CandidateRouter(engine);
    const publisher = createPublisherPeer({ audio: false });
    cleanups.push(() => publisher.close());
    await publish(engine, router, 'pub', publisher);
    const a = await weriftSubscriber(engine, 'sub-a', 'pub');
    const b = await weriftSubscriber(engine, 'sub-b', 'pub');
    await waitUntil(() => a.senderReports.length >= 2 && b.senderReports.length >= 2, 20_000, 'two sender reports at each subscriber');
    for (const sub of [a, b]) {
      assert.equal(sub.ssrcs.size, 1, 'one SSRC per subscriber stream');
      const [ssrc] = sub.ssrcs;
      assert.ok(sub.midId > 0 && sub.extensionIds.has(sub.midId), `MID extension (id ${sub.midId}) on the packets: ${[...sub.extensionIds]}`);
      assert.ok(sub.transportCcId > 0 && sub.transportSequence.length > 20, 'transport-wide sequence numbers on the packets');
      const steps = sub.transportSequence.slice(1).map((n, i) => (n - sub.transportSequence[i]!) & 0xffff);
      assert.ok(steps.filter((d) => d === 1).length >= steps.length * 0.9, 'transport-wide sequence numbers count up by one');
      const sr = sub.senderReports.at(-1)!;
      assert.equal(sr.ssrc, ssrc, 'the report is about the stream the subscriber receives');
      assert.ok(sr.packetCount > 0 && sr.packetCount <= sub.packets() + 5, `packet count ${sr.packetCount} vs ${sub.packets()} received`);
      assert.ok(sr.octetCount > sr.packetCount * 10, `octet count ${sr.octetCount}`);
      assert.ok(Math.abs(sr.ntpMs - sr.receivedAt) < 2000, `NTP time of the report is now (off by ${Math.round(sr.ntpMs - sr.receivedAt)} ms)`);
    }
    assert.notDeepEqual([...a.ssrcs], [...b.ssrcs], 'the two subscribers get different SSRCs');
  });

  it('retransmits what a lossy subscriber NACKs', async () => {
    engine = createWeriftMediaEngine();
    const router = new CandidateRouter(engine);
    const publisher = createPublisherPeer({ audio: false, width: 640, height: 480, content: 'noise', fps: 15 });
    cleanups.push(() => publisher.close());
    await publish(engine, router, 'pub', publisher);
    // werift's debug switch drops an inbound packet when random() > inboundPacketLoss / 100,
    // so 90 loses about 10 % of what arrives (retransmissions included).
    const subscriber = await weriftSubscriber(engine, 'sub', 'pub', 90);
    await waitUntil(() => subscriber.packets() > 600, 30_000, '600 video packets at the lossy subscriber');
    const seen = [...subscriber.sequenceNumbers].sort((a, b) => a - b);
    // Sequence numbers may wrap once; look at the longest run without a wrap.
    const first = seen[0]!;
    const last = seen.find((n, i) => i > 0 && n - seen[i - 1]! > 30000) ?? seen[seen.length - 1]!;
    const span = seen.filter((n) => n >= first && n <= last);
    const window = span.slice(0, Math.floor(span.length * 0.8)); // the tail may still be recovering
    const expected = window[window.length - 1]! - window[0]! + 1;
    const missing = expected - window.length;
    // A packet dropped on arrival can only reach the track again as a retransmission.
    const lost = subscriber.lossEvents();
    assert.ok(lost >= expected * 0.03, `packets were really lost and NACKed (${lost} gaps over ${expected} packets)`);
    assert.ok(missing / expected < 0.02, `retransmission leaves under 2 % missing (missing ${missing} of ${expected}, ${lost} gaps NACKed)`);
  });

  it('answers an H264 offer with H264 and forwards it to an H264 subscriber offer', async () => {
    engine = createWeriftMediaEngine();
    // libwebrtc in Node has no H264, so the offer is a VP8 offer from it with the codec renamed:
    // the negotiation is what is checked here, not decoding.
    const peer = createPublisherPeer({ audio: false });
    cleanups.push(() => peer.close());
    const vp8Offer = await peer.createOffer();
    const pt = /a=rtpmap:(\d+) VP8\/90000/.exec(vp8Offer)![1];
    const h264Offer = vp8Offer
      .replace(`a=rtpmap:${pt} VP8/90000`, `a=rtpmap:${pt} H264/90000\r\na=fmtp:${pt} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`)
      .replace(/m=video (\d+) ([A-Z/]+) [\d ]+/, (_m, port, proto) => `m=video ${port} ${proto} ${pt}`)
      .split('\r\n')
      .filter((line) => !/^a=(rtpmap|fmtp|rtcp-fb):(\d+)/.test(line) || line.includes(`:${pt} `))
      .join('\r\n');
    const { sdpAnswer } = await engine.publish({ endpointId: 'h264pub', sdpOffer: h264Offer, loopback: false, dataChannels: false });
    assert.match(sdpAnswer, /a=rtpmap:\d+ H264\/90000/);
    assert.doesNotMatch(sdpAnswer, /VP8/);

    const sub = new WeriftPeerConnection({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      codecs: { video: [useVP8(), useH264()] },
    });
    cleanups.push(() => sub.close());
    sub.addTransceiver('video', { direction: 'recvonly' });
    await sub.setLocalDescription(await sub.createOffer());
    const answer = await engine.subscribe({ endpointId: 'h264sub', publisherId: 'h264pub', sdpOffer: sub.localDescription!.sdp, dataChannels: false });
    // Encoding names are case-insensitive (RFC 4855).
    assert.match(answer.sdpAnswer, /a=rtpmap:\d+ H264\/90000/i);
  });
});
