/**
 * Keeps werift's DTLS server from acting twice on a client's retransmitted handshake messages.
 *
 * A DTLS client retransmits its last flight whenever its timer fires before the server's answer
 * arrives (RFC 6347 4.2.4): on a loaded machine, or when the answer is slow, the server sees
 * messages of a flight twice. werift's server handles a repeat as if it were new in two places,
 * and each breaks the handshake silently:
 *
 * - A repeated ClientKeyExchange handled while werift is still completing the handshake (the
 *   copy in the same TCP read as the original flight, or the original Finished lost) makes it
 *   derive the master secret again, from its handshake transcript as it is by then: with the
 *   client's CertificateVerify in it, the extended master secret (RFC 7627) comes out different.
 *   The server then sends its Finished under keys the client does not have (the client drops
 *   it: a record that fails authentication is discarded in DTLS), still reports itself connected
 *   (it does not check the client's Finished) and derives wrong SRTP keys. The browser stays in
 *   DTLS 'connecting' for good. Seen in the Chromium ICE-TCP test under CPU load (werift's DTLS
 *   log: the flight handled twice, then "decrypt failed" on the client's repeated Finished).
 *   A repeat that comes before the CertificateVerify is let through: derived again then, the
 *   secret comes out right (and corrects one derived while a Certificate was missing).
 * - A repeated first ClientHello (no cookie) that arrives after the server sent its ServerHello
 *   makes werift draw a new server random and ECDHE key for a handshake the client continues
 *   with the old ones (dtlsRepeatGuard.test.ts shows werift's client never connecting then).
 *
 * So those repeats are dropped here; the repeats werift does answer correctly pass: a repeated
 * ClientHello with the cookie while werift waits for the client's second flight (it sends its
 * ServerHello flight again) and a repeated Finished (it sends its ChangeCipherSpec and Finished
 * again, which is what the client's retransmission asks for). Any ClientHello once werift sent
 * its Finished is dropped too: its ServerHello flight would start over, and once connected werift
 * would renegotiate, which browsers never do on DTLS-SRTP, and reset the session the data
 * channels use. Repeated Certificate and CertificateVerify messages are harmless (werift's
 * transcript keeps the first of each) and left to werift.
 */

/** DTLS handshake message types (RFC 5246 7.4, RFC 6347 4.2). */
const CLIENT_HELLO = 1;
const CERTIFICATE_VERIFY = 15;
const CLIENT_KEY_EXCHANGE = 16;
/** The client's second flight, as werift numbers it in its handshake cache. */
const CLIENT_KEY_FLIGHT = 5;
/** werift's flight numbers once its ServerHello flight, and then its Finished, went out. */
const SERVER_HELLO_FLIGHT = 4;
const SERVER_FINISHED_FLIGHT = 6;
/** ClientHello body: client_version (2) and random (32), then session_id and cookie, each length-prefixed. */
const SESSION_ID_LENGTH_OFFSET = 34;

/** A reassembled handshake message as werift passes it to its flight handlers. */
interface Handshake {
  msg_type: number;
  fragment: Buffer;
}

/** The fields of werift's DtlsServer used here (not public API). */
interface DtlsServerInternals {
  connected: boolean;
  dtls: { flight: number; handshakeCache: Record<number, { data: Array<{ msg_type: number }> } | undefined> };
  onHandleHandshakes: (assembled: Handshake[]) => Promise<void>;
}

/** The cookie's length of a ClientHello body, or undefined when the body is too short to say. */
export function clientHelloCookieLength(body: Buffer): number | undefined {
  if (body.length <= SESSION_ID_LENGTH_OFFSET) return undefined;
  const cookieLengthOffset = SESSION_ID_LENGTH_OFFSET + 1 + body[SESSION_ID_LENGTH_OFFSET]!;
  return cookieLengthOffset < body.length ? body[cookieLengthOffset] : undefined;
}

function isHarmfulRepeat(server: DtlsServerInternals, handshake: Handshake): boolean {
  switch (handshake.msg_type) {
    case CLIENT_HELLO:
      if (server.connected || server.dtls.flight >= SERVER_FINISHED_FLIGHT) return true;
      return server.dtls.flight >= SERVER_HELLO_FLIGHT && clientHelloCookieLength(handshake.fragment) === 0;
    case CLIENT_KEY_EXCHANGE: {
      // werift files each message in its transcript before acting on it, and keeps the first of
      // each type: one there is a repeat, and with the CertificateVerify there too, deriving again
      // would hash a longer transcript. (A first ClientKeyExchange always passes, even one that
      // comes after a reordered CertificateVerify.)
      const transcript = server.dtls.handshakeCache[CLIENT_KEY_FLIGHT]?.data ?? [];
      const has = (type: number) => transcript.some((cached) => cached.msg_type === type);
      return has(CLIENT_KEY_EXCHANGE) && has(CERTIFICATE_VERIFY);
    }
    default:
      return false;
  }
}

/**
 * Installs the guard on a werift DtlsServer (RTCDtlsTransport.dtls of a server-role transport,
 * which exists from its 'connecting' state on). `onDrop` is called once per dropped message.
 */
export function guardDtlsServerRepeats(server: object, onDrop: () => void): void {
  const internals = server as DtlsServerInternals;
  const handle = internals.onHandleHandshakes;
  internals.onHandleHandshakes = (assembled) => {
    const kept = assembled.filter((handshake) => !isHarmfulRepeat(internals, handshake));
    for (let i = kept.length; i < assembled.length; i++) onDrop();
    return kept.length === 0 ? Promise.resolve() : handle(kept);
  };
}
