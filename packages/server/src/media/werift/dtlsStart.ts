/**
 * werift answers an offer as the DTLS client (`a=setup:active`), and once ICE is connected it
 * sleeps 100 ms before it sends its ClientHello (RTCDtlsTransport.start, no option for it). Every
 * subscriber and publisher waited those 100 ms on the way to its first frame for nothing: the
 * peer's DTLS server is ready by then, since ICE completes on the peer's nominating check, which
 * the peer sent after it found the pair writable. libwebrtc (Chromium, @roamhq/wrtc) keeps a
 * ClientHello that arrives before its DTLS starts. A hello lost anyway is sent again by werift's
 * own retransmission, as before.
 *
 * This reaches into werift's transport (its `dtls` field, set in the same turn as the
 * 'connecting' state, before the sleep), typed narrowly here and checked against the installed
 * werift by test/media/dtlsStart.test.ts.
 */
import { DtlsClient, type RTCPeerConnection } from 'werift';

interface DtlsTransportFields {
  dtls?: unknown;
}

/**
 * Makes every DTLS transport of `pc` that turns out to be the client send its ClientHello as
 * soon as its handshake starts. Call after setRemoteDescription (the transports exist then).
 * Returns a function that stops watching (the transports' own close needs nothing from it).
 */
export function helloAtOnce(pc: RTCPeerConnection): () => void {
  const stops: Array<() => void> = [];
  for (const transport of pc.dtlsTransports) {
    const { unSubscribe } = transport.onStateChange.subscribe((state) => {
      if (state !== 'connecting') return;
      unSubscribe();
      // werift emits 'connecting' before it creates the DtlsClient, in the same synchronous turn
      // that then reaches the sleep: a microtask runs once the client exists.
      queueMicrotask(() => startClient(transport as unknown as DtlsTransportFields));
    });
    stops.push(unSubscribe);
  }
  return () => {
    for (const stop of stops) stop();
  };
}

function startClient(transport: DtlsTransportFields): void {
  const client = transport.dtls;
  // werift is the DTLS server when the offer said `a=setup:active`: it waits for the hello anyway.
  if (!(client instanceof DtlsClient)) return;
  let started: Promise<void>;
  try {
    started = client.connect();
  } catch {
    // Left to werift's own call after its sleep, which reports a failure as it always did.
    return;
  }
  // werift's own call after the sleep gets this same handshake (a second Flight1 would throw) and
  // handles its outcome as before; the no-op catch only keeps a failure before that call from
  // counting as an unhandled rejection, which would end the process.
  client.connect = () => started;
  started.catch(() => undefined);
}
