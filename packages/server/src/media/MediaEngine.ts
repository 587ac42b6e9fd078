/**
 * The media plane, as seen by the room logic. Every call is an async message with plain-data
 * arguments and results (no WebRTC objects cross this boundary), so an implementation can run
 * in worker threads. Endpoints are named by opaque ids that the room logic chooses.
 */

export interface IceCandidateInit {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
}

export interface PublishRequest {
  /** Id of the new publisher endpoint. */
  endpointId: string;
  /** The client's SDP offer: sendonly, or sendrecv for loopback. */
  sdpOffer: string;
  /** Send the publisher's own media back on the same connection (sendrecv offer). */
  loopback: boolean;
  /** Accept a data channel on this connection and relay its messages to subscribers. */
  dataChannels: boolean;
  /**
   * Endpoints that exchange media with each other (a room's name): an engine spread over worker
   * threads keeps a group on one thread. Optional; engines in one thread ignore it.
   */
  group?: string;
}

export interface SubscribeRequest {
  /** Id of the new subscriber endpoint. */
  endpointId: string;
  /** The publisher endpoint whose media this subscriber receives. */
  publisherId: string;
  /** The client's recvonly offer. */
  sdpOffer: string;
  /** Accept a data channel on this connection and deliver the publisher's data messages on it. */
  dataChannels: boolean;
  /** As in PublishRequest; a subscriber always goes where its publisher is. */
  group?: string;
}

export interface NegotiationResult {
  sdpAnswer: string;
}

export type EndpointState = 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/**
 * Why an endpoint failed: `ice-failed` (werift's ICE agent gave up, which includes its own
 * 30 s consent expiry), `dtls-closed` (the remote sent a DTLS close_notify: its peer connection
 * was closed), `dtls-failed`, `inactive` (nothing at all arrived from the remote for the
 * inactivity timeout: a killed browser or a cut network), `worker-died` (the thread running it).
 */
export type EndpointFaultCause = 'ice-failed' | 'dtls-closed' | 'dtls-failed' | 'inactive' | 'worker-died';

/** What an engine knows of an endpoint's failure, sent with its 'failed' state. */
export interface EndpointFault {
  cause: EndpointFaultCause;
  /** How long before the failure the remote was last heard from (ms), where the engine knows it. */
  silentMs?: number;
}

export interface EngineStats {
  publishers: number;
  subscribers: number;
  /** Live peer connections held by the engine. */
  peerConnections: number;
  /** RTP packets received from publishers. */
  rtpPacketsIn: number;
  /** Bytes of those packets: RTP header, payload and padding, after SRTP decryption. */
  rtpBytesIn: number;
  /** RTP packets sent to subscribers (and loopback). */
  rtpPacketsOut: number;
  /** Bytes of those packets: RTP header and payload, before SRTP encryption. */
  rtpBytesOut: number;
  /** Data channel messages received from publishers. */
  dataMessagesIn: number;
  /** Data channel messages delivered to subscribers. */
  dataMessagesOut: number;
  /** Keyframe requests sent to publishers. */
  keyFrameRequests: number;
  /** RTCP generic NACK messages received from subscribers (answered from the send history). */
  nacksReceived: number;
  /** RTP packets those NACKs asked to be sent again. */
  nackedPackets: number;
  /**
   * Packets that subscribers declared lost in their RTCP receiver reports: the sum of the
   * increases of each reported stream's cumulative loss.
   */
  reportedLostPackets: number;
  /** DTLS handshakes completed with SRTP AES_CM_128_HMAC_SHA1_80 (the SFU's preference as DTLS server). */
  srtpSessionsAesCm: number;
  /** DTLS handshakes completed with SRTP AEAD_AES_128_GCM. */
  srtpSessionsAesGcm: number;
  /** Retransmitted DTLS handshake messages the DTLS server ignored (werift would have broken the handshake). */
  dtlsRepeatsDropped: number;
  /** Video filters running (one external pipeline process each). */
  videoFilters: number;
  /**
   * Datagrams the shared ICE UDP port dropped because they named no live connection (an unknown
   * ICE username fragment, or an address no connection has used). Absent without shared ports.
   */
  iceDroppedDatagrams?: number;
  /** ICE-TCP connections the shared TCP port closed before any connection took them. */
  iceDroppedTcpConnections?: number;
  /** Worker threads running media now, for an engine spread over threads (absent: all in this thread). */
  workers?: number;
  /** The most worker threads that engine starts (each when it is first given a room). */
  maxWorkers?: number;
}

/** Event-loop delay of a thread over a window, in seconds (perf_hooks.monitorEventLoopDelay). */
export interface LoopDelay {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** The V8 heap of one thread (v8.getHeapStatistics()), in bytes: what of the process's RSS is this isolate's. */
export interface ThreadHeap {
  /** Memory V8 holds for the heap, used or not. */
  totalBytes: number;
  /** Live objects and garbage not yet collected. */
  usedBytes: number;
  /** Memory outside the heap held by its objects (Buffers, ArrayBuffers), as V8 is told of it. */
  externalBytes: number;
  /** Memory V8 itself took with malloc (compiler, parser). */
  mallocedBytes: number;
}

/** The load of one thread running media, over the window since the previous threadLoad() call. */
export interface ThreadLoad {
  /** The worker's index in its pool; a replacement of a crashed worker keeps it. */
  worker: number;
  /** Share of the window the thread's event loop spent running code rather than waiting, 0..1. */
  utilization: number;
  /** Time the event loop spent running code since the thread started, in seconds. */
  activeSeconds: number;
  /** Absent when the thread did not answer in time (a loop that long blocked shows in `utilization`). */
  eventLoopDelay?: LoopDelay;
  /** The thread's heap now; absent, as the delay is, when the thread did not answer in time. */
  heap?: ThreadHeap;
}

/**
 * A server-side video filter on a publisher's video: the engine decodes the published video,
 * processes it and forwards the result to every subscriber (and the loopback) in its place.
 */
export interface FaceOverlayFilterSpec {
  type: 'faceOverlay';
  /** Path of an SVG image drawn over every detected face. */
  image: string;
  /**
   * Where the image goes, relative to the detected face box: `x`/`y` offset the image's corner
   * by multiples of the face's width/height, `width`/`height` size it in the same units.
   */
  x: number;
  y: number;
  width: number;
  height: number;
}
export type VideoFilterSpec = FaceOverlayFilterSpec;

/** Whether the engine can run video filters here; `missing` names the system packages to install. */
export interface FilterSupport {
  available: boolean;
  missing: string[];
  /** A human-readable explanation when unavailable. */
  reason?: string;
}

export interface MediaEngineEvents {
  /** A local ICE candidate gathered for an endpoint, to be sent to its owner. */
  iceCandidate: [endpointId: string, candidate: IceCandidateInit];
  /**
   * Connection state of an endpoint changed. A 'failed' endpoint is dead for good (the engine
   * does not revive it): its owner is expected to release it. `fault` says why, when known.
   */
  endpointState: [endpointId: string, state: EndpointState, fault?: EndpointFault];
  /** A failure of an endpoint after it was negotiated (e.g. its media stopped with an error). */
  mediaError: [endpointId: string, message: string];
  /** A video filter stopped on its own (its process died): the publisher's original video flows again. */
  videoFilterEnded: [publisherId: string, reason: string];
  /**
   * The publishers of `group` (PublishRequest.group, a room) that are speaking changed: their
   * endpoint ids, loudest first, empty when nobody speaks any more. Sent only on a change, at
   * most a few times a second per group. Speech is read from the RFC 6464 audio level header
   * extension of each publisher's audio, so a publisher that did not negotiate it, or one
   * published without a group, never appears.
   */
  activeSpeakers: [group: string, publisherIds: string[]];
}

export interface MediaEngine {
  /** Answers a publisher's offer. Rejects with a MediaEngineError for an unusable offer. */
  publish(request: PublishRequest): Promise<NegotiationResult>;
  /** Answers a subscriber's offer; the answer carries the publisher's current media. */
  subscribe(request: SubscribeRequest): Promise<NegotiationResult>;
  /** Adds a remote candidate to an endpoint. Rejects for an unknown endpoint or a bad candidate. */
  addIceCandidate(endpointId: string, candidate: IceCandidateInit): Promise<void>;
  /** Asks the publisher behind `publisherId` for a keyframe (throttled by the engine). */
  requestKeyFrame(publisherId: string): Promise<void>;
  /**
   * Stops (false) or restarts (true) forwarding the video of publisher `publisherId` (its camera
   * is muted); on restart the publisher is asked for a keyframe so subscribers resume at once.
   */
  setVideoActive(publisherId: string, active: boolean): Promise<void>;
  /**
   * Closes an endpoint and frees its peer connection. Closing a publisher also closes its
   * subscribers. Idempotent: an unknown or closed id resolves.
   */
  release(endpointId: string): Promise<void>;
  /**
   * Puts a filter on the video of publisher `publisherId` (replacing any filter it has), or
   * removes it with `null`. Resolves once the filter runs (subscribers switch to the filtered
   * video as soon as its first keyframe arrives) or, for `null`, once the original video flows
   * again and the filter is gone. Rejects with a MediaEngineError of kind 'unsupported' when
   * filters cannot run here or the publisher's video cannot be filtered.
   */
  setVideoFilter(publisherId: string, filter: VideoFilterSpec | null): Promise<void>;
  /** Whether video filters can run (checked once, then remembered). */
  filterSupport(): Promise<FilterSupport>;
  stats(): Promise<EngineStats>;
  /** For an engine running media on worker threads: the load of each thread. */
  threadLoad?(): Promise<ThreadLoad[]>;
  /** Releases everything; idempotent. */
  close(): Promise<void>;
  /**
   * Whether this engine reports `activeSpeakers` (a plain flag, read once): the room then tells
   * each joiner who speaks, which shows it that the server detects speakers. Absent or false:
   * it never reports them, and clients detect speakers themselves.
   */
  readonly detectsSpeakers?: boolean;

  on<K extends keyof MediaEngineEvents>(event: K, listener: (...args: MediaEngineEvents[K]) => void): unknown;
  off<K extends keyof MediaEngineEvents>(event: K, listener: (...args: MediaEngineEvents[K]) => void): unknown;
}

export type MediaErrorKind = 'sdp' | 'unknown-endpoint' | 'candidate' | 'closed' | 'unsupported' | 'internal';

export class MediaEngineError extends Error {
  readonly kind: MediaErrorKind;
  constructor(kind: MediaErrorKind, message: string) {
    super(message);
    this.name = 'MediaEngineError';
    this.kind = kind;
  }
}
