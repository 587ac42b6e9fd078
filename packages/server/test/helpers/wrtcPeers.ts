/**
 * Real WebRTC test peers in Node (libwebrtc through @roamhq/wrtc): a publisher that encodes
 * synthetic moving video and a sine tone, and a subscriber that counts decoded video frames.
 * They speak plain SDP strings and candidate objects, so any signalling layer can drive them.
 * Everything a peer starts (timers, sinks, tracks, channels, the connection) stops on close().
 */
import wrtc from '@roamhq/wrtc';

const { RTCPeerConnection, nonstandard } = wrtc;

// @roamhq/wrtc segfaults at process teardown once a media track existed; the test runner
// preloads testing/wrtc-safe-exit.mjs, which exits before that teardown.

export interface CandidateInit {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
}

export interface PublisherPeerOptions {
  video?: boolean;
  audio?: boolean;
  dataChannel?: boolean;
  /** Offer sendrecv and count the frames that come back on the same connection. */
  loopback?: boolean;
  width?: number;
  height?: number;
  fps?: number;
  /** 'gradient' (default) compresses well; 'noise' makes the encoder use all the bitrate it is given. */
  content?: 'gradient' | 'noise';
  /** A fixed I420 picture (width x height) sent as every frame instead of `content`. */
  picture?: Uint8Array;
  /** Peak of the 440 Hz tone in 16-bit samples (default 8000, about -12 dBov); 0 sends digital silence. */
  toneAmplitude?: number;
}

/** A decoded frame: I420 planes in `data`. */
export interface DecodedFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface SubscriberPeerOptions {
  dataChannel?: boolean;
  video?: boolean;
  audio?: boolean;
}

type WrtcPeerConnection = InstanceType<typeof RTCPeerConnection>;
type WrtcDataChannel = ReturnType<WrtcPeerConnection['createDataChannel']>;
type WrtcTrack = MediaStreamTrack;
type VideoSink = InstanceType<typeof nonstandard.RTCVideoSink>;

/** Resolves when `check()` holds, polling; rejects with `what` after `timeoutMs`. */
export function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 20);
  });
}

/** Shared signalling plumbing: candidate buffering both ways, connection state, cleanup. */
class PeerBase {
  readonly pc: WrtcPeerConnection;
  protected closed = false;
  readonly #cleanups: Array<() => void> = [];
  #remoteApplied = false;
  readonly #pendingRemote: CandidateInit[] = [];
  readonly #localCandidates: CandidateInit[] = [];
  readonly #candidateListeners: Array<(c: CandidateInit) => void> = [];
  protected channel: WrtcDataChannel | undefined;
  readonly #messages: string[] = [];

  constructor() {
    this.pc = new RTCPeerConnection({ iceServers: [] });
    this.pc.onicecandidate = (event) => {
      const c = event.candidate;
      if (!c || !c.candidate) return;
      const init: CandidateInit = { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 };
      this.#localCandidates.push(init);
      for (const listener of this.#candidateListeners) listener(init);
    };
  }

  protected onCleanup(fn: () => void): void {
    this.#cleanups.push(fn);
  }

  protected attachChannel(channel: WrtcDataChannel): void {
    this.channel = channel;
    channel.onmessage = (event: MessageEvent) => {
      this.#messages.push(typeof event.data === 'string' ? event.data : Buffer.from(event.data as ArrayBuffer).toString('utf8'));
    };
  }

  /** Candidates gathered so far are replayed to a late listener. */
  onLocalCandidate(listener: (candidate: CandidateInit) => void): void {
    this.#candidateListeners.push(listener);
    for (const c of this.#localCandidates) listener(c);
  }

  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    return this.pc.localDescription!.sdp;
  }

  async setAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.#remoteApplied = true;
    for (const c of this.#pendingRemote.splice(0)) await this.pc.addIceCandidate(c);
  }

  /** Buffered until the answer is applied, as a candidate may overtake it in signalling. */
  async addRemoteCandidate(candidate: CandidateInit): Promise<void> {
    if (this.closed) return;
    if (!this.#remoteApplied) {
      this.#pendingRemote.push(candidate);
      return;
    }
    await this.pc.addIceCandidate(candidate);
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  waitForConnected(timeoutMs = 10_000): Promise<void> {
    return waitUntil(() => this.pc.connectionState === 'connected', timeoutMs, 'connectionState connected');
  }

  get dataChannelOpen(): boolean {
    return this.channel?.readyState === 'open';
  }

  waitForDataChannelOpen(timeoutMs = 10_000): Promise<void> {
    return waitUntil(() => this.dataChannelOpen, timeoutMs, 'data channel open');
  }

  /** Data channel messages received, decoded as UTF-8 text. */
  messages(): string[] {
    return [...this.#messages];
  }

  waitForMessages(count: number, timeoutMs = 10_000): Promise<void> {
    return waitUntil(() => this.#messages.length >= count, timeoutMs, `${count} data messages (got ${this.#messages.length})`);
  }

  /** Sum of a numeric field over the getStats entries of one type and kind. */
  async statSum(type: string, kind: string, field: string): Promise<number> {
    const report = await this.pc.getStats();
    let sum = 0;
    report.forEach((entry: Record<string, unknown>) => {
      if (entry.type === type && (entry.kind === kind || entry.mediaType === kind) && typeof entry[field] === 'number') {
        sum += entry[field] as number;
      }
    });
    return sum;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.#cleanups.splice(0).reverse()) {
      try {
        fn();
      } catch {
        // A half-started peer may fail to stop a part it never started; the rest must still stop.
      }
    }
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
    this.pc.close();
  }
}

/** Frames decoded from every remote video track of a connection: count, last frame, arrival times. */
class FrameLog {
  count = 0;
  last: DecodedFrame | undefined;
  /** performance.now() of each decoded frame (the most recent 5000). */
  readonly arrivals: number[] = [];
}

function countRemoteVideoFrames(peer: WrtcPeerConnection, register: (fn: () => void) => void): FrameLog {
  const log = new FrameLog();
  const sinks: VideoSink[] = [];
  peer.ontrack = (event) => {
    if (event.track.kind !== 'video') return;
    const sink = new nonstandard.RTCVideoSink(event.track as never);
    sink.onframe = (e: { frame: DecodedFrame }) => {
      log.count++;
      log.last = e.frame;
      log.arrivals.push(performance.now());
      if (log.arrivals.length > 5000) log.arrivals.shift();
    };
    sinks.push(sink);
  };
  register(() => {
    for (const sink of sinks) sink.stop();
  });
  return log;
}

export class PublisherPeer extends PeerBase {
  readonly #framesReceived: FrameLog;
  #framesSent = 0;
  readonly #pendingData: string[] = [];

  constructor(options: PublisherPeerOptions) {
    super();
    const { video = true, audio = true, dataChannel = false, loopback = false, width = 320, height = 240, fps = 20, content = 'gradient', picture, toneAmplitude = 8000 } = options;
    if (picture && picture.length !== (width * height * 3) / 2) throw new Error(`picture must be ${width}x${height} I420`);
    const direction = loopback ? 'sendrecv' : 'sendonly';
    this.#framesReceived = countRemoteVideoFrames(this.pc, (fn) => this.onCleanup(fn));

    if (audio) {
      const source = new nonstandard.RTCAudioSource();
      const track = source.createTrack() as unknown as WrtcTrack;
      this.pc.addTransceiver(track as never, { direction });
      this.onCleanup(() => track.stop());
      const sampleRate = 48_000;
      const samples = new Int16Array(sampleRate / 100);
      let phase = 0;
      const timer = setInterval(() => {
        for (let i = 0; i < samples.length; i++) {
          samples[i] = Math.round(toneAmplitude * Math.sin(phase));
          phase += (2 * Math.PI * 440) / sampleRate;
        }
        source.onData({ samples, sampleRate });
      }, 10);
      this.onCleanup(() => clearInterval(timer));
    }

    if (video) {
      const source = new nonstandard.RTCVideoSource();
      const track = source.createTrack() as unknown as WrtcTrack;
      this.pc.addTransceiver(track as never, { direction });
      this.onCleanup(() => track.stop());
      // One reused buffer; the luma plane is a diagonal gradient that moves every frame so the
      // encoder produces real inter frames rather than a static picture.
      const data = new Uint8Array((width * height * 3) / 2);
      data.fill(128, width * height);
      let seed = 12345;
      const timer = setInterval(() => {
        const shift = this.#framesSent * 4;
        if (picture) {
          data.set(picture);
        } else if (content === 'noise') {
          for (let i = 0; i < width * height; i++) {
            seed = (seed * 1103515245 + 12345) >>> 0;
            data[i] = seed >>> 24;
          }
        } else {
          for (let y = 0; y < height; y++) {
            const row = y * width;
            for (let x = 0; x < width; x++) data[row + x] = (x + y + shift) & 0xff;
          }
        }
        source.onFrame({ width, height, data });
        this.#framesSent++;
      }, Math.round(1000 / fps));
      this.onCleanup(() => clearInterval(timer));
    }

    if (dataChannel) {
      const channel = this.pc.createDataChannel('data');
      this.attachChannel(channel);
      channel.onopen = () => {
        for (const text of this.#pendingData.splice(0)) channel.send(text);
      };
    }
  }

  /** Frames handed to the encoder so far. */
  framesSent(): number {
    return this.#framesSent;
  }

  /** Video frames decoded from what the server sent back (loopback). */
  framesReceived(): number {
    return this.#framesReceived.count;
  }

  /** The most recent loopback frame decoded. */
  lastFrameReceived(): DecodedFrame | undefined {
    return this.#framesReceived.last;
  }

  waitForFramesReceived(count: number, timeoutMs = 15_000): Promise<void> {
    return waitUntil(() => this.framesReceived() >= count, timeoutMs, `${count} loopback frames (got ${this.framesReceived()})`);
  }

  /** Sends on the data channel, queued until it opens. */
  sendData(text: string): void {
    if (!this.channel) throw new Error('publisher was created without a data channel');
    if (this.channel.readyState === 'open') this.channel.send(text);
    else this.#pendingData.push(text);
  }

  /** The sender's bandwidth estimate (bit/s) on the selected candidate pair, 0 before there is one. */
  async availableOutgoingBitrate(): Promise<number> {
    const report = await this.pc.getStats();
    let estimate = 0;
    report.forEach((entry: Record<string, unknown>) => {
      if (entry.type === 'candidate-pair' && entry.nominated && typeof entry.availableOutgoingBitrate === 'number') {
        estimate = Math.max(estimate, entry.availableOutgoingBitrate);
      }
    });
    return estimate;
  }

  /** Bytes of video the encoder has put on the wire so far. */
  videoBytesSent(): Promise<number> {
    return this.statSum('outbound-rtp', 'video', 'bytesSent');
  }
}

export class SubscriberPeer extends PeerBase {
  readonly #framesDecoded: FrameLog;

  constructor(options: SubscriberPeerOptions) {
    super();
    const { dataChannel = false, video = true, audio = true } = options;
    this.#framesDecoded = countRemoteVideoFrames(this.pc, (fn) => this.onCleanup(fn));
    if (audio) this.pc.addTransceiver('audio', { direction: 'recvonly' });
    if (video) this.pc.addTransceiver('video', { direction: 'recvonly' });
    if (dataChannel) this.attachChannel(this.pc.createDataChannel('data'));
  }

  framesDecoded(): number {
    return this.#framesDecoded.count;
  }

  /** The most recent frame decoded. */
  lastFrame(): DecodedFrame | undefined {
    return this.#framesDecoded.last;
  }

  /** performance.now() of each decoded frame, oldest first (the most recent 5000). */
  frameArrivals(): readonly number[] {
    return this.#framesDecoded.arrivals;
  }

  waitForFrames(count: number, timeoutMs = 15_000): Promise<void> {
    return waitUntil(() => this.framesDecoded() >= count, timeoutMs, `${count} decoded frames (got ${this.framesDecoded()})`);
  }
}

export function createPublisherPeer(options: PublisherPeerOptions = {}): PublisherPeer {
  return new PublisherPeer(options);
}

export function createSubscriberPeer(options: SubscriberPeerOptions = {}): SubscriberPeer {
  return new SubscriberPeer(options);
}
