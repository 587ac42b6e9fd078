// helloAtOnce (src/media/werift/dtlsStart.ts): werift, answering as the DTLS client, sends its
// ClientHello in the turn its handshake starts instead of after its own 100 ms sleep, against the
// installed werift and a libwebrtc peer (@roamhq/wrtc, Chromium's stack); and the handshake it
// started is the one that completes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { DtlsClient, RTCPeerConnection } from 'werift';
import { helloAtOnce } from '../../src/media/werift/dtlsStart.js';
import { skipUnconfiguredStun } from '../../src/media/werift/iceWorkarounds.js';
import { waitUntil } from '../helpers/wrtcPeers.js';

interface Internals {
  dtls?: { dtls?: { flight?: number } };
}

/** Connects a libwebrtc offerer to a werift answerer; tells which DTLS flight werift was at right after its handshake started. */
async function connect(fast: boolean): Promise<{ flightAtStart: number | undefined; client: boolean }> {
  const offerer = new wrtc.RTCPeerConnection();
  const answerer = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false });
  try {
    offerer.addTransceiver('video', { direction: 'recvonly' });
    await offerer.setLocalDescription(await offerer.createOffer());
    answerer.addTransceiver('video', { direction: 'sendonly' });
    await answerer.setRemoteDescription({ type: 'offer', sdp: offerer.localDescription!.sdp });
    skipUnconfiguredStun(answerer);
    if (fast) helloAtOnce(answerer);
    const transport = answerer.dtlsTransports[0]!;
    let flightAtStart: number | undefined;
    let client = false;
    // Subscribed after helloAtOnce, so this microtask runs after its own; werift's call comes
    // from a timer, never before a microtask of the same turn.
    transport.onStateChange.subscribe((state) => {
      if (state !== 'connecting') return;
      queueMicrotask(() => {
        const internals = transport as unknown as Internals;
        client = internals.dtls instanceof DtlsClient;
        flightAtStart = internals.dtls?.dtls?.flight;
      });
    });
    await answerer.setLocalDescription(await answerer.createAnswer());
    await offerer.setRemoteDescription({ type: 'answer', sdp: answerer.localDescription!.sdp });
    await waitUntil(
      () => transport.state === 'connected' && offerer.connectionState === 'connected',
      20_000,
      'DTLS connected on both sides',
    );
    return { flightAtStart, client };
  } finally {
    offerer.close();
    await answerer.close();
  }
}

describe('werift DTLS start', () => {
  it('sends the ClientHello as soon as the handshake starts, and that handshake completes', async () => {
    const fast = await connect(true);
    assert.equal(fast.client, true, 'werift answers as the DTLS client');
    assert.equal(fast.flightAtStart, 1, 'flight 1 (ClientHello) under way in the turn the handshake started');
  });

  it('without it werift has not started its first flight at that point (what helloAtOnce changes)', async () => {
    const slow = await connect(false);
    assert.equal(slow.client, true);
    assert.notEqual(slow.flightAtStart, 1);
  });
});
