/**
 * The ICE ports an engine shares among its peer connections: one UDP socket (IceUdpMux) and
 * optionally one TCP listener (IceTcpMux), and the one seam into werift that puts a peer
 * connection on them. werift has no option for a shared socket, but its ICE agent keeps the
 * transport protocols it already has and gathers new sockets only for addresses none of them
 * covers (that is how it survives an ICE restart); `attach` gives the agent, before it gathers,
 * a protocol per host address whose socket is a virtual transport of the shared one. The agent's
 * fields used here are werift internals, typed narrowly and checked by
 * test/media/sharedPorts.test.ts against the installed werift.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import {
  Candidate,
  StunProtocol,
  TcpPassiveProtocol,
  candidateFoundation,
  candidatePriority,
  getHostAddresses,
  splitTcpFrames,
  type RTCPeerConnection,
} from 'werift';
import { IceTcpMux, type TcpSocketHandoff } from './IceTcpMux.js';
import { IceUdpMux } from './IceUdpMux.js';
import type { Address, MuxedUdpTransport } from './MuxedUdpTransport.js';

interface AgentOptions {
  useIpv4: boolean;
  useIpv6: boolean;
  useLinkLocalAddress?: boolean;
  interfaceAddresses?: Record<string, string>;
  additionalHostAddresses?: string[];
}

/** The parts of werift's ICE `Connection` used here. */
interface Agent {
  localUsername: string;
  localPassword: string;
  userHistory: Record<string, string>;
  generation: number;
  localCandidatesStart: boolean;
  protocols: unknown[];
  options: AgentOptions;
  ensureProtocol(protocol: unknown): void;
}

/** werift's StunProtocol with the members a virtual transport needs (private in its typings). */
interface UdpProtocol {
  transport: unknown;
  localIp?: string;
  localCandidate?: Candidate;
  transactions: Record<string, unknown>;
  datagramReceived(data: Buffer, addr: Address): void;
}

interface SocketEntry {
  buffer: Buffer;
}

/** werift's TcpPassiveProtocol, fed sockets accepted by the shared listener instead of its own. */
interface TcpProtocol {
  localIp?: string;
  localCandidate?: Candidate;
  registerSocket(socket: TcpSocketHandoff['socket'], remote: Address): SocketEntry;
  handleFrame(frame: Buffer, remote: Address): void;
}

export interface SharedIcePortsOptions {
  /** UDP port shared by every connection; 0 = a free one; undefined = werift's own sockets. */
  udpPort?: number;
  /** TCP port of the passive ICE-TCP candidates; 0 = a free one; undefined = no ICE-TCP. */
  tcpPort?: number;
  /** Interface the ports bind to; default all IPv4 interfaces. */
  host?: string;
  maxConnections?: number;
}

/** What the engine reports of its shared ports. */
export interface SharedIcePortsInfo {
  udpPort?: number;
  tcpPort?: number;
  /** Connections registered on the UDP socket and the TCP listener. */
  udpConnections: number;
  tcpConnections: number;
  /** Remote addresses routed on the UDP socket. */
  udpAddresses: number;
  /** Forwarded RTP datagrams sent straight on the UDP socket (SenderFastPath's path). */
  udpMediaDatagramsSent: number;
  droppedDatagrams: IceUdpMux['dropped'];
  droppedTcpConnections: IceTcpMux['dropped'];
}

function agents(pc: RTCPeerConnection): Agent[] {
  return pc.iceTransports.map((t) => t.connection as unknown as Agent);
}

const isLoopback = (host: string): boolean => host.startsWith('127.');

/** Of a connection's protocols (one per host address), the one whose address suits `remote`. */
function nearest<P extends { localIp?: string }>(protocols: P[], remote: string): P {
  const loopback = isLoopback(remote);
  return protocols.find((p) => isLoopback(p.localIp ?? '') === loopback) ?? protocols[0]!;
}

/** STUN responses go to the protocol that sent the request (its transaction); the rest by address. */
function receiverOf(protocols: UdpProtocol[], data: Buffer, remote: string): UdpProtocol {
  if (protocols.length > 1 && data.length >= 20 && data[0]! <= 3) {
    const transaction = data.subarray(8, 20).toString('hex');
    const owner = protocols.find((p) => p.transactions[transaction] !== undefined);
    if (owner) return owner;
  }
  return nearest(protocols, remote);
}

export class SharedIcePorts {
  readonly udp: IceUdpMux | undefined;
  readonly tcp: IceTcpMux | undefined;

  private constructor(udp: IceUdpMux | undefined, tcp: IceTcpMux | undefined) {
    this.udp = udp;
    this.tcp = tcp;
  }

  static async open(options: SharedIcePortsOptions): Promise<SharedIcePorts> {
    const host = options.host;
    const udp = options.udpPort === undefined ? undefined : await IceUdpMux.bind({ port: options.udpPort, ...(host ? { host } : {}), ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}) });
    let tcp: IceTcpMux | undefined;
    try {
      tcp = options.tcpPort === undefined ? undefined : await IceTcpMux.listen({ port: options.tcpPort, ...(host ? { host } : {}) });
    } catch (error) {
      await udp?.close();
      throw error;
    }
    return new SharedIcePorts(udp, tcp);
  }

  info(): SharedIcePortsInfo {
    return {
      ...(this.udp ? { udpPort: this.udp.port } : {}),
      ...(this.tcp ? { tcpPort: this.tcp.port } : {}),
      udpConnections: this.udp?.connections ?? 0,
      tcpConnections: this.tcp?.connections ?? 0,
      udpAddresses: this.udp?.addresses ?? 0,
      udpMediaDatagramsSent: this.udp?.mediaSent ?? 0,
      droppedDatagrams: { ...(this.udp?.dropped ?? { unknownUfrag: 0, unknownAddress: 0 }) },
      droppedTcpConnections: { ...(this.tcp?.dropped ?? { notStun: 0, unknownUfrag: 0, overflow: 0, timeout: 0 }) },
    };
  }

  /**
   * Puts the peer connection's ICE on the shared ports. Call after setRemoteDescription (the
   * agent exists) and before setLocalDescription (which gathers). Returns the undo, for the
   * endpoint's close; werift's own close releases the transports too.
   */
  attach(pc: RTCPeerConnection): () => void {
    const undo: Array<() => void> = [];
    for (const agent of agents(pc)) {
      if (agent.localCandidatesStart) throw new Error('ICE gathering already started: shared ports attach before setLocalDescription');
      const ufrag = this.#uniqueUfrag();
      // werift's 4 hex characters would collide among a few hundred connections on one port.
      agent.localUsername = ufrag;
      agent.userHistory[ufrag] = agent.localPassword;
      const addresses = hostAddresses(agent.options);
      if (this.udp) {
        const transport = this.udp.register(ufrag);
        undo.push(() => void transport.close());
        this.#addUdp(agent, transport, addresses);
      }
      if (this.tcp) undo.push(this.#addTcp(agent, ufrag, addresses));
    }
    return () => {
      for (const fn of undo) fn();
    };
  }

  #uniqueUfrag(): string {
    for (;;) {
      // 8 ice-chars (RFC 8445: ALPHA / DIGIT / "+" / "/"), 48 random bits.
      const ufrag = randomBytes(6).toString('base64');
      if (!this.udp?.has(ufrag) && !this.tcp?.has(ufrag)) return ufrag;
    }
  }

  #addUdp(agent: Agent, transport: MuxedUdpTransport, addresses: string[]): void {
    const protocols: UdpProtocol[] = [];
    for (const address of addresses) {
      const protocol = new StunProtocol() as unknown as UdpProtocol;
      protocol.transport = transport;
      protocol.localIp = address;
      protocol.localCandidate = new Candidate(
        candidateFoundation('host', 'udp', address),
        1,
        'udp',
        candidatePriority('host', { transport: 'udp' }),
        address,
        transport.address.port,
        'host',
        undefined,
        undefined,
        undefined,
        agent.generation,
        agent.localUsername,
      );
      agent.ensureProtocol(protocol);
      agent.protocols.push(protocol);
      protocols.push(protocol);
    }
    transport.onData = (data, addr) => receiverOf(protocols, data, addr[0]).datagramReceived(data, addr);
  }

  #addTcp(agent: Agent, ufrag: string, addresses: string[]): () => void {
    const tcp = this.tcp!;
    const protocols: TcpProtocol[] = [];
    for (const address of addresses) {
      const protocol = new TcpPassiveProtocol() as unknown as TcpProtocol;
      protocol.localIp = address;
      protocol.localCandidate = new Candidate(
        candidateFoundation('host', 'tcp', address),
        1,
        'tcp',
        candidatePriority('host', { transport: 'tcp', tcptype: 'passive' }),
        address,
        tcp.port,
        'host',
        undefined,
        undefined,
        'passive',
        agent.generation,
        agent.localUsername,
      );
      agent.ensureProtocol(protocol);
      agent.protocols.push(protocol);
      protocols.push(protocol);
    }
    return tcp.register(ufrag, ({ socket, remote, firstFrame, rest }) => {
      const protocol = nearest(protocols, remote[0]);
      const entry = protocol.registerSocket(socket, remote);
      protocol.handleFrame(firstFrame, remote);
      const { frames, rest: partial } = splitTcpFrames(rest);
      entry.buffer = Buffer.from(partial);
      for (const frame of frames) if (frame.length > 0) protocol.handleFrame(frame, remote);
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.udp?.close(), this.tcp?.close()]);
  }
}

/**
 * The addresses werift would gather host candidates on (its own rule: the interfaces' addresses,
 * narrowed to `interfaceAddresses`, plus `additionalHostAddresses` first), IPv4 only: the shared
 * socket is IPv4, and an IPv6 address left here would make werift bind a socket of its own.
 */
function hostAddresses(options: AgentOptions): string[] {
  let addresses = getHostAddresses(options.useIpv4, false, { useLinkLocalAddress: options.useLinkLocalAddress ?? false });
  const wanted = options.interfaceAddresses ? Object.values(options.interfaceAddresses) : undefined;
  if (wanted) {
    const filtered = addresses.filter((a) => wanted.includes(a));
    if (filtered.length > 0) addresses = filtered;
  }
  addresses = [...new Set([...(options.additionalHostAddresses ?? []), ...addresses])].filter((a) => isIPv4(a));
  options.useIpv6 = false;
  options.additionalHostAddresses = addresses;
  return addresses;
}
