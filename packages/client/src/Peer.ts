import type { RTCPeerConnectionConstructor } from './environment.js';

export interface PeerOptions {
  RTCPeerConnection: RTCPeerConnectionConstructor;
  configuration?: RTCConfiguration;
  /** `sendonly` to publish, `sendrecv` to publish with loopback, `recvonly` to subscribe. */
  direction: RTCRtpTransceiverDirection;
  /** The tracks to send (publish and loopback). */
  send?: MediaStream;
  /** Kinds to receive when subscribing. */
  receive?: { audio: boolean; video: boolean };
  /** Label of a data channel to open, if any. */
  dataChannel?: string;
  onIceCandidate(candidate: RTCIceCandidate): void;
  onRemoteStream(stream: MediaStream): void;
  onDataChannel(channel: RTCDataChannel): void;
  /** The connection failed for good (ICE or DTLS): it will not recover by itself. */
  onFailed?(): void;
}

/**
 * One RTCPeerConnection of the room protocol: this side always offers, the server answers.
 * Remote ICE candidates are held until the answer is applied (the server may send them first).
 */
export class Peer {
  readonly pc: RTCPeerConnection;
  private answered = false;
  private closed = false;
  private failed = false;
  private buffered: RTCIceCandidateInit[] = [];
  private remote?: MediaStream;

  constructor(private readonly options: PeerOptions) {
    const pc = new options.RTCPeerConnection(options.configuration);
    this.pc = pc;
    pc.onicecandidate = (event) => {
      if (event.candidate && event.candidate.candidate && !this.closed) options.onIceCandidate(event.candidate);
    };
    pc.ontrack = (event) => {
      let stream = event.streams?.[0];
      if (!stream) {
        const MS = (globalThis as any).MediaStream as (new () => MediaStream) | undefined;
        if (!MS) return;
        stream = this.remote ??= new MS();
        stream.addTrack(event.track);
      }
      this.remote = stream;
      options.onRemoteStream(stream);
    };
    pc.ondatachannel = (event) => options.onDataChannel(event.channel);
    // `connectionState` covers ICE and DTLS; implementations without it report ICE alone.
    const failed = () => {
      if (this.closed || this.failed) return;
      if (pc.connectionState === 'failed' || pc.iceConnectionState === 'failed') {
        this.failed = true;
        options.onFailed?.();
      }
    };
    pc.onconnectionstatechange = failed;
    pc.oniceconnectionstatechange = failed;
    const direction = options.direction;
    if (options.send) {
      for (const track of options.send.getTracks()) pc.addTransceiver(track, { direction, streams: [options.send] });
    }
    if (options.receive) {
      if (options.receive.audio) pc.addTransceiver('audio', { direction });
      if (options.receive.video) pc.addTransceiver('video', { direction });
    }
    if (options.dataChannel !== undefined) options.onDataChannel(pc.createDataChannel(options.dataChannel));
  }

  get remoteStream(): MediaStream | undefined {
    return this.remote;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Creates the offer, applies it locally and returns its SDP. */
  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    return this.pc.localDescription?.sdp ?? offer.sdp ?? '';
  }

  /** Applies the server's answer, then the candidates that arrived before it. */
  async applyAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.answered = true;
    const early = this.buffered;
    this.buffered = [];
    for (const candidate of early) await this.addCandidate(candidate);
  }

  /** Adds a remote candidate now, or after the answer if it is not applied yet. */
  async addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.closed) return;
    if (!this.answered) {
      this.buffered.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered = [];
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.ondatachannel = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.closed) await this.pc.addIceCandidate(candidate);
  }
}
