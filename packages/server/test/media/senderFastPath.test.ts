// The forwarding send path (SenderFastPath, through RtpForwarder) against a stand-in for the
// werift sender fields it writes: what goes to the socket or to werift's own send, the counters
// of the sender reports, and the NTP time those reports read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpSession, type RTCRtpSender } from 'werift';
import { createCounters } from '../../src/media/werift/counters.js';
import { RtpForwarder } from '../../src/media/werift/RtpForwarder.js';
import { ntpFromUnixMs } from '../../src/media/werift/SenderFastPath.js';

function fakeSender(pairType: 'stun' | 'turn') {
  const socketSends: Buffer[] = [];
  const agentSends: Buffer[] = [];
  const encryptedHeaders: RtpHeader[] = [];
  const pair = {
    protocol: pairType === 'stun' ? { type: 'stun', transport: { type: 'udp', closed: false, socket: { send: (b: Buffer) => socketSends.push(b) } } } : { type: 'turn' },
    remoteAddr: ['127.0.0.1', 5000] as const,
    packetsSent: 0,
    bytesSent: 0,
  };
  const sender = {
    ssrc: 1234,
    stopped: false,
    codec: { payloadType: 100 },
    headerExtensions: [],
    rtpCache: [] as RtpPacket[],
    packetCount: 0,
    octetCount: 2 ** 32 - 10,
    rtpTimestamp: 0,
    ntpTimestamp: 0n,
    rtcpRunning: true,
    runRtcp: async () => undefined,
    dtlsTransport: {
      state: 'connected',
      transportSequenceNumber: 0,
      bytesSent: 0,
      packetsSent: 0,
      // An SRTP profile the fast path does not encrypt itself (2: AES_CM_128_HMAC_SHA1_32), so
      // werift's (here: the stand-in's) encrypt is used.
      srtp: {
        localContext: { profile: 2 },
        encrypt: (payload: Buffer, header: RtpHeader) => {
          encryptedHeaders.push(header);
          return Buffer.concat([Buffer.alloc(12), payload]);
        },
      },
      iceTransport: {
        connection: { nominated: pair, canSendApplicationData: () => true, send: async (b: Buffer) => void agentSends.push(b) },
      },
    },
  };
  const forwarder = new RtpForwarder(sender as unknown as RTCRtpSender, undefined, createCounters(), (e) => {
    throw e;
  });
  return { sender, pair, forwarder, socketSends, agentSends, encryptedHeaders };
}

const packet = (seq: number, padding = false) =>
  new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq * 3000, ssrc: 99, payloadType: 96, padding }), Buffer.alloc(100, 1));

describe('forwarding send path', () => {
  it('sends on the UDP socket of a plain pair and counts it', () => {
    const f = fakeSender('stun');
    f.forwarder.forward(packet(1));
    assert.equal(f.socketSends.length, 1);
    assert.equal(f.agentSends.length, 0);
    assert.equal(f.pair.packetsSent, 1);
    assert.equal(f.sender.dtlsTransport.packetsSent, 1);
    assert.equal(f.encryptedHeaders[0]!.ssrc, 1234, "the subscriber's SSRC");
    assert.equal(f.encryptedHeaders[0]!.payloadType, 100, "the subscriber's payload type");
  });

  it('hands TURN (and TCP) pairs to werift, which wraps the packet', () => {
    const f = fakeSender('turn');
    f.forwarder.forward(packet(1));
    assert.equal(f.agentSends.length, 1, 'sent through the ICE agent');
    assert.equal(f.socketSends.length, 0);
    assert.equal(f.sender.dtlsTransport.packetsSent, 1);
  });

  it('keeps the sender report counters in 32 bits and the packet for NACKs', () => {
    const f = fakeSender('stun');
    f.forwarder.forward(packet(7));
    assert.equal(f.sender.packetCount, 1);
    assert.equal(f.sender.octetCount, 90, 'octet count wrapped modulo 2^32');
    assert.equal(f.sender.rtpCache[7 % 128]?.header.sequenceNumber, 7);
  });

  it('does not claim padding the payload no longer has', () => {
    const f = fakeSender('stun');
    f.forwarder.forward(packet(1, true));
    assert.equal(f.encryptedHeaders[0]!.padding, false);
  });

  it('gives the sender reports one NTP time per sent packet, the same on every read', async () => {
    const f = fakeSender('stun');
    assert.equal(f.sender.ntpTimestamp, 0n, 'nothing sent yet');
    const before = Date.now();
    f.forwarder.forward(packet(1));
    const first = f.sender.ntpTimestamp;
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(f.sender.ntpTimestamp, first, 'a second read is equal');
    const unixMs = Number(first >> 32n) * 1000 + (Number(first & 0xffffffffn) / 2 ** 32) * 1000 - 2_208_988_800_000;
    assert.ok(Math.abs(unixMs - before) < 50, `the NTP time is the send time (off by ${unixMs - before} ms)`);
  });

  for (const [name, profile] of [['AES-CM HMAC-SHA1-80', ProtectionProfileAes128CmHmacSha1_80], ['AES-GCM', ProtectionProfileAeadAes128Gcm]] as const) {
    it(`encrypts ${name} itself, which the subscriber decrypts, and answers a NACK from the history`, () => {
      const f = fakeSender('stun');
      const salt = profile === ProtectionProfileAeadAes128Gcm ? 12 : 14;
      const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(salt), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(salt) };
      const sfu = new SrtpSession({ keys, profile } as ConstructorParameters<typeof SrtpSession>[0]);
      const subscriber = new SrtpSession({
        keys: { localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt },
        profile,
      } as ConstructorParameters<typeof SrtpSession>[0]);
      (f.sender.dtlsTransport as { srtp: unknown }).srtp = sfu;
      const payloads = [65534, 65535, 0, 1].map((seq) => {
        const p = new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq, ssrc: 99, payloadType: 96 }), randomBytes(900 + seq % 7));
        f.forwarder.forward(p);
        return p.payload;
      });
      assert.equal(f.encryptedHeaders.length, 0, "werift's encrypt was not used");
      assert.equal(f.socketSends.length, 4);
      f.socketSends.forEach((sent, i) => {
        const rtp = RtpPacket.deSerialize(subscriber.decrypt(sent));
        assert.equal(rtp.header.ssrc, 1234);
        assert.deepEqual(rtp.payload, payloads[i]);
      });
      assert.deepEqual(f.sender.rtpCache[0]?.payload, payloads[2], 'the NACK history holds packet 0');
    });
  }

  it('writes NTP timestamps as RFC 5905 has them', () => {
    assert.equal(ntpFromUnixMs(0), 2_208_988_800n << 32n, 'the Unix epoch');
    assert.equal(ntpFromUnixMs(1500) & 0xffffffffn, 0x80000000n, 'half a second is half the fraction');
    // 2036-02-07T06:28:16Z is NTP second 2^32: era 1 starts again at 0.
    assert.equal(ntpFromUnixMs(Date.UTC(2036, 1, 7, 6, 28, 17)) >> 32n, 1n);
  });
});
