// The NACK history ring (RtpHistory.ts): what werift's NACK handler reads through `view` is the
// packet sent under that sequence number, byte for byte, or nothing once it is overwritten.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import { headerSize, writeHeader } from '../../src/media/werift/rtpBytes.js';
import { RtpHistory, SLOTS } from '../../src/media/werift/RtpHistory.js';

function packet(seq: number, bytes: number): RtpPacket {
  const header = new RtpHeader({ payloadType: 96, ssrc: 42, sequenceNumber: seq, timestamp: seq * 90, marker: seq % 2 === 0, extensionProfile: 0xbede, extensions: [{ id: 3, payload: Buffer.from([seq & 0xff, 1]) }] });
  return new RtpPacket(header, randomBytes(bytes));
}

/** Stores `p` the way SenderFastPath does: header written into the ring, payload copied after it. */
function keep(history: RtpHistory, p: RtpPacket): void {
  const size = headerSize(p.header);
  const at = history.reserve(p.header.sequenceNumber, size + p.payload.length);
  assert.notEqual(at, undefined);
  writeHeader(p.header, history.buffer, at!);
  p.payload.copy(history.buffer, at! + size);
}

describe('NACK history ring', () => {
  it('gives back the packet of a sequence number, as werift serializes it', () => {
    const history = new RtpHistory(64 * 1024);
    const sent = [65534, 65535, 0, 1].map((seq) => packet(seq, 300));
    for (const p of sent) keep(history, p);
    for (const p of sent) {
      const got = history.view[p.header.sequenceNumber % SLOTS];
      assert.ok(got, `packet ${p.header.sequenceNumber}`);
      assert.equal(got.header.sequenceNumber, p.header.sequenceNumber);
      assert.equal(got.serialize().toString('hex'), p.serialize().toString('hex'));
    }
    assert.equal(history.view[5], undefined, 'a slot never written');
  });

  it('forgets a packet whose slot was reused or whose bytes were overwritten', () => {
    const history = new RtpHistory(10 * 1000);
    keep(history, packet(1, 900));
    keep(history, packet(1 + SLOTS, 100));
    assert.equal(history.view[1]?.header.sequenceNumber, 1 + SLOTS, 'the slot holds the newer packet');
    keep(history, packet(2, 900));
    for (let seq = 3; seq < 13; seq++) keep(history, packet(seq, 900));
    assert.equal(history.view[2], undefined, 'packet 2 was overwritten by the ring going round');
    assert.equal(history.view[12]?.header.sequenceNumber, 12, 'the newest is there');
    // Whatever is still claimed must be intact.
    for (let seq = 3; seq < 13; seq++) {
      const got = history.view[seq];
      if (got) assert.equal(got.header.timestamp, seq * 90);
    }
  });

  it('keeps what werift stores itself, and refuses a packet larger than the ring', () => {
    const history = new RtpHistory(2000);
    const p = packet(7, 500);
    history.view[7] = p; // werift's own sendRtp: rtpCache[seq % 128] = packet
    assert.equal(history.view[7]?.serialize().toString('hex'), p.serialize().toString('hex'));
    assert.equal(history.reserve(8, 2001), undefined);
    assert.equal(history.view[8], undefined);
    assert.equal(history.view.length, 0, 'other array properties read through');
  });
});
