// srtpAesCm.ts: the RFC 3711 keystream known answer, and exactly the bytes werift's own SRTP
// session produces (same counter, same HMAC, same rollover counting), which also decrypts them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpSession } from 'werift';
import { decryptRtpAesCmPacket, encryptRtpAesCmPacket, type WeriftCmContext, type WeriftCmRemoteContext } from '../../src/media/werift/srtpAesCm.js';

type Keys = { localMasterKey: Buffer; localMasterSalt: Buffer; remoteMasterKey: Buffer; remoteMasterSalt: Buffer };
const session = (keys: Keys, profile: number = ProtectionProfileAes128CmHmacSha1_80) => new SrtpSession({ keys, profile } as ConstructorParameters<typeof SrtpSession>[0]);
const randomKeys = (): Keys => ({ localMasterKey: randomBytes(16), localMasterSalt: randomBytes(14), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(14) });
const context = (s: SrtpSession) => (s as unknown as { localContext: WeriftCmContext }).localContext;
const remote = (s: SrtpSession) => (s as unknown as { remoteContext: WeriftCmRemoteContext }).remoteContext;
const reversed = (k: Keys): Keys => ({ localMasterKey: k.remoteMasterKey, localMasterSalt: k.remoteMasterSalt, remoteMasterKey: k.localMasterKey, remoteMasterSalt: k.localMasterSalt });

function plain(header: RtpHeader, payload: Buffer): { bytes: Buffer; headerLength: number } {
  const bytes = new RtpPacket(header, payload).serialize();
  return { bytes, headerLength: bytes.length - payload.length };
}

describe('SRTP AES-CM HMAC-SHA1-80 encryption of the forwarding path', () => {
  it('produces the keystream of RFC 3711 appendix B.2', () => {
    const s = session(randomKeys());
    const ctx = context(s);
    // The appendix gives session keys, not master keys: put them in the context directly.
    ctx.srtpSessionKey = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex');
    ctx.srtpSessionSalt = Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD', 'hex');
    const { bytes, headerLength } = plain(new RtpHeader({ sequenceNumber: 0, ssrc: 0, payloadType: 96 }), Buffer.alloc(48));
    const out = encryptRtpAesCmPacket(ctx, bytes, headerLength, 0, 0)!;
    assert.equal(
      out.subarray(headerLength, headerLength + 48).toString('hex').toUpperCase(),
      'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
    );
  });

  it("matches werift's own encryption byte for byte, across a sequence wrap, for any payload length", () => {
    const keys = randomKeys();
    const ours = session(keys);
    const reference = session(keys);
    for (const length of [1, 15, 16, 17, 700, 1200]) {
      const payload = randomBytes(length);
      for (const seq of [65534, 65535, 0, 1]) {
        const header = () => new RtpHeader({ sequenceNumber: seq, ssrc: 0x11223344, timestamp: 5, payloadType: 100, marker: true, extensionProfile: 0xbede, extensions: [{ id: 1, payload: Buffer.from('ab') }] });
        const { bytes, headerLength } = plain(header(), payload);
        const a = encryptRtpAesCmPacket(context(ours), bytes, headerLength, 0x11223344, seq)!;
        const b = reference.encrypt(payload, header());
        assert.equal(a.toString('hex'), b.toString('hex'), `length ${length}, sequence ${seq}`);
      }
    }
    assert.ok(context(ours).getSrtpSsrcState(0x11223344).rolloverCounter >= 1, 'the wraps were counted');
  });

  it('is decrypted by the receiving side, and a changed byte fails authentication', () => {
    const keys = randomKeys();
    const sender = session(keys);
    const receiver = session({ localMasterKey: keys.remoteMasterKey, localMasterSalt: keys.remoteMasterSalt, remoteMasterKey: keys.localMasterKey, remoteMasterSalt: keys.localMasterSalt });
    const payload = randomBytes(1000);
    const { bytes, headerLength } = plain(new RtpHeader({ sequenceNumber: 10, ssrc: 7, payloadType: 96 }), payload);
    const packet = encryptRtpAesCmPacket(context(sender), bytes, headerLength, 7, 10)!;
    assert.deepEqual(receiver.decrypt(Buffer.from(packet)).subarray(headerLength), payload);
    packet[headerLength + 3]! ^= 1;
    assert.throws(() => receiver.decrypt(packet));
  });

  it('leaves other profiles to the other paths', () => {
    const { bytes, headerLength } = plain(new RtpHeader({ sequenceNumber: 1, ssrc: 1 }), randomBytes(10));
    const gcm = session({ ...randomKeys(), localMasterSalt: randomBytes(12), remoteMasterSalt: randomBytes(12) }, ProtectionProfileAeadAes128Gcm);
    assert.equal(encryptRtpAesCmPacket(context(gcm), bytes, headerLength, 1, 1), undefined);
  });
});

describe('SRTP AES-CM HMAC-SHA1-80 decryption of incoming RTP', () => {
  it("gives werift's plaintext for werift's packets, across a sequence wrap, for any payload length", () => {
    const keys = randomKeys();
    const sender = session(keys);
    const ours = session(reversed(keys));
    const reference = session(reversed(keys));
    for (const length of [1, 15, 16, 17, 700, 1200]) {
      for (const seq of [65533, 65535, 0, 2]) {
        const header = new RtpHeader({ sequenceNumber: seq, ssrc: 0x0a0b0c0d, timestamp: 9, payloadType: 96, csrc: [1, 2], extensionProfile: 0xbede, extensions: [{ id: 3, payload: Buffer.from('xyz') }] });
        const packet = sender.encrypt(randomBytes(length), header);
        const a = decryptRtpAesCmPacket(remote(ours), Buffer.from(packet));
        const b = reference.decrypt(Buffer.from(packet));
        assert.ok(a, `length ${length}, sequence ${seq}: decrypted`);
        assert.equal(a.toString('hex'), b.toString('hex'), `length ${length}, sequence ${seq}`);
      }
    }
    assert.equal(remote(ours).getSrtpSsrcState(0x0a0b0c0d).rolloverCounter, remote(reference).getSrtpSsrcState(0x0a0b0c0d).rolloverCounter);
    assert.ok(remote(ours).getSrtpSsrcState(0x0a0b0c0d).rolloverCounter >= 1, 'the wraps were counted');
  });

  it('refuses a packet with a changed byte or tag, and leaves the rollover state as it was', () => {
    const keys = randomKeys();
    const sender = session(keys);
    const ours = session(reversed(keys));
    const ok = sender.encrypt(randomBytes(100), new RtpHeader({ sequenceNumber: 65535, ssrc: 5, payloadType: 96 }));
    assert.ok(decryptRtpAesCmPacket(remote(ours), Buffer.from(ok)));
    const state = { ...remote(ours).getSrtpSsrcState(5) };
    const wrapped = sender.encrypt(randomBytes(100), new RtpHeader({ sequenceNumber: 0, ssrc: 5, payloadType: 96 }));
    for (const at of [2, 20, wrapped.length - 1]) {
      const bad = Buffer.from(wrapped);
      bad[at]! ^= 0x40;
      assert.equal(decryptRtpAesCmPacket(remote(ours), bad), undefined, `byte ${at} changed`);
      assert.deepEqual({ ...remote(ours).getSrtpSsrcState(5) }, state, `byte ${at} changed: state kept`);
    }
    assert.ok(decryptRtpAesCmPacket(remote(ours), Buffer.from(wrapped)), 'the genuine packet still decrypts');
    assert.equal(remote(ours).getSrtpSsrcState(5).rolloverCounter, 1);
    // A forged packet of an SSRC never seen adds no state (the map is keyed by what peers send).
    const forged = Buffer.from(sender.encrypt(randomBytes(100), new RtpHeader({ sequenceNumber: 7, ssrc: 999, payloadType: 96 })));
    forged[forged.length - 1]! ^= 1;
    assert.equal(decryptRtpAesCmPacket(remote(ours), forged), undefined);
    assert.equal(remote(ours).srtpSSRCStates[999], undefined);
  });

  it('leaves malformed packets and other profiles to werift', () => {
    const keys = randomKeys();
    const ours = session(reversed(keys));
    assert.equal(decryptRtpAesCmPacket(remote(ours), Buffer.alloc(15)), undefined, 'shorter than a header and a tag');
    const notRtp = session(keys).encrypt(randomBytes(30), new RtpHeader({ sequenceNumber: 1, ssrc: 1 }));
    notRtp[0] = 0x40;
    assert.equal(decryptRtpAesCmPacket(remote(ours), notRtp), undefined, 'version 1');
    const gcmKeys = { ...randomKeys(), localMasterSalt: randomBytes(12), remoteMasterSalt: randomBytes(12) };
    const gcmPacket = session(gcmKeys, ProtectionProfileAeadAes128Gcm).encrypt(randomBytes(30), new RtpHeader({ sequenceNumber: 1, ssrc: 1 }));
    assert.equal(decryptRtpAesCmPacket(remote(session(reversed(gcmKeys), ProtectionProfileAeadAes128Gcm)), gcmPacket), undefined);
  });
});
