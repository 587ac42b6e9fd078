// srtpGcm.ts must produce exactly the bytes werift's own SRTP session produces (same header
// layout, same IV, same rollover counting), for every header shape the forwarder can send.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';
import { encryptRtpGcm, type WeriftSrtpContext } from '../../src/media/werift/srtpGcm.js';

function session(profile: number) {
  const keys = { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(12), remoteMasterKey: randomBytes(16), remoteMasterSalt: randomBytes(12) };
  return new SrtpSession({ keys, profile } as ConstructorParameters<typeof SrtpSession>[0]);
}

const context = (s: SrtpSession) => (s as unknown as { localContext: WeriftSrtpContext }).localContext;

function header(props: Partial<RtpHeader>): RtpHeader {
  return new RtpHeader({ payloadType: 96, ssrc: 0x11223344, timestamp: 123456, sequenceNumber: 1000, ...props });
}

const shapes: Array<[string, Partial<RtpHeader>]> = [
  ['no extension', {}],
  ['marker, padding flag, CSRCs', { marker: true, padding: true, csrc: [1, 0xfffffffe] }],
  ['one-byte extensions needing padding', { extensions: [{ id: 1, payload: Buffer.from('v') }, { id: 3, payload: Buffer.from([1, 2, 3]) }] }],
  ['one-byte extensions filling words', { extensions: [{ id: 2, payload: Buffer.from([9, 9, 9]) }, { id: 4, payload: Buffer.from([7, 7, 7]) }, { id: 5, payload: Buffer.from([5]) }] }],
  ['two-byte extensions', { extensionProfile: 0x1000, extensions: [{ id: 20, payload: Buffer.alloc(17, 6) }] }],
  ['extension flag without extensions', { extension: true }],
];

describe('SRTP AES-GCM encryption of the forwarding path', () => {
  for (const [name, props] of shapes) {
    it(`matches werift byte for byte: ${name}`, () => {
      const ours = session(ProtectionProfileAeadAes128Gcm);
      // A second werift session with the same keys is the reference.
      const keys = (ours as unknown as { config: { keys: unknown } }).config.keys;
      const reference = new SrtpSession({ keys, profile: ProtectionProfileAeadAes128Gcm } as ConstructorParameters<typeof SrtpSession>[0]);
      const payload = randomBytes(700);
      // Across a sequence-number wrap, so the rollover counter moves the same way in both.
      for (const seq of [65533, 65534, 65535, 0, 1, 2]) {
        const a = encryptRtpGcm(context(ours), header({ ...props, sequenceNumber: seq }), payload);
        const b = reference.encrypt(payload, header({ ...props, sequenceNumber: seq }));
        assert.ok(a, 'GCM is handled');
        assert.equal(a.toString('hex'), b.toString('hex'), `sequence ${seq}`);
      }
      assert.equal(context(ours).getSrtpSsrcState(0x11223344).rolloverCounter, 1, 'the wrap was counted');
    });
  }

  it('shares the rollover counter with werift, whose retransmissions use the same context', () => {
    const mixed = session(ProtectionProfileAeadAes128Gcm);
    const keys = (mixed as unknown as { config: { keys: unknown } }).config.keys;
    const reference = new SrtpSession({ keys, profile: ProtectionProfileAeadAes128Gcm } as ConstructorParameters<typeof SrtpSession>[0]);
    const payload = randomBytes(300);
    // Forwarded packets (ours) and retransmissions of older ones (werift's) across a wrap.
    const sends: Array<[number, 'ours' | 'werift']> = [[65534, 'ours'], [65535, 'ours'], [65534, 'werift'], [0, 'ours'], [65535, 'werift'], [1, 'ours'], [0, 'werift']];
    for (const [seq, by] of sends) {
      const h = () => header({ sequenceNumber: seq });
      const got = by === 'ours' ? encryptRtpGcm(context(mixed), h(), payload)! : mixed.encrypt(payload, h());
      assert.equal(got.toString('hex'), reference.encrypt(payload, h()).toString('hex'), `${by} sends ${seq}`);
    }
  });

  it('the receiving side decrypts it', () => {
    const sender = session(ProtectionProfileAeadAes128Gcm);
    const k = (sender as unknown as { config: { keys: Record<string, Buffer> } }).config.keys;
    const receiver = new SrtpSession({
      keys: { localMasterKey: k.remoteMasterKey, localMasterSalt: k.remoteMasterSalt, remoteMasterKey: k.localMasterKey, remoteMasterSalt: k.localMasterSalt },
      profile: ProtectionProfileAeadAes128Gcm,
    } as ConstructorParameters<typeof SrtpSession>[0]);
    const payload = randomBytes(1200);
    const packet = encryptRtpGcm(context(sender), header({ extensions: [{ id: 1, payload: Buffer.from('0') }] }), payload)!;
    const plain = receiver.decrypt(packet);
    assert.deepEqual(plain.subarray(plain.length - payload.length), payload);
  });

  it('leaves other profiles to werift', () => {
    assert.equal(encryptRtpGcm(context(session(ProtectionProfileAes128CmHmacSha1_80)), header({}), randomBytes(10)), undefined);
  });
});
