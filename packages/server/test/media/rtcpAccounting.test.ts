import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GenericNack,
  RtcpPacketConverter,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpTransportLayerFeedback,
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  type RtcpPacket,
} from 'werift';
import { createCounters } from '../../src/media/werift/counters.js';
import { SubscriberRtcpAccounting } from '../../src/media/werift/SubscriberRtcpAccounting.js';

/** Serialized and parsed again by werift, as packets from a subscriber arrive. */
function wire(packet: { serialize(): Buffer }): RtcpPacket {
  const [parsed] = RtcpPacketConverter.deSerialize(packet.serialize());
  return parsed!;
}

function rr(...reports: Array<{ ssrc: number; lost: number }>): RtcpPacket {
  // The field is 24-bit two's complement on the wire (RFC 3550 6.4.1).
  const blocks = reports.map((r) => new RtcpReceiverInfo({ ssrc: r.ssrc, packetsLost: r.lost & 0xff_ffff, fractionLost: 0, highestSequence: 0, jitter: 0, lsr: 0, dlsr: 0 }));
  return wire(new RtcpRrPacket({ ssrc: 1, reports: blocks }));
}

describe('subscriber RTCP accounting', () => {
  it('counts generic NACKs and the packets they ask for, and nothing for other feedback', () => {
    const counters = createCounters();
    const accounting = new SubscriberRtcpAccounting(counters);
    accounting.count(wire(new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [10, 11, 14] }) })));
    accounting.count(wire(new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 2, lost: [20] }) })));
    accounting.count(wire(new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }) })));
    assert.equal(counters.nacksReceived, 2);
    assert.equal(counters.nackedPackets, 4);
    assert.equal(counters.reportedLostPackets, 0);
  });

  it('adds the increases of each stream cumulative loss, never a decrease, never twice', () => {
    const counters = createCounters();
    const accounting = new SubscriberRtcpAccounting(counters);
    accounting.count(rr({ ssrc: 100, lost: 3 }, { ssrc: 200, lost: 1 }));
    assert.equal(counters.reportedLostPackets, 4);
    accounting.count(rr({ ssrc: 100, lost: 3 }, { ssrc: 200, lost: 1 }));
    assert.equal(counters.reportedLostPackets, 4, 'the same figures again add nothing');
    accounting.count(rr({ ssrc: 100, lost: 1 })); // duplicates arrived: the cumulative loss went down
    accounting.count(rr({ ssrc: 100, lost: 5 }));
    assert.equal(counters.reportedLostPackets, 6, 'counted from the highest figure seen: 3 -> 5');
  });

  it('reads the cumulative loss as signed: a negative figure (more duplicates than losses) adds nothing', () => {
    const counters = createCounters();
    const accounting = new SubscriberRtcpAccounting(counters);
    accounting.count(rr({ ssrc: 7, lost: -2 }));
    assert.equal(counters.reportedLostPackets, 0);
    accounting.count(rr({ ssrc: 7, lost: 2 }));
    assert.equal(counters.reportedLostPackets, 2);
  });
});
