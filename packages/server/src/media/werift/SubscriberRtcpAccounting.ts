/**
 * What a subscriber's RTCP says about its reception, added to the engine counters: the NACKs it
 * sends (werift's sender answers them from its history; the count shows how much repair the
 * subscriber's network needs) and the loss its receiver reports declare. This runs once per RTCP
 * packet, a few a second per subscriber, never per RTP packet.
 */
import { GenericNack, RtcpRrPacket, RtcpSrPacket, RtcpTransportLayerFeedback, type RtcpPacket, type RtcpReceiverInfo } from 'werift';
import type { Counters } from './counters.js';

/** RFC 3550 6.4.1: the cumulative number of packets lost is a signed 24-bit field; werift reads it unsigned. */
function signed24(value: number): number {
  return value & 0x80_0000 ? value - 0x100_0000 : value;
}

export class SubscriberRtcpAccounting {
  readonly #counters: Counters;
  /** The cumulative loss each reported stream (SSRC) last declared. */
  readonly #lastLost = new Map<number, number>();

  constructor(counters: Counters) {
    this.#counters = counters;
  }

  count(packet: RtcpPacket): void {
    switch (packet.type) {
      case RtcpTransportLayerFeedback.type: {
        const feedback = (packet as RtcpTransportLayerFeedback).feedback;
        if (feedback?.count !== GenericNack.count) return;
        this.#counters.nacksReceived++;
        this.#counters.nackedPackets += (feedback as GenericNack).lost.length;
        return;
      }
      case RtcpRrPacket.type:
      case RtcpSrPacket.type:
        for (const report of (packet as RtcpRrPacket | RtcpSrPacket).reports) this.#report(report);
    }
  }

  /**
   * Only increases count: the cumulative loss goes down when duplicates arrive (RFC 3550 counts
   * expected minus received), and a counter must never go back. A later rise above the previous
   * figure is counted from that figure, so nothing is counted twice.
   */
  #report(report: RtcpReceiverInfo): void {
    const lost = signed24(report.packetsLost);
    const previous = this.#lastLost.get(report.ssrc) ?? 0;
    if (lost > previous) this.#counters.reportedLostPackets += lost - previous;
    this.#lastLost.set(report.ssrc, Math.max(lost, previous));
  }
}
