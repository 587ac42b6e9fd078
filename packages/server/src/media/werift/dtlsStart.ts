/**
 * werift answers an offer as the DTLS client (`a=setup:active`), and once ICE is connected it
 * sleeps 100 ms before it sends its ClientHello (RTCDtlsTransport.start, no option for it). Every
 * subscriber and publisher waited those 100 ms on the way to its first frame. Nothing needs them:
 * libwebrtc (Chromium, @roamhq/wrtc) keeps a ClientHello that arrives before its own DTLS has
 * started. A peer that drops it gets it again after HELLO_RESEND_MS (the same datagrams, as a
 * DTLS retransmission is), and werift's own retransmissions follow as before.
 *
 * This reaches into werift's transport (its `dtls` field, set in the same turn as the
 * 'connecting' state, before the sleep), typed narrowly here and checked against the installed
 * werift by test/media/dtlsStart.test.ts.
 */
import { DtlsClient, type RTCPeerConnection } from 'werift';

interface DtlsTransportFields {
  dtls?: unknown;
  state: string;
}

/** werift's DtlsClient fields used here: its datagram sender and its handshake context. */
interface ClientFields {
  transport: { send(data: Buffer): Promise<void> };
  dtls: { flight: number };
}

/**
 * When the hello is sent again if nothing answered it, counted from the first send. A peer whose
 * DTLS is not set up yet may drop a hello that comes the moment ICE completes (libdatachannel
 * sets its DTLS up from its ICE callback: seen on the loaded machine, where werift's own
 * retransmission then came 0.5 s, 1.5 s ... later). Both resends come before werift's first.
 */
export const HELLO_RESEND_MS = [40, 120] as const;

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
  const fields = client as unknown as ClientFields;
  const socket = fields.transport;
  const send = socket.send;
  // Flight 1 goes out synchronously inside connect(): keep its datagrams to send them again.
  const hello: Buffer[] = [];
  socket.send = (data) => {
    hello.push(data);
    return send(data);
  };
  let started: Promise<void>;
  try {
    started = client.connect();
  } catch {
    // Left to werift's own call after its sleep, which reports a failure as it always did.
    return;
  } finally {
    socket.send = send;
  }
  for (const delay of HELLO_RESEND_MS) {
    // Still at flight 1: no HelloVerifyRequest or ServerHello came back yet.
    const timer = setTimeout(() => {
      if (fields.dtls.flight !== 1 || transport.state !== 'connecting') return;
      for (const data of hello) send(data).catch(() => undefined);
    }, delay);
    timer.unref();
  }
  // werift's own call after the sleep gets this same handshake (a second Flight1 would throw) and
  // handles its outcome as before; the no-op catch only keeps a failure before that call from
  // counting as an unhandled rejection, which would end the process.
  client.connect = () => started;
  started.catch(() => undefined);
}
