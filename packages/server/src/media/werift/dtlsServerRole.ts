/**
 * The SFU takes the DTLS server role when the client's offer leaves it the choice
 * (`a=setup:actpass`, what browsers offer), and prefers SRTP AES_CM_128_HMAC_SHA1_80.
 *
 * Why: the DTLS server picks the SRTP profile, by its own preference (RFC 5764 4.1.1; werift's
 * server takes the first of its list the client offers). Answering as werift does by default
 * (`a=setup:active`) left the choice to the browser, which picks AES-GCM: one OpenSSL object per
 * packet in each direction, whose weak handles lengthen every young-generation GC pause (the
 * profile in docs/media-performance.md). With AES-CM, srtpAesCm.ts encrypts and decrypts with one
 * reused cipher per context. As the server, the SFU also stops being the side that starts the
 * handshake: the browser sends its ClientHello as soon as its ICE pair works, where werift's
 * client waited 100 ms after its own ICE connected before sending one.
 *
 * An offer that fixes the roles (`active` or `passive`) is answered with the other role, as
 * RFC 5763 5 requires; werift as client still offers AES-CM, and the server then chooses.
 */
import type { RTCPeerConnection } from 'werift';
import { guardDtlsServerRepeats } from './dtlsRepeatGuard.js';
import { AES128_CM_HMAC_SHA1_80, decryptRtpAesCmPacket, type WeriftCmRemoteContext } from './srtpAesCm.js';

/** SRTP_AEAD_AES_128_GCM (RFC 7714). */
const AEAD_AES_128_GCM = 7;
/** The order of preference when the SFU chooses: AES-CM first (see above). */
export const SRTP_PROFILE_PREFERENCE: readonly number[] = [AES128_CM_HMAC_SHA1_80, AEAD_AES_128_GCM];

/** Datagrams of a ClientHello kept while the DTLS server is not yet listening (a hello is 1 to 3). */
const EARLY_DATAGRAMS = 8;
/** DTLS record content type of handshake messages, and the size of a record header (RFC 6347 4.1). */
const DTLS_HANDSHAKE = 22;
const DTLS_RECORD_HEADER = 13;

interface DataEvent {
  subscribe(fn: (data: Buffer) => void): { unSubscribe: () => void };
  execute(data: Buffer): void;
}

/** The fields of werift's RTCDtlsTransport used here (not public API). */
interface DtlsTransportInternals {
  role: 'auto' | 'server' | 'client';
  state: string;
  /** werift's DtlsServer or DtlsClient, made when the state turns 'connecting'. */
  dtls?: object;
  iceTransport: { connection: { onData: DataEvent } };
  onStateChange: { subscribe(fn: (state: string) => void): { unSubscribe: () => void } };
  srtpProfiles: number[];
  remoteParameters?: { role?: 'auto' | 'server' | 'client' };
  srtp?: { decrypt: (packet: Buffer) => Buffer; remoteContext: WeriftCmRemoteContext };
}

function transports(pc: RTCPeerConnection): DtlsTransportInternals[] {
  return pc.dtlsTransports as unknown as DtlsTransportInternals[];
}

/**
 * Call between setRemoteDescription(offer) and createAnswer(): werift writes the role set here
 * into the answer's `a=setup` and starts that side of DTLS once ICE connects.
 */
export function answerAsDtlsServer(pc: RTCPeerConnection): void {
  for (const transport of transports(pc)) {
    const remote = transport.remoteParameters?.role;
    // The remote as server (`a=setup:passive`) leaves the client role; otherwise the SFU serves.
    transport.role = remote === 'server' ? 'client' : 'server';
    // A list of its own: werift hands every transport one shared array.
    transport.srtpProfiles = [...SRTP_PROFILE_PREFERENCE];
  }
}

/**
 * Keeps the DTLS datagrams that reach a server-role transport before werift listens for them,
 * and hands them to werift once it does. werift creates its DTLS server only when its own ICE
 * agent reports connected, which as the controlled agent comes after the client's ICE pair works;
 * a client sends its ClientHello at that moment, and werift drops what arrives before. The client
 * would send the hello again, but after its retransmission timer: 1 s in OpenSSL-based peers
 * (libdatachannel), at least 50 ms in libwebrtc. When werift's server is made, it also gets
 * the guard against retransmitted handshake messages (dtlsRepeatGuard.ts; `onRepeatDropped`
 * counts what it drops), before the kept datagrams, which may themselves be repeats, are handed over.
 * Returns the function that stops keeping (idempotent; also called when the handshake starts
 * or the transport closes).
 */
export function keepEarlyClientHello(pc: RTCPeerConnection, onRepeatDropped: () => void): () => void {
  const stops: Array<() => void> = [];
  for (const transport of transports(pc)) {
    if (transport.role !== 'server') continue;
    const event = transport.iceTransport.connection.onData;
    const kept: Buffer[] = [];
    let done = false;
    // Only what can be a handshake record (content type 22, a full 13-byte record header): junk
    // may neither take the slots of the real hello nor reach werift's parser from here.
    const data = event.subscribe((datagram) => {
      if (datagram.length >= DTLS_RECORD_HEADER && datagram[0] === DTLS_HANDSHAKE && kept.length < EARLY_DATAGRAMS) kept.push(datagram);
    });
    // Deferred to a microtask: werift builds its DTLS server right after announcing
    // 'connecting', in the same turn (and unsubscribing inside its own emit is avoided).
    const state = transport.onStateChange.subscribe((now) => {
      queueMicrotask(() => {
        const replay = now === 'connecting' ? kept.splice(0) : [];
        stop();
        if (transport.state !== 'connecting' || !transport.dtls) return;
        guardDtlsServerRepeats(transport.dtls, onRepeatDropped);
        for (const datagram of replay) {
          // werift's own receive path catches what its DTLS parser throws (a malformed record);
          // this call is not on that path, so it catches: one peer's bad bytes must not end the thread.
          try {
            event.execute(datagram);
          } catch {
            // Dropped, as werift drops a malformed datagram.
          }
        }
      });
    });
    const stop = (): void => {
      if (done) return;
      done = true;
      data.unSubscribe();
      state.unSubscribe();
      kept.length = 0;
    };
    stops.push(stop);
  }
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}

/**
 * Once a transport's DTLS has connected (werift made its SRTP session): its incoming RTP, when
 * the session is AES-CM, is decrypted by srtpAesCm.ts; whatever that does not take (malformed,
 * failed authentication) goes through werift's own decrypt, which drops bad packets as before.
 * Returns the negotiated SRTP profile, or undefined when the transport has no SRTP session.
 */
export function decryptWithReusedCipher(dtlsTransport: object): number | undefined {
  const session = (dtlsTransport as DtlsTransportInternals).srtp;
  if (!session) return undefined;
  const context = session.remoteContext;
  if (context.profile === AES128_CM_HMAC_SHA1_80) {
    const weriftDecrypt = session.decrypt;
    session.decrypt = (packet: Buffer): Buffer => decryptRtpAesCmPacket(context, packet) ?? weriftDecrypt(packet);
  }
  return context.profile;
}
