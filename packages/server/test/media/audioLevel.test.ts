// Reading the RFC 6464 audio level from packets as werift parses them off the wire: RTP packets
// are written byte by byte here (RFC 3550 header, RFC 8285 one-byte and two-byte extension
// blocks), parsed by werift's own RtpPacket.deSerialize, and read with readAudioLevel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTCRtpHeaderExtensionParameters, RtpPacket, useAbsSendTime, useAudioLevelIndication, useSdesMid } from 'werift';
import {
  AUDIO_LEVEL_URI,
  audioLevelExtensionId,
  levelOf,
  NO_AUDIO_LEVEL,
  readAudioLevel,
  voiceOf,
} from '../../src/media/werift/audioLevel.js';

/** An Opus RTP packet (PT 111) with the given extension block (profile + elements, unpadded). */
function rtpPacket(profile: number | undefined, elements: number[]): Buffer {
  const payload = [0xfc, 0xff, 0xfe];
  const header = [0x80, 111, 0x12, 0x34, 0, 0, 0x03, 0xc0, 0xde, 0xad, 0xbe, 0xef];
  if (profile === undefined) return Buffer.from([...header, ...payload]);
  header[0] |= 0x10; // X bit
  const body = [...elements];
  while (body.length % 4 !== 0) body.push(0); // padding bytes (0) up to a 32-bit boundary
  const words = body.length / 4;
  return Buffer.from([...header, profile >> 8, profile & 0xff, words >> 8, words & 0xff, ...body, ...payload]);
}

/** The byte of a level: V bit and -dBov. */
const levelByte = (voice: boolean, minusDbov: number) => (voice ? 0x80 : 0) | minusDbov;

describe('RFC 6464 audio level', () => {
  it('is read from the one-byte header form, among other extensions and padding', () => {
    // id 1: mid "0" (1 byte), id 3: audio level, id 5: a 3-byte abs-send-time; padding between.
    const raw = rtpPacket(0xbede, [0x10, 0x30, 0x00, 0x30, levelByte(true, 27), 0x52, 0x01, 0x02, 0x03]);
    const packet = RtpPacket.deSerialize(raw);
    assert.deepEqual(packet.header.extensions.map((e) => e.id), [1, 3, 5], 'werift parsed the three elements');
    const byte = readAudioLevel(packet.header.extensions, 3);
    assert.equal(levelOf(byte), 27);
    assert.equal(voiceOf(byte), true);
    assert.deepEqual([...packet.payload], [0xfc, 0xff, 0xfe], 'the payload is where it was');
  });

  it('gives the level and V bit over their whole range', () => {
    for (const [voice, level] of [[false, 0], [true, 0], [false, 127], [true, 127], [false, 64]] as const) {
      const packet = RtpPacket.deSerialize(rtpPacket(0xbede, [0x20, levelByte(voice, level)]));
      const byte = readAudioLevel(packet.header.extensions, 2);
      assert.deepEqual([levelOf(byte), voiceOf(byte)], [level, voice]);
    }
  });

  it('is read from the two-byte header form as well', () => {
    // RFC 8285 two-byte form: profile 0x100x, then id, length, data.
    const packet = RtpPacket.deSerialize(rtpPacket(0x1000, [7, 1, levelByte(false, 90), 9, 2, 0xaa, 0xbb]));
    assert.equal(readAudioLevel(packet.header.extensions, 7), 90);
  });

  it('is absent from a packet without extensions, without this id, or for id 0', () => {
    assert.equal(readAudioLevel(RtpPacket.deSerialize(rtpPacket(undefined, [])).header.extensions, 1), NO_AUDIO_LEVEL);
    const other = RtpPacket.deSerialize(rtpPacket(0xbede, [0x10, 0x30]));
    assert.equal(readAudioLevel(other.header.extensions, 3), NO_AUDIO_LEVEL);
    assert.equal(readAudioLevel(other.header.extensions, 0), NO_AUDIO_LEVEL, 'id 0 is padding, never an extension');
    assert.equal(readAudioLevel([{ id: 4, payload: new Uint8Array(0) }], 4), NO_AUDIO_LEVEL, 'an empty element carries no level');
  });

  it("takes the publisher's id from the negotiated extensions", () => {
    assert.equal(AUDIO_LEVEL_URI, 'urn:ietf:params:rtp-hdrext:ssrc-audio-level');
    const negotiated = [
      new RTCRtpHeaderExtensionParameters({ id: 4, uri: useSdesMid().uri }),
      new RTCRtpHeaderExtensionParameters({ id: 11, uri: useAudioLevelIndication().uri }),
    ];
    assert.equal(audioLevelExtensionId(negotiated), 11);
    assert.equal(audioLevelExtensionId([new RTCRtpHeaderExtensionParameters({ id: 2, uri: useAbsSendTime().uri })]), 0);
    assert.equal(audioLevelExtensionId([]), 0);
  });
});
