/**
 * ICE over TCP (RFC 6544) on one listening port for every peer connection of a media engine:
 * the fallback for clients whose UDP is blocked. A client connects to our passive candidate and
 * sends its connectivity checks framed as RFC 4571 (a 16-bit length before each packet); the
 * first frame is a STUN Binding request whose USERNAME names the connection, which then gets
 * the socket with whatever followed that frame.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { bindingRequestUfrag } from './stunUsername.js';

/** Sockets that have not yet sent their first check; past this new ones are refused. */
export const MAX_PENDING_SOCKETS = 256;
/** How long a new socket may take to send its first check. */
export const IDENTIFY_TIMEOUT_MS = 10_000;
/** A first frame longer than this is no Binding request (they are about 100 bytes). */
const MAX_FIRST_FRAME_BYTES = 1500;
/** TCP sockets one connection may hold at once (a client opens one per local candidate). */
export const MAX_SOCKETS_PER_CONNECTION = 8;

/** Where an identified socket goes: the connection's passive protocol takes it from here. */
export interface TcpSocketHandoff {
  socket: Socket;
  remote: [host: string, port: number];
  /** The first frame, a Binding request, without its length prefix. */
  firstFrame: Buffer;
  /** Bytes read after the first frame (part of the next frames). */
  rest: Buffer;
}

/** TCP connections dropped, by reason. */
export interface TcpDropCounts {
  /** The first frame was no STUN Binding request with a USERNAME. */
  notStun: number;
  /** The first check named a username fragment no connection has. */
  unknownUfrag: number;
  /** Too many sockets waiting for their first check, or for one connection. */
  overflow: number;
  /** No first check within IDENTIFY_TIMEOUT_MS. */
  timeout: number;
}

export interface IceTcpMuxOptions {
  port: number;
  host?: string;
  identifyTimeoutMs?: number;
}

interface Registration {
  accept(handoff: TcpSocketHandoff): void;
  sockets: Set<Socket>;
}

export class IceTcpMux {
  readonly #server: Server;
  readonly #byUfrag = new Map<string, Registration>();
  readonly #pending = new Set<Socket>();
  /** Sockets handed to connections, destroyed with the listener (server.close waits for them). */
  readonly #handed = new Set<Socket>();
  readonly #identifyTimeoutMs: number;
  readonly dropped: TcpDropCounts = { notStun: 0, unknownUfrag: 0, overflow: 0, timeout: 0 };
  #port = 0;
  #closed = false;

  private constructor(identifyTimeoutMs: number) {
    this.#identifyTimeoutMs = identifyTimeoutMs;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async listen(options: IceTcpMuxOptions): Promise<IceTcpMux> {
    const mux = new IceTcpMux(options.identifyTimeoutMs ?? IDENTIFY_TIMEOUT_MS);
    await new Promise<void>((resolve, reject) => {
      mux.#server.once('error', reject);
      mux.#server.listen({ port: options.port, host: options.host ?? '0.0.0.0', exclusive: true }, () => {
        mux.#server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      mux.#server.close();
      throw new Error(`cannot listen on the ICE TCP port ${options.port}: ${error instanceof Error ? error.message : String(error)}`);
    });
    const address = mux.#server.address();
    mux.#port = typeof address === 'object' && address ? address.port : options.port;
    mux.#server.on('error', () => {});
    return mux;
  }

  get port(): number {
    return this.#port;
  }

  get connections(): number {
    return this.#byUfrag.size;
  }

  get pendingSockets(): number {
    return this.#pending.size;
  }

  has(ufrag: string): boolean {
    return this.#byUfrag.has(ufrag);
  }

  /** Sends the sockets whose first check names `ufrag` to `accept`; returns the unregistration. */
  register(ufrag: string, accept: (handoff: TcpSocketHandoff) => void): () => void {
    if (this.#byUfrag.has(ufrag)) throw new Error(`ICE username fragment ${ufrag} is already registered for TCP`);
    const registration: Registration = { accept, sockets: new Set() };
    this.#byUfrag.set(ufrag, registration);
    return () => {
      if (this.#byUfrag.get(ufrag) === registration) this.#byUfrag.delete(ufrag);
    };
  }

  #accept(socket: Socket): void {
    if (this.#closed || this.#pending.size >= MAX_PENDING_SOCKETS) {
      this.dropped.overflow++;
      socket.destroy();
      return;
    }
    this.#pending.add(socket);
    let buffer: Buffer = Buffer.alloc(0);
    const drop = (reason: keyof TcpDropCounts): void => {
      this.dropped[reason]++;
      finish();
      socket.destroy();
    };
    const timer = setTimeout(() => drop('timeout'), this.#identifyTimeoutMs);
    const onData = (chunk: Buffer): void => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      if (buffer.length < 2) return;
      const length = buffer.readUInt16BE(0);
      if (length > MAX_FIRST_FRAME_BYTES) return drop('notStun');
      if (buffer.length < 2 + length) return;
      const firstFrame = buffer.subarray(2, 2 + length);
      const ufrag = bindingRequestUfrag(firstFrame);
      if (ufrag === undefined) return drop('notStun');
      const registration = this.#byUfrag.get(ufrag);
      if (!registration) return drop('unknownUfrag');
      if (registration.sockets.size >= MAX_SOCKETS_PER_CONNECTION) return drop('overflow');
      const remote: [string, number] | undefined =
        socket.remoteAddress !== undefined && socket.remotePort !== undefined ? [socket.remoteAddress, socket.remotePort] : undefined;
      if (!remote) return drop('notStun');
      finish();
      registration.sockets.add(socket);
      this.#handed.add(socket);
      socket.once('close', () => {
        registration.sockets.delete(socket);
        this.#handed.delete(socket);
      });
      try {
        registration.accept({ socket, remote, firstFrame, rest: buffer.subarray(2 + length) });
      } catch {
        // A connection closing at this moment: the socket has nowhere to go.
        socket.destroy();
      }
    };
    const onEnd = (): void => {
      finish();
      socket.destroy();
    };
    const finish = (): void => {
      clearTimeout(timer);
      this.#pending.delete(socket);
      socket.off('data', onData);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.on('error', onEnd);
    socket.on('close', onEnd);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.#pending) socket.destroy();
    for (const socket of this.#handed) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
