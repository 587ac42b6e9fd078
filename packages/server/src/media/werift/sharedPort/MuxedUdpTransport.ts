/**
 * One peer connection's view of the shared UDP socket: what werift's StunProtocol expects of its
 * own socket (`onData`, `send`, `close`, `closed`, `address`, `socketType`), so that werift's
 * STUN transactions, consent checks, DTLS and SRTP run unchanged over the shared port.
 */

export type Address = [host: string, port: number];

/** What a transport needs of the socket it shares. */
export interface UdpMuxLink {
  readonly port: number;
  send(from: MuxedUdpTransport, data: Uint8Array, to: Address): Promise<void>;
  /** Media on an established pair: sent at once, no promise, no completion callback. */
  sendMedia(data: Buffer, port: number, host: string): void;
  forget(transport: MuxedUdpTransport): void;
}

export class MuxedUdpTransport {
  /** werift's StunProtocol checks this to pick the address family of STUN server lookups. */
  readonly socketType = 'udp4';
  /**
   * What SenderFastPath looks for on a nominated pair's transport: a UDP transport whose
   * `socket.send(data, port, host)` it calls directly. Without these, every forwarded packet went
   * through werift's `connection.send` → `StunProtocol.sendData` → `send` here → the mux: four
   * promises and a send with a completion callback per packet (werift itself reads `type` only
   * to tell TCP and TLS transports apart).
   */
  readonly type = 'udp';
  readonly socket = {
    send: (data: Buffer, port: number, host: string): void => {
      if (!this.#closed) this.#link.sendMedia(data, port, host);
    },
  };
  readonly ufrag: string;
  /** Remote addresses routed to this transport, oldest first (the mux bounds and owns the map). */
  readonly addresses: string[] = [];
  /** Set by werift's StunProtocol: where received datagrams go. */
  onData: (data: Buffer, addr: Address) => void = () => {};
  #closed = false;
  readonly #link: UdpMuxLink;

  constructor(ufrag: string, link: UdpMuxLink) {
    this.ufrag = ufrag;
    this.#link = link;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The shared socket's port; the host is the candidate's, which werift keeps apart. */
  get address(): { address: string; port: number } {
    return { address: '0.0.0.0', port: this.#link.port };
  }

  send = async (data: Uint8Array, addr: Address): Promise<void> => {
    if (this.#closed) return;
    await this.#link.send(this, data, addr);
  };

  /** Called by the mux with a datagram routed here. */
  deliver(data: Buffer, addr: Address): void {
    if (!this.#closed) this.onData(data, addr);
  }

  /** werift closes its protocol's transport when the connection closes: the mux forgets it. */
  close = async (): Promise<void> => {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.forget(this);
  };
}
