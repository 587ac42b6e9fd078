import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { Defaults } from '@kurento-room/protocol';
import { resolveLimits, type Limits } from './limits.js';
import { normalizeOrigin, originAllowed } from './http/origin.js';
import { handleRest } from './http/restApi.js';
import { sendError } from './http/respond.js';
import { NOTHING_POLICY, setSecurityHeaders } from './http/securityHeaders.js';
import { serveStatic, type StaticMount } from './http/staticFiles.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { installedPackageDir } from './packageDirs.js';
import type { FilterSupport, MediaEngine } from './media/MediaEngine.js';
import { ServerMetrics } from './metrics/ServerMetrics.js';
import type { WeriftEngineOptions } from './media/werift/index.js';
import type { RoomService } from './boundary/RoomService.js';
import type { CustomRequestHandler } from './room/customRequest.js';
import { LocalRoomService } from './room/LocalRoomService.js';
import { RoomManager } from './room/RoomManager.js';
import { SessionRegistry } from './signalling/SessionRegistry.js';
import { SignallingServer } from './signalling/SignallingServer.js';
import type { IceConfig } from './ice/iceServers.js';
import { attachRoomWebhooks } from './webhooks/roomWebhooks.js';
import { WebhookSender } from './webhooks/WebhookSender.js';

import { ClusterNode } from './cluster/ClusterNode.js';
import { defaultNodeId, redactRedisUrl, type ClusterOptions } from './cluster/ClusterOptions.js';
import type { NodeStats } from './cluster/ClusterRoomService.js';
import type { NodeLoad } from './cluster/NodeRegistry.js';
import type { NotificationSink } from './boundary/NotificationSink.js';

export interface RoomServerOptions {
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default all interfaces. */
  host?: string;
  /** PEM certificate and key (contents or file paths) to serve HTTPS/WSS. */
  tls?: { cert: string; key: string };
  /**
   * Origins (`https://meet.example.com`) whose pages may open the WebSocket; others get HTTP 403
   * before the upgrade. Default: any origin. Requests without an Origin header (non-browser
   * clients) are always allowed.
   */
  allowedOrigins?: string[];
  /**
   * When set, `/api/*` and `/close` need `Authorization: Bearer <adminSecret>`. Without it, reads
   * are open and changes are accepted only from loopback (or with an admin-grant token).
   */
  adminSecret?: string;
  /** STUN/TURN servers handed to clients in the join result (see ice/iceServers.ts). */
  ice?: IceConfig;
  /** Room events POSTed to these URLs (see webhooks/WebhookSender.ts). */
  webhooks?: { urls: string[]; secret?: string };
  /** HS256 secret of access tokens: with it, every joinRoom needs a valid token (see auth/accessToken.ts). */
  tokenSecret?: string;
  logLevel?: LogLevel;
  logger?: Logger;
  /** A media engine to use instead of the default werift SFU (e.g. in tests). */
  mediaEngine?: MediaEngine;
  /** Options of the default werift SFU. */
  media?: WeriftEngineOptions & {
    /**
     * Worker threads running media, rooms spread over them. Default: the number of cores. 0 or 1
     * keeps media in the main thread.
     */
    workers?: number;
    /** With workers: start them all with the server rather than each with its first room (see WorkerPoolMediaEngineOptions). */
    prestartWorkers?: boolean;
    /** With workers: how long one left without rooms runs before it is stopped, ms. Default 30,000. */
    idleWorkerStopMs?: number;
  };
  /** How long a participant survives the loss of its socket, in ms. Default 10000. */
  reconnectionGraceMs?: number;
  /** Largest accepted JSON-RPC frame, in characters. Default 1,000,000. Same as `limits.frameChars`, which wins. */
  maxFrameChars?: number;
  /** Bounds on what clients can make the server hold or do; each defaults to `DEFAULT_LIMITS` (limits.ts). */
  limits?: Partial<Limits>;
  customRequestHandler?: CustomRequestHandler;
  /** Extra folders served over HTTP, e.g. a demo application at `/`. */
  staticMounts?: StaticMount[];
  updateSpeakerInterval?: number;
  thresholdSpeaker?: number;
  /** Makes this server a node of a cluster coordinated through Redis (cluster/ClusterOptions.ts). */
  cluster?: ClusterOptions;
}

export interface RoomServerStats {
  rooms: number;
  participants: number;
  publishers: number;
  subscriptions: number;
  pendingCandidates: number;
  connections: number;
  sessions: number;
  sessionsInGrace: number;
  media: Awaited<ReturnType<MediaEngine['stats']>>;
}

/** The browser build of the client library (`@kurento-room/client`'s `dist/browser/`), served at `/js/`. */
export const clientBrowserDir = installedPackageDir('@kurento-room/client', 'dist/browser/');
/** The built demo application (`@kurento-room/demo`'s `dist/`), which the command line serves at `/`. */
export const demoDir = installedPackageDir('@kurento-room/demo', 'dist/');

function pem(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** A running room server: HTTP(S) REST + JSON-RPC over WebSocket at `/room` + the SFU. */
export class RoomServer {
  readonly rooms: RoomManager;
  readonly log: Logger;
  /** The room layer as the signalling layer and the admin API reach it: plain data both ways. */
  readonly #roomService: RoomService;
  readonly #http: Server;
  readonly #signalling: SignallingServer;
  readonly #engine: MediaEngine;
  readonly #options: RoomServerOptions;
  readonly #mounts: StaticMount[];
  readonly #webhooks: WebhookSender | undefined;
  readonly #allowedOrigins: string[] | undefined;
  readonly #metrics: ServerMetrics;
  /** Set when this server is a node of a cluster (options.cluster). */
  readonly #cluster: ClusterNode | undefined;
  #closing: Promise<void> | undefined;
  #lastCpu = { usage: process.cpuUsage(), at: performance.now() };

  constructor(options: RoomServerOptions, engine: MediaEngine, log: Logger) {
    this.#options = options;
    this.log = log;
    this.#engine = engine;
    const limits = resolveLimits({ ...options.limits, frameChars: options.limits?.frameChars ?? options.maxFrameChars });
    // The sessions are the room layer's notification sink: what it sends on its own reaches them
    // (in a cluster through the room host, which sends other nodes' sessions theirs).
    const sessions = new SessionRegistry();
    const sink: NotificationSink = { deliver: (notices) => (this.#cluster ? this.#cluster.host.deliver(notices) : sessions.deliver(notices)) };
    this.rooms = new RoomManager(this.#engine, sink, this.log.child('room'), limits);
    const local = new LocalRoomService(this.rooms, this.log.child('room'), {
      customRequestHandler: options.customRequestHandler,
      tokenSecret: options.tokenSecret,
      ice: options.ice,
    });
    const graceMs = options.reconnectionGraceMs ?? Defaults.reconnectionGraceMs;
    if (options.cluster) {
      const nodeId = options.cluster.nodeId ?? defaultNodeId(options.port ?? 8080);
      this.#cluster = new ClusterNode({
        nodeId,
        address: () => (this.#http.listening ? this.url : ''),
        options: options.cluster,
        local,
        sessions: {
          deliver: (notices) => sessions.deliver(notices),
          endSessions: (ids, reason) => this.#signalling.endSessions(ids, reason),
          sessionsInRoom: (room) => this.#signalling.sessionsInRoom(room),
          releaseSession: (id) => this.#signalling.releaseSession(id),
        },
        graceMs,
        load: () => this.#load(),
        log: this.log.child('cluster'),
      });
    }
    this.#roomService = this.#cluster?.service ?? local;
    this.#metrics = new ServerMetrics(async () => {
      const [stats, threads] = await Promise.all([this.stats(), this.#engine.threadLoad?.() ?? []]);
      return { stats, threads };
    }, this.#cluster?.nodeId);
    if (options.webhooks && options.webhooks.urls.length > 0) {
      this.#webhooks = new WebhookSender({ ...options.webhooks, log: this.log.child('webhooks'), ...(this.#cluster ? { node: this.#cluster.nodeId } : {}) });
      attachRoomWebhooks(this.rooms, this.#webhooks);
      if (!options.webhooks.secret) this.log.warn('webhooks are sent unsigned: set --webhook-secret so that receivers can verify them');
    }
    this.#signalling = new SignallingServer(
      this.#roomService,
      sessions,
      {
        limits,
        reconnectionGraceMs: graceMs,
        rpcObserver: this.#metrics.rpc,
        ...(this.#cluster ? { adoptSession: (id: string) => this.#cluster!.adopt(id) } : {}),
      },
      this.log.child('rpc'),
    );
    this.#allowedOrigins = options.allowedOrigins?.map(normalizeOrigin);
    this.#mounts = [{ prefix: '/js/', dir: clientBrowserDir, contentSecurityPolicy: () => NOTHING_POLICY }, ...(options.staticMounts ?? [])];
    const onRequest = (req: IncomingMessage, res: ServerResponse) => void this.onHttp(req, res);
    this.#http = options.tls
      ? createHttpsServer({ cert: pem(options.tls.cert), key: pem(options.tls.key) }, onRequest)
      : createHttpServer(onRequest);
    this.#http.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== '/room') {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const origin = req.headers.origin;
      if (!originAllowed(origin, this.#allowedOrigins)) {
        this.log.info('WebSocket refused: origin not allowed', { origin, remote: req.socket.remoteAddress });
        const body = `WebSocket connections from origin '${origin}' are not allowed on this server\n`;
        socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        return;
      }
      this.#signalling.handleUpgrade(req, socket, head);
    });
  }

  /** Starts listening (and, in a cluster, joins it); resolves once the port is bound and the node registered. */
  async listen(): Promise<this> {
    await this.#listenHttp();
    if (this.#cluster) {
      try {
        await this.#cluster.start();
        this.log.info('joined the cluster', { node: this.#cluster.nodeId, redis: redactRedisUrl(this.#options.cluster!.redisUrl) });
      } catch (error) {
        await this.close();
        throw error;
      }
    }
    return this;
  }

  /** The cluster node's id, or undefined for a single server. */
  get nodeId(): string | undefined {
    return this.#cluster?.nodeId;
  }

  /**
   * Drains a cluster node (SIGTERM): no new rooms here, /ready answers 503, rooms go on until
   * empty or the drain timeout, then their participants move to other nodes. A single server
   * has nowhere to move anyone: it resolves at once.
   */
  async drain(): Promise<void> {
    await this.#cluster?.drain();
  }

  /** What the registry announces of this node's load. */
  async #load(): Promise<NodeLoad> {
    const [rooms, media] = await Promise.all([this.rooms.stats(), this.#engine.stats()]);
    const now = performance.now();
    const usage = process.cpuUsage(this.#lastCpu.usage);
    const cpu = (usage.user + usage.system) / 1000 / Math.max(1, now - this.#lastCpu.at);
    this.#lastCpu = { usage: process.cpuUsage(), at: now };
    return { rooms: rooms.rooms, participants: rooms.participants, peerConnections: media.peerConnections, cpu: Math.round(cpu * 100) / 100 };
  }

  #listenHttp(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#options.port ?? 8080, this.#options.host, () => {
        this.#http.off('error', reject);
        this.log.info('listening', { url: this.url, rpc: this.wsUrl });
        if (!this.#options.adminSecret) {
          this.log.warn('no --admin-secret: the admin API lists rooms to anyone and closes or evicts only for clients on this machine (loopback); behind a reverse proxy on this machine set --admin-secret');
        }
        resolve();
      });
    });
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  get url(): string {
    const address = this.#http.address() as AddressInfo;
    const host = this.#options.host && this.#options.host !== '0.0.0.0' && this.#options.host !== '::' ? this.#options.host : 'localhost';
    return `${this.#options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  /** The JSON-RPC endpoint a client connects to. */
  get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/room`;
  }

  /** Whether the media engine can run video filters (e.g. the hat), and what is missing if not. */
  filterSupport(): Promise<FilterSupport> {
    return this.#engine.filterSupport();
  }

  /** This server's figures (in a cluster, this node's own: see clusterStats()). */
  async stats(): Promise<RoomServerStats> {
    const [rooms, media] = await Promise.all([this.rooms.stats(), this.#engine.stats()]);
    return { ...rooms, ...this.#signalling.stats(), media };
  }

  /** In a cluster, every live node's room figures and their total; undefined for a single server. */
  async clusterStats(): Promise<{ total: Awaited<ReturnType<RoomService['stats']>>; nodes: NodeStats[] } | undefined> {
    if (!this.#cluster) return undefined;
    const nodes = await this.#cluster.service.nodeStats();
    const total = { rooms: 0, participants: 0, publishers: 0, subscriptions: 0, pendingCandidates: 0 };
    for (const node of nodes) for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += node[key];
    return { total, nodes };
  }

  /** Closes every room (`roomClosed` to all), every socket and every peer connection; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const hosted = this.rooms.roomNames();
      await this.rooms.close();
      this.#signalling.close();
      if (this.#cluster) {
        for (const room of hosted) await this.#cluster.rooms.release(room, this.#cluster.nodeId).catch(() => undefined);
        await this.#cluster.close();
      }
      await this.#engine.close();
      await this.#webhooks?.close();
      await new Promise<void>((resolve) => {
        this.#http.close(() => resolve());
        this.#http.closeAllConnections();
      });
      this.log.info('closed');
    })();
    return this.#closing;
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(res, 400, 'malformed request URL');
      return;
    }
    try {
      const handled = await handleRest(
        {
          rooms: this.#roomService,
          adminSecret: this.#options.adminSecret,
          tokenSecret: this.#options.tokenSecret,
          log: this.log.child('admin'),
          updateSpeakerInterval: this.#options.updateSpeakerInterval ?? 1800,
          thresholdSpeaker: this.#options.thresholdSpeaker ?? -50,
          stats: async () => {
            const own = await this.stats();
            const cluster = await this.clusterStats();
            return cluster ? { ...own, node: this.#cluster!.nodeId, cluster } : { ...own };
          },
          // Not ready from the moment close() or a drain starts: a load balancer stops sending
          // new clients while the rooms are closed and the sockets still answer.
          ready: () => this.#closing === undefined && !this.#cluster?.draining,
          metrics: () => this.#metrics.render(),
        },
        req,
        res,
        url,
      );
      if (handled) return;
      if (serveStatic(this.#mounts, req, res, url)) return;
      sendError(res, 404, `nothing at '${url.pathname}'`);
    } catch (error) {
      this.log.error('http request failed', { path: url.pathname, error: (error as Error).message });
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    }
  }
}

/**
 * Creates a room server (with the werift SFU unless `mediaEngine` is given, on worker threads when
 * there are several cores) and starts listening.
 */
export async function createRoomServer(options: RoomServerOptions = {}): Promise<RoomServer> {
  const log = options.logger ?? createLogger(options.logLevel ?? 'info');
  let engine = options.mediaEngine;
  if (!engine) {
    const { workers = availableParallelism(), prestartWorkers, idleWorkerStopMs, ...media } = options.media ?? {};
    if (workers > 1) {
      // One werift engine per core: werift does all its packet work on one JavaScript thread.
      const { createWorkerPoolMediaEngine } = await import('./media/workers/index.js');
      engine = createWorkerPoolMediaEngine({ ...media, workers, prestartWorkers, idleWorkerStopMs, logger: log.child('sfu') });
    } else {
      // Loaded on demand so that programs bringing their own engine never load werift.
      const { createWeriftMediaEngine } = await import('./media/werift/index.js');
      engine = createWeriftMediaEngine({ ...media, logger: log.child('sfu') });
    }
  }
  return new RoomServer(options, engine, log).listen();
}
