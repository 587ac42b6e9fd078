/**
 * The MediaEngine on werift: one RTCPeerConnection per endpoint, publishers fan their RTP out to
 * subscriber senders in this process. Every public method takes and returns plain data and maps
 * werift failures to MediaEngineError; no werift object leaves this module.
 */
import type { PeerConfig } from 'werift';
import { assertEngineOpen, assertNewEndpointId } from '../engineGuards.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { existsSync } from 'node:fs';
import {
  MediaEngineError,
  type EngineStats,
  type FilterSupport,
  type VideoFilterSpec,
  type IceCandidateInit,
  type MediaEngine,
  type MediaEngineEvents,
  type NegotiationResult,
  type PublishRequest,
  type SubscribeRequest,
} from '../MediaEngine.js';
import { ActiveSpeakerMonitor, DEFAULT_SPEAKER_INTERVAL_MS } from './ActiveSpeakerMonitor.js';
import { createCounters, type Counters } from './counters.js';
import { probeGstreamer, type GstreamerOptions } from './gstSupport.js';
import { LivenessMonitor } from './LivenessMonitor.js';
import { errorMessage, toLogFn, type MediaLogFn, type MediaLogger } from './log.js';
import type { EndpointContext, PeerEndpoint } from './PeerEndpoint.js';
import { PublisherEndpoint } from './PublisherEndpoint.js';
import { DEFAULT_SPEAKING_OPTIONS, validateSpeakingOptions, type SpeakingDetectorOptions } from './SpeakingDetector.js';
import { SubscriberEndpoint } from './SubscriberEndpoint.js';
import { SharedIcePorts, type SharedIcePortsInfo, type SharedIcePortsOptions } from './sharedPort/SharedIcePorts.js';

/**
 * Keyframe requests to one publisher are at most this frequent. A subscriber that connects
 * inside the window waits for its end for its first picture, so the window is short; a burst of
 * requests (many subscribers, a lossy one) still costs at most 3 keyframes a second. Not shorter
 * than libwebrtc's own limit: a browser publisher ignores a keyframe request that arrives within
 * 300 ms of the last one it acted on (EncoderRtcpFeedback), so a request deferred to 250 ms was
 * dropped by the very publisher it was for; the margin covers the PLIs' uneven transit.
 */
const DEFAULT_KEYFRAME_INTERVAL_MS = 350;

/**
 * A connected endpoint whose remote is silent this long is declared failed ('inactive'). It must
 * outlast the longest silence of a live peer: one that sends no media and no RTCP reports (a
 * receive-only libdatachannel peer) is heard from only when it answers werift's consent checks,
 * which come every 4-6 s (RFC 7675's 5 s ± 20 %); at the former 5 s such peers were released
 * while receiving (test/integration/quietPeers.media.test.ts). 7 s leaves a second over the
 * longest gap and stays inside the room's 10 s grace period.
 */
export const DEFAULT_INACTIVITY_TIMEOUT_MS = 7000;

/** Active speaker detection of an engine: the detector's settings, how often groups are evaluated, how orders change. */
export interface SpeakerDetectionOptions extends Partial<SpeakingDetectorOptions> {
  /** How often each group's speakers are evaluated (and at most reported), ms. Default 250. */
  intervalMs?: number;
  /** Level difference (dB) that reorders two speakers already ranked. Default 6. */
  rankMarginDb?: number;
}

export interface WeriftMediaEngineOptions {
  /** Extra host addresses for ICE; werift skips loopback unless listed. Default ['127.0.0.1']. */
  iceAdditionalHostAddresses?: string[];
  /** Default false. */
  iceUseIpv6?: boolean;
  /**
   * UDP port range for ICE, e.g. [40000, 49999]: every peer connection binds sockets of its own
   * there. Without it (the default) all peer connections share one UDP port, `iceUdpPort`.
   */
  icePortRange?: [number, number];
  /**
   * The one UDP port every peer connection of this engine uses (datagrams told apart by ICE
   * username fragment, then remote address); 0, the default, picks a free port. Not with
   * `icePortRange`. IPv4 only.
   */
  iceUdpPort?: number;
  /**
   * A TCP port for ICE over TCP (RFC 6544 passive candidates), the fallback of clients whose UDP
   * is blocked; 0 picks a free port. Default none.
   */
  iceTcpPort?: number;
  /** STUN/TURN servers for the server side. Default none (no internet lookups while gathering). */
  iceServers?: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  /** A log function, or a logger object with debug/info/warn/error methods. */
  logger?: MediaLogFn | MediaLogger;
  /**
   * An endpoint whose remote peer sends nothing at all (no media, RTCP, DTLS or ICE) for this
   * long is reported 'failed' with cause 'inactive'. Default 5000 ms; 0 leaves only werift's
   * 30 s consent expiry.
   */
  inactivityTimeoutMs?: number;
  /** Minimum time between keyframe requests to one publisher. Default 350 ms. */
  keyFrameIntervalMs?: number;
  /** Bitrate cap sent to publishers with REMB, in bit/s; 0 disables. Default 2,500,000. */
  maxPublisherBitrate?: number;
  /**
   * Active speakers (the `activeSpeakers` event) from the RFC 6464 audio levels of publishers
   * with a group. Default on with the defaults of SpeakingDetector and ActiveSpeakerMonitor;
   * false turns it off (nothing is read from the packets).
   */
  speakerDetection?: SpeakerDetectionOptions | false;
  /** Video filters (GStreamer processes). */
  filters?: {
    /** Default true: filters run where GStreamer has what they need. */
    enabled?: boolean;
    gstreamer?: GstreamerOptions;
    /** Bitrate of the filtered video, bit/s. Default 1,000,000. */
    bitrate?: number;
    /** Longest run of frames between keyframes in the filtered video. Default 30. */
    keyFrameMaxDistance?: number;
    /** How long enabling a filter waits for its first output. Default 10,000 ms. */
    startTimeoutMs?: number;
  };
}

function validateFilter(filter: unknown): asserts filter is VideoFilterSpec {
  const f = filter as Partial<VideoFilterSpec> | null;
  if (!f || typeof f !== 'object' || f.type !== 'faceOverlay') {
    throw new MediaEngineError('unsupported', `unknown video filter ${JSON.stringify(f?.type ?? filter)}; supported: faceOverlay`);
  }
  if (typeof f.image !== 'string' || !existsSync(f.image)) {
    throw new MediaEngineError('unsupported', `face overlay image '${String(f.image)}' does not exist`);
  }
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    if (typeof f[key] !== 'number' || !Number.isFinite(f[key])) throw new MediaEngineError('unsupported', `face overlay '${key}' must be a finite number`);
  }
}

function validatePort(name: string, port: number | undefined): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new RangeError(`${name} must be an integer from 0 to 65535, got ${String(port)}`);
  }
}

/** Which ports the engine shares among its connections, from its options; undefined for none. */
function sharedPortOptions(options: WeriftMediaEngineOptions): SharedIcePortsOptions | undefined {
  validatePort('iceUdpPort', options.iceUdpPort);
  validatePort('iceTcpPort', options.iceTcpPort);
  if (options.icePortRange && options.iceUdpPort !== undefined) {
    throw new RangeError('icePortRange (sockets of its own for each connection) and iceUdpPort (one socket for all) exclude each other');
  }
  const udpPort = options.icePortRange ? undefined : (options.iceUdpPort ?? 0);
  if (udpPort !== undefined && options.iceUseIpv6) throw new RangeError('iceUseIpv6 needs icePortRange: the shared UDP port is IPv4');
  if (udpPort === undefined && options.iceTcpPort === undefined) return undefined;
  return { ...(udpPort !== undefined ? { udpPort } : {}), ...(options.iceTcpPort !== undefined ? { tcpPort: options.iceTcpPort } : {}) };
}

function validateCandidate(candidate: unknown): asserts candidate is IceCandidateInit {
  const c = candidate as Partial<IceCandidateInit> | null;
  if (!c || typeof c !== 'object' || typeof c.candidate !== 'string') {
    throw new MediaEngineError('candidate', 'ICE candidate must be an object with a string `candidate`');
  }
  if (c.sdpMid !== undefined && c.sdpMid !== null && typeof c.sdpMid !== 'string') {
    throw new MediaEngineError('candidate', 'ICE candidate `sdpMid` must be a string');
  }
  if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null && !Number.isInteger(c.sdpMLineIndex)) {
    throw new MediaEngineError('candidate', 'ICE candidate `sdpMLineIndex` must be an integer');
  }
}

export class WeriftMediaEngine extends TypedEmitter<MediaEngineEvents> implements MediaEngine {
  readonly #endpoints = new Map<string, PeerEndpoint>();
  readonly #publishers = new Map<string, PublisherEndpoint>();
  readonly #subscribers = new Map<string, SubscriberEndpoint>();
  readonly #counters: Counters = createCounters();
  readonly #log: MediaLogFn;
  readonly #ctx: EndpointContext;
  readonly #liveness: LivenessMonitor;
  readonly #keyFrameIntervalMs: number;
  readonly #maxPublisherBitrate: number;
  readonly #filters: NonNullable<WeriftMediaEngineOptions['filters']>;
  /** Detector settings for publishers with a group; undefined when detection is off. */
  readonly #speaking: Readonly<SpeakingDetectorOptions> | undefined;
  readonly #speakers: ActiveSpeakerMonitor | undefined;
  readonly detectsSpeakers: boolean;
  #filterSupport: Promise<FilterSupport> | undefined;
  readonly #sharedPorts: Promise<SharedIcePorts> | undefined;
  /** The shared ports once open, for stats(). */
  #openPorts: SharedIcePorts | undefined;
  #closed = false;

  constructor(options: WeriftMediaEngineOptions = {}) {
    super();
    this.#log = toLogFn(options.logger);
    this.#keyFrameIntervalMs = options.keyFrameIntervalMs ?? DEFAULT_KEYFRAME_INTERVAL_MS;
    this.#maxPublisherBitrate = options.maxPublisherBitrate ?? 2_500_000;
    this.#filters = options.filters ?? {};
    const inactivityTimeoutMs = options.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_TIMEOUT_MS;
    if (!Number.isFinite(inactivityTimeoutMs) || inactivityTimeoutMs < 0) {
      throw new RangeError(`inactivityTimeoutMs must be a non-negative number, got ${String(options.inactivityTimeoutMs)}`);
    }
    this.#liveness = new LivenessMonitor(inactivityTimeoutMs);
    const detection = options.speakerDetection ?? {};
    this.detectsSpeakers = detection !== false;
    if (detection !== false) {
      const { intervalMs = DEFAULT_SPEAKER_INTERVAL_MS, rankMarginDb, ...detector } = detection;
      const speaking = { ...DEFAULT_SPEAKING_OPTIONS, ...detector };
      validateSpeakingOptions(speaking);
      this.#speaking = speaking;
      this.#speakers = new ActiveSpeakerMonitor((group, ids) => this.emit('activeSpeakers', group, ids), {
        intervalMs,
        ...(rankMarginDb !== undefined ? { rankMarginDb } : {}),
      });
    }
    const peerConfig: Partial<PeerConfig> = {
      iceAdditionalHostAddresses: options.iceAdditionalHostAddresses ?? ['127.0.0.1'],
      iceUseIpv6: options.iceUseIpv6 ?? false,
      iceServers: options.iceServers ?? [],
      // Kurento Room clients always bundle; one transport per connection halves the sockets.
      bundlePolicy: 'max-bundle',
    };
    if (options.icePortRange) peerConfig.icePortRange = options.icePortRange;
    const shared = sharedPortOptions(options);
    if (shared) {
      this.#sharedPorts = SharedIcePorts.open(shared);
      // Handled here so that a port that cannot be bound is logged once, at start; every
      // negotiation then fails with the same message.
      this.#sharedPorts.then(
        (ports) => {
          this.#openPorts = ports;
          this.#log('info', 'ICE on shared ports', { udpPort: ports.udp?.port, tcpPort: ports.tcp?.port });
        },
        (error: unknown) => this.#log('error', 'cannot open the ICE ports', { error: errorMessage(error) }),
      );
    }
    this.#ctx = {
      counters: this.#counters,
      log: this.#log,
      peerConfig,
      liveness: this.#liveness,
      sharedPorts: this.#sharedPorts,
      onCandidate: (id, candidate) => this.emit('iceCandidate', id, candidate),
      onState: (id, state, fault) => {
        if (fault) {
          // The silence the monitor has seen up to a DTLS close or an ICE failure, for the log.
          fault = { ...fault, silentMs: fault.silentMs ?? this.#liveness.silentMs(id) };
          this.#log('info', 'endpoint failed', { endpointId: id, ...fault });
          this.emit('endpointState', id, state, fault);
          return;
        }
        this.#log('debug', 'endpoint state', { endpointId: id, state });
        this.emit('endpointState', id, state);
      },
      onError: (id, message) => this.emit('mediaError', id, message),
    };
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#log('error', 'media engine listener threw', { event, error: errorMessage(error) });
  }

  #assertOpen(): void {
    assertEngineOpen(this.#closed);
  }

  #assertNewId(endpointId: unknown): asserts endpointId is string {
    assertNewEndpointId(this.#endpoints, endpointId);
  }

  async publish(request: PublishRequest): Promise<NegotiationResult> {
    this.#assertOpen();
    const { endpointId } = request;
    this.#assertNewId(endpointId);
    // Constructing validates the offer before any socket exists; a throw here leaks nothing.
    let publisher: PublisherEndpoint;
    try {
      publisher = new PublisherEndpoint(endpointId, this.#ctx, request.sdpOffer, {
        loopback: request.loopback === true,
        dataChannels: request.dataChannels === true,
        keyFrameIntervalMs: this.#keyFrameIntervalMs,
        maxBitrate: this.#maxPublisherBitrate,
        // Speakers are ranked within a group: a publisher without one has nobody to rank against.
        ...(this.#speaking && request.group !== undefined ? { speaking: this.#speaking } : {}),
      });
    } catch (error) {
      throw this.#asEngineError(error, 'sdp');
    }
    // Registered before negotiating so candidates that overtake the answer are accepted.
    this.#endpoints.set(endpointId, publisher);
    this.#publishers.set(endpointId, publisher);
    try {
      const sdpAnswer = await publisher.negotiate();
      // Not for a publisher released while it negotiated: nothing would remove it from the monitor.
      if (request.group !== undefined && this.#publishers.get(endpointId) === publisher) {
        this.#speakers?.add(request.group, endpointId, publisher.speechDetectors);
      }
      this.#log('info', 'publisher negotiated', {
        endpointId,
        tracks: publisher.tracks.map((t) => `${t.kind}:${t.codec.name}`).join(','),
        audioLevels: publisher.speechDetectors.length > 0,
        loopback: request.loopback === true,
        dataChannels: request.dataChannels === true,
      });
      return { sdpAnswer };
    } catch (error) {
      await this.#discard(publisher);
      throw this.#asEngineError(error, 'sdp');
    }
  }

  async subscribe(request: SubscribeRequest): Promise<NegotiationResult> {
    this.#assertOpen();
    const { endpointId, publisherId } = request;
    this.#assertNewId(endpointId);
    const publisher = this.#publishers.get(publisherId);
    if (!publisher || publisher.closed) throw new MediaEngineError('unknown-endpoint', `unknown publisher endpoint ${String(publisherId)}`);
    let subscriber: SubscriberEndpoint;
    try {
      subscriber = new SubscriberEndpoint(endpointId, this.#ctx, publisher, request.sdpOffer, request.dataChannels === true);
    } catch (error) {
      throw this.#asEngineError(error, 'sdp');
    }
    this.#endpoints.set(endpointId, subscriber);
    this.#subscribers.set(endpointId, subscriber);
    publisher.subscribers.add(subscriber);
    try {
      const sdpAnswer = await subscriber.negotiate();
      this.#log('info', 'subscriber negotiated', { endpointId, publisherId, dataChannels: request.dataChannels === true });
      return { sdpAnswer };
    } catch (error) {
      await this.#discard(subscriber);
      throw this.#asEngineError(error, 'sdp');
    }
  }

  async addIceCandidate(endpointId: string, candidate: IceCandidateInit): Promise<void> {
    this.#assertOpen();
    const endpoint = this.#endpoints.get(endpointId);
    if (!endpoint) throw new MediaEngineError('unknown-endpoint', `unknown endpoint ${String(endpointId)}`);
    validateCandidate(candidate);
    await endpoint.addIceCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
  }

  async requestKeyFrame(publisherId: string): Promise<void> {
    this.#assertOpen();
    const publisher = this.#publishers.get(publisherId);
    if (!publisher) throw new MediaEngineError('unknown-endpoint', `unknown publisher endpoint ${String(publisherId)}`);
    publisher.requestKeyFrame();
  }

  async setVideoActive(publisherId: string, active: boolean): Promise<void> {
    this.#assertOpen();
    const publisher = this.#publishers.get(publisherId);
    if (!publisher) throw new MediaEngineError('unknown-endpoint', `unknown publisher endpoint ${String(publisherId)}`);
    publisher.setVideoActive(active);
  }

  filterSupport(): Promise<FilterSupport> {
    if (this.#filters.enabled === false) {
      return Promise.resolve({ available: false, missing: [], reason: 'video filters are disabled in this server' });
    }
    this.#filterSupport ??= probeGstreamer(this.#filters.gstreamer ?? {});
    return this.#filterSupport;
  }

  async setVideoFilter(publisherId: string, filter: VideoFilterSpec | null): Promise<void> {
    this.#assertOpen();
    const publisher = this.#publishers.get(publisherId);
    if (!publisher || publisher.closed) throw new MediaEngineError('unknown-endpoint', `unknown publisher endpoint ${String(publisherId)}`);
    if (filter !== null) {
      validateFilter(filter);
      const support = await this.filterSupport();
      if (!support.available) {
        const packages = support.missing.length > 0 ? `; install: ${support.missing.join(' ')}` : '';
        throw new MediaEngineError('unsupported', `video filters are not available: ${support.reason ?? 'unknown reason'}${packages}`);
      }
    }
    await publisher.setVideoFilter(
      filter,
      {
        gst: this.#filters.gstreamer ?? {},
        bitrate: this.#filters.bitrate ?? 1_000_000,
        keyFrameMaxDistance: this.#filters.keyFrameMaxDistance ?? 30,
        startTimeoutMs: this.#filters.startTimeoutMs ?? 10_000,
        switchBackTimeoutMs: 3000,
      },
      (reason) => {
        this.#log('warn', 'video filter ended on its own', { endpointId: publisherId, reason });
        this.emit('videoFilterEnded', publisherId, reason);
      },
    );
    if (filter === null) this.#log('info', 'video filter off', { endpointId: publisherId });
  }

  async release(endpointId: string): Promise<void> {
    const endpoint = this.#endpoints.get(endpointId);
    if (!endpoint) return;
    if (endpoint instanceof PublisherEndpoint) {
      await Promise.all([...endpoint.subscribers].map((s) => this.#discard(s, true)));
    }
    await this.#discard(endpoint, true);
    this.#log('info', 'endpoint released', { endpointId });
  }

  /** Forgets an endpoint and closes its connection; announces 'closed' if it was negotiated. */
  async #discard(endpoint: PeerEndpoint, announce = false): Promise<void> {
    if (this.#endpoints.get(endpoint.id) !== endpoint) return;
    this.#endpoints.delete(endpoint.id);
    this.#publishers.delete(endpoint.id);
    this.#speakers?.remove(endpoint.id);
    this.#subscribers.delete(endpoint.id);
    if (endpoint instanceof SubscriberEndpoint) endpoint.publisher.subscribers.delete(endpoint);
    await endpoint.close();
    if (announce) this.emit('endpointState', endpoint.id, 'closed');
  }

  async stats(): Promise<EngineStats> {
    return {
      publishers: this.#publishers.size,
      subscribers: this.#subscribers.size,
      peerConnections: this.#endpoints.size,
      videoFilters: [...this.#publishers.values()].filter((p) => p.videoFilter !== undefined).length,
      ...this.#counters,
      ...this.#droppedIceTraffic(),
    };
  }

  #droppedIceTraffic(): Pick<EngineStats, 'iceDroppedDatagrams' | 'iceDroppedTcpConnections'> {
    const ports = this.#openPorts;
    if (!ports) return {};
    const udp = ports.udp?.dropped;
    const tcp = ports.tcp?.dropped;
    return {
      iceDroppedDatagrams: udp ? udp.unknownUfrag + udp.unknownAddress : 0,
      iceDroppedTcpConnections: tcp ? tcp.notStun + tcp.unknownUfrag + tcp.overflow + tcp.timeout : 0,
    };
  }

  /** The shared ICE ports and their traffic, or undefined when each connection binds its own. */
  async icePorts(): Promise<SharedIcePortsInfo | undefined> {
    return (await this.#sharedPorts)?.info();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const publishers = [...this.#publishers.keys()];
    await Promise.all(publishers.map((id) => this.release(id)));
    await Promise.all([...this.#endpoints.keys()].map((id) => this.release(id)));
    this.#liveness.close();
    this.#speakers?.close();
    await this.#sharedPorts?.then((ports) => ports.close(), () => undefined);
    this.#log('info', 'media engine closed');
  }

  #asEngineError(error: unknown, kind: 'sdp' | 'internal'): MediaEngineError {
    if (error instanceof MediaEngineError) return error;
    return new MediaEngineError(kind, errorMessage(error));
  }
}
