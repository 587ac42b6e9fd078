// Small stand-ins for the browser media objects the client touches, for unit tests.

/** A track; like a real one, stop() fires no `ended` (the browser ending a capture does: `end()`). */
export class FakeTrack extends EventTarget {
  enabled = true;
  stopped = false;
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    this.stopped = true;
  }
  /** What the browser does when the user presses its own "Stop sharing". */
  end(): void {
    this.stopped = true;
    this.dispatchEvent(new Event('ended'));
  }
}

export class FakeMediaStream {
  constructor(readonly tracks: FakeTrack[] = [new FakeTrack('audio'), new FakeTrack('video')]) {}
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
}

export class FakeDataChannel {
  readyState = 'open';
  sent: unknown[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(readonly label: string) {}
  send(data: unknown): void {
    this.sent.push(data);
  }
}

export const LOCAL_CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.168.1.5 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/**
 * A fake RTCPeerConnection: records transceivers, descriptions and candidates, gathers one
 * local candidate after setLocalDescription, and (like a real one) refuses remote candidates
 * before the remote description is set.
 */
export class FakePeerConnection {
  static instances: FakePeerConnection[] = [];
  static reset(): void {
    FakePeerConnection.instances = [];
  }

  transceivers: { trackOrKind: unknown; init: { direction?: string } }[] = [];
  channels: FakeDataChannel[] = [];
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  candidates: unknown[] = [];
  closed = false;
  remoteStream = new FakeMediaStream();
  onicecandidate: ((event: { candidate: unknown }) => void) | null = null;
  ontrack: ((event: { track: FakeTrack; streams: FakeMediaStream[] }) => void) | null = null;
  ondatachannel: ((event: { channel: FakeDataChannel }) => void) | null = null;
  connectionState = 'new';
  iceConnectionState = 'new';
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;

  constructor(readonly configuration?: unknown) {
    FakePeerConnection.instances.push(this);
  }

  get directions(): string[] {
    return this.transceivers.map((t) => t.init.direction ?? 'sendrecv');
  }

  addTransceiver(trackOrKind: unknown, init: { direction?: string } = {}): void {
    this.transceivers.push({ trackOrKind, init });
  }

  createDataChannel(label: string): FakeDataChannel {
    const channel = new FakeDataChannel(label);
    this.channels.push(channel);
    return channel;
  }

  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: 'offer', sdp: `v=0 fake-offer ${this.directions.join(',')}` };
  }

  async setLocalDescription(description: { type: string; sdp: string }): Promise<void> {
    this.localDescription = description;
    setTimeout(() => {
      if (!this.closed) this.onicecandidate?.({ candidate: LOCAL_CANDIDATE });
    }, 1);
  }

  async setRemoteDescription(description: { type: string; sdp: string }): Promise<void> {
    if (this.closed) throw new Error('InvalidStateError: closed');
    this.remoteDescription = description;
    if (this.directions.some((d) => d === 'recvonly' || d === 'sendrecv')) {
      for (const track of this.remoteStream.getTracks()) this.ontrack?.({ track, streams: [this.remoteStream] });
    }
  }

  async addIceCandidate(candidate: unknown): Promise<void> {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.candidates.push(candidate);
  }

  /** What a real connection does when ICE or DTLS fails for good. */
  fail(): void {
    this.connectionState = 'failed';
    this.onconnectionstatechange?.();
  }

  close(): void {
    this.closed = true;
  }
}

/** A getUserMedia that records the constraints it was asked for. */
export function fakeGetUserMedia(log: unknown[] = [], deny = false) {
  return async (constraints: unknown) => {
    log.push(constraints);
    if (deny) throw Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    return new FakeMediaStream() as unknown as MediaStream;
  };
}
