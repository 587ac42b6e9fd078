/**
 * One UDP socket for every peer connection of a media engine (one per worker thread). A
 * datagram goes to its connection by the local username fragment in the USERNAME of a STUN
 * Binding request, and otherwise (DTLS, SRTP, SRTCP, STUN responses) by the remote address a
 * Binding request with a known fragment came from, or that the connection itself sent to first.
 * This is how mediasoup's WebRtcServer and LiveKit's single-port mode demultiplex.
 */
import { createSocket, type Socket } from 'node:dgram';
import { MuxedUdpTransport, type Address, type UdpMuxLink } from './MuxedUdpTransport.js';
import { bindingRequestUfrag } from './stunUsername.js';

/**
 * Remote addresses one connection keeps: its client's checks come from a few candidates (host,
 * server reflexive, relayed, per interface); past this the oldest is forgotten, so a client
 * cannot grow the map by sending from many ports.
 */
/** Receive and send buffer asked for the shared socket. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export const MAX_ADDRESSES_PER_CONNECTION = 8;
/** Default bound on connections registered at once on one socket. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** Datagrams dropped because nothing claims them. */
export interface UdpDropCounts {
  /** STUN Binding requests for a username fragment no connection has (a closed one, a scan). */
  unknownUfrag: number;
  /** Anything else from an address no connection has seen. */
  unknownAddress: number;
}

export interface IceUdpMuxOptions {
  /** UDP port; 0 picks a free one. */
  port: number;
  /** Address to bind; default all IPv4 interfaces. */
  host?: string;
  maxConnections?: number;
}

const key = (host: string, port: number): string => `${host}:${port}`;

export class IceUdpMux implements UdpMuxLink {
  readonly #socket: Socket;
  readonly #byUfrag = new Map<string, MuxedUdpTransport>();
  readonly #byAddress = new Map<string, MuxedUdpTransport>();
  readonly #maxConnections: number;
  readonly dropped: UdpDropCounts = { unknownUfrag: 0, unknownAddress: 0 };
  /** Datagrams sent through sendMedia. */
  mediaSent = 0;
  #port = 0;
  #closed = false;

  private constructor(socket: Socket, maxConnections: number) {
    this.#socket = socket;
    this.#maxConnections = maxConnections;
  }

  /** Binds the socket; rejects with the system's error (EADDRINUSE, EACCES) naming the port. */
  static async bind(options: IceUdpMuxOptions): Promise<IceUdpMux> {
    // Every connection of the worker arrives on this one socket: the kernel's default receive
    // buffer (~208 kB) overflows at a few hundred packets in one event-loop pause and drops them.
    // Asked for 4 MB (the kernel caps it at net.core.rmem_max / wmem_max).
    const socket = createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES });
    const mux = new IceUdpMux(socket, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: options.port, address: options.host ?? '0.0.0.0', exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      socket.close();
      throw new Error(`cannot bind the ICE UDP port ${options.port}: ${error instanceof Error ? error.message : String(error)}`);
    });
    mux.#port = socket.address().port;
    // A send error (e.g. ICMP unreachable reported back) concerns one remote, not the socket.
    socket.on('error', () => {});
    socket.on('message', (data, rinfo) => mux.#receive(data, rinfo.address, rinfo.port));
    return mux;
  }

  get port(): number {
    return this.#port;
  }

  get connections(): number {
    return this.#byUfrag.size;
  }

  get addresses(): number {
    return this.#byAddress.size;
  }

  has(ufrag: string): boolean {
    return this.#byUfrag.has(ufrag);
  }

  /** A transport for the connection whose local username fragment is `ufrag`. */
  register(ufrag: string): MuxedUdpTransport {
    if (this.#closed) throw new Error('the ICE UDP socket is closed');
    if (this.#byUfrag.has(ufrag)) throw new Error(`ICE username fragment ${ufrag} is already registered`);
    if (this.#byUfrag.size >= this.#maxConnections) {
      throw new Error(`the ICE UDP port ${this.#port} already carries ${this.#maxConnections} connections`);
    }
    const transport = new MuxedUdpTransport(ufrag, this);
    this.#byUfrag.set(ufrag, transport);
    return transport;
  }

  async send(from: MuxedUdpTransport, data: Uint8Array, to: Address): Promise<void> {
    if (this.#closed) return;
    // A check sent before the remote's own arrive: its response comes from there, without USERNAME.
    if (!this.#byAddress.has(key(to[0], to[1]))) this.#route(key(to[0], to[1]), from);
    await new Promise<void>((resolve) => {
      this.#socket.send(data, to[1], to[0], () => resolve());
    });
  }

  /**
   * Forwarded media: the pair's address was routed when its checks went out, so no lookup here;
   * no callback either (an error, e.g. an ICMP unreachable, goes to the socket's error listener).
   */
  sendMedia(data: Buffer, port: number, host: string): void {
    if (this.#closed) return;
    this.#socket.send(data, port, host);
    this.mediaSent++;
  }

  forget(transport: MuxedUdpTransport): void {
    if (this.#byUfrag.get(transport.ufrag) === transport) this.#byUfrag.delete(transport.ufrag);
    for (const address of transport.addresses.splice(0)) {
      if (this.#byAddress.get(address) === transport) this.#byAddress.delete(address);
    }
  }

  #receive(data: Buffer, host: string, port: number): void {
    const address = key(host, port);
    const ufrag = bindingRequestUfrag(data);
    let transport: MuxedUdpTransport | undefined;
    if (ufrag !== undefined) {
      transport = this.#byUfrag.get(ufrag);
      if (!transport) {
        this.dropped.unknownUfrag++;
        return;
      }
      if (this.#byAddress.get(address) !== transport) this.#route(address, transport);
    } else {
      transport = this.#byAddress.get(address);
      if (!transport) {
        this.dropped.unknownAddress++;
        return;
      }
    }
    transport.deliver(data, [host, port]);
  }

  /** Routes `address` to `transport`, taking it from any other, within the per-connection bound. */
  #route(address: string, transport: MuxedUdpTransport): void {
    const previous = this.#byAddress.get(address);
    const index = previous ? previous.addresses.indexOf(address) : -1;
    if (previous && index >= 0) previous.addresses.splice(index, 1);
    this.#byAddress.set(address, transport);
    transport.addresses.push(address);
    if (transport.addresses.length > MAX_ADDRESSES_PER_CONNECTION) {
      const oldest = transport.addresses.shift()!;
      if (this.#byAddress.get(oldest) === transport) this.#byAddress.delete(oldest);
    }
  }

  /** Closes the socket; the transports still registered go quiet. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of [...this.#byUfrag.values()]) await transport.close();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
