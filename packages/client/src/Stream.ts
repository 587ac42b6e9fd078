import {
  DEFAULT_STREAM_ID,
  endpointNameOf,
  globalStreamId,
  JsonRpcErrorCode,
  type SdpAnswerResult,
  type StreamInfo,
  type StreamProperty,
  type StreamTracks,
  type TypeOfVideo,
} from '@kurento-room/protocol';
import { capture, watchEnded } from './capture.js';
import { Emitter } from './Emitter.js';
import type { StreamEventMap, StreamData } from './events.js';
import type { Participant } from './Participant.js';
import { Peer } from './Peer.js';
import type { Room } from './Room.js';
import { createThumbnail, createVideo, show } from './dom.js';
import { handled } from './util.js';

/** A stream whose connection keeps failing stops recovering: at most this many recoveries ... */
const MAX_RECOVERIES = 5;
/** ... within this window. */
const RECOVERY_WINDOW_MS = 60_000;

export interface StreamOptions {
  /** Owner; `kurento.Stream(room, ...)` sets the room's local participant. */
  participant?: Participant;
  /** Stream id, `webcam` by default (`screen` for a second stream). */
  id?: string;
  /**
   * Microphone: true, false or MediaTrackConstraints (default true). With `screen`, whether to
   * ask the display capture for the shared tab's or system's sound (default false).
   */
  audio?: boolean | MediaTrackConstraints;
  /** Camera: true, false or MediaTrackConstraints (default true); with `screen`, constraints of the display capture. */
  video?: boolean | MediaTrackConstraints;
  /**
   * Local: capture the screen (a window, a tab) with `getDisplayMedia` in `init()` instead of the
   * camera; `typeOfVideo` becomes `SCREEN`. When the capture ends by itself (the browser's own
   * "Stop sharing"), the stream is unpublished and released, and the room emits `stream-removed`.
   */
  screen?: boolean;
  /** Open a data channel with the media (local: publish it; joins the room with `dataChannels`). */
  data?: boolean;
  /** Remote streams: receive video / audio (default true). */
  recvVideo?: boolean;
  recvAudio?: boolean;
  /** A MediaStream to publish instead of asking `getUserMedia` in `init()` (e.g. a screen capture). */
  mediaStream?: MediaStream;
  /** Local: what the video is, told to the others when publishing (default `SCREEN` with `screen`, else `CAMERA`). */
  typeOfVideo?: TypeOfVideo;
}

/** The kurento-utils WebRtcPeer properties the original demo used, on top of the peer connection. */
export interface WebRtcPeerView {
  readonly peerConnection: RTCPeerConnection;
  audioEnabled: boolean;
  videoEnabled: boolean;
  getLocalStream(): MediaStream | undefined;
  getRemoteStream(): MediaStream | undefined;
}

/**
 * A media stream of a participant: the local camera/microphone (init, publish, unpublish) or a
 * remote participant's stream (subscribe). Emits `access-accepted`, `access-denied` and `data`.
 */
export class Stream extends Emitter<StreamEventMap> {
  readonly room: Room;
  private readonly local: boolean;
  private readonly id: string;
  private readonly participant: Participant;
  private readonly options: StreamOptions;
  private localMedia?: MediaStream;
  private peer?: Peer;
  private negotiation?: Promise<void>;
  private channel?: RTCDataChannel;
  private live = false;
  private loopback = false;
  private audioOn = true;
  private videoOn = true;
  private videos: HTMLVideoElement[] = [];
  private elements: HTMLElement[] = [];
  /** The application wants this stream published (local) or received (remote): set by publish/subscribe, cleared by unpublish/unsubscribe/dispose. */
  private wanted = false;
  private recovery?: Promise<void>;
  /** When the recent recoveries started: more than MAX_RECOVERIES within RECOVERY_WINDOW_MS and the stream gives up. */
  private recoveries: number[] = [];
  /** Remote: the track fields the server gave (absent from an original server: then assume audio and video, on). */
  private remote: StreamTracks = {};
  /** Local: the audio / video state the server last heard of (undefined: not published). */
  private told?: { audioActive: boolean; videoActive: boolean };
  /** Stops watching a screen capture for its end (set while watched). */
  private unwatch?: () => void;

  constructor(room: Room, options: StreamOptions = {}, local = true) {
    super();
    this.room = room;
    this.local = local;
    this.options = options;
    this.id = options.id ?? DEFAULT_STREAM_ID;
    this.participant = options.participant ?? room.getLocalParticipant();
    this.localMedia = options.mediaStream;
  }

  getID(): string {
    return this.id;
  }

  /** `<user>_<streamId>`, e.g. `alice_webcam`: the `sender` of subscriptions and speaker events. */
  getGlobalID(): string {
    return globalStreamId(this.participant.getID(), this.id);
  }

  getParticipant(): Participant {
    return this.participant;
  }

  isLocal(): boolean {
    return this.local;
  }

  /** The protocol's `endpointName` for this stream's connection: the user name for `webcam`, else the global id. */
  getEndpointName(): string {
    return endpointNameOf(this.participant.getID(), this.id);
  }

  /**
   * The media to display: the local capture, or the received stream (for a local stream
   * published with loopback, the looped-back media once it arrives, as in the original).
   */
  getMediaStream(): MediaStream | undefined {
    if (this.local) return (this.loopback && this.peer?.remoteStream) || this.localMedia;
    return this.peer?.remoteStream;
  }

  /** Original name of `getMediaStream()`. */
  getWrStream(): MediaStream | undefined {
    return this.getMediaStream();
  }

  /** The captured media of a local stream. */
  getLocalMediaStream(): MediaStream | undefined {
    return this.localMedia;
  }

  getRTCPeerConnection(): RTCPeerConnection | undefined {
    return this.peer?.pc;
  }

  /** The original returned a kurento-utils WebRtcPeer; this gives the parts applications used. */
  getWebRtcPeer(): WebRtcPeerView | undefined {
    const peer = this.peer;
    if (!peer) return undefined;
    const stream = this;
    return {
      peerConnection: peer.pc,
      get audioEnabled() {
        return stream.isAudioEnabled();
      },
      set audioEnabled(on: boolean) {
        stream.setAudioEnabled(on);
      },
      get videoEnabled() {
        return stream.isVideoEnabled();
      },
      set videoEnabled(on: boolean) {
        stream.setVideoEnabled(on);
      },
      getLocalStream: () => this.localMedia,
      getRemoteStream: () => peer.remoteStream,
    };
  }

  getRecvVideo(): boolean {
    return this.options.recvVideo ?? true;
  }

  getRecvAudio(): boolean {
    return this.options.recvAudio ?? true;
  }

  /** True once published (local) or subscribed (remote), with the answer applied. */
  isConnected(): boolean {
    return this.live;
  }

  isDataChannelEnabled(): boolean {
    return this.local ? !!this.options.data : this.room.dataChannels;
  }

  isDataChannelOpened(): boolean {
    return this.channel?.readyState === 'open';
  }

  /** Publish with loopback: the server sends the published media back (shown by `playOnlyVideo`). */
  subscribeToMyRemote(): void {
    this.loopback = true;
  }

  /** Whether loopback was asked for with `subscribeToMyRemote()`. */
  displayMyRemote(): boolean {
    return this.loopback;
  }

  /** Local: turns the microphone track on or off and, once published, tells the room (`streamPropertyChanged`). */
  setAudioEnabled(enabled: boolean): void {
    this.audioOn = enabled;
    this.applyTrackState();
    this.tellTrackState();
  }

  /** Local: turns the camera track on or off and, once published, tells the room; the server stops forwarding a muted video. */
  setVideoEnabled(enabled: boolean): void {
    this.videoOn = enabled;
    this.applyTrackState();
    this.tellTrackState();
  }

  /**
   * Local: puts `track` in the place of this stream's track of the same kind, without a new
   * negotiation. A published stream's connection sends the new track at once
   * (`RTCRtpSender.replaceTrack`): the others keep their subscription and receive the new camera
   * or microphone with no `stream-removed` / `stream-added` and no new `publishVideo`. Meant for
   * switching devices mid-call (a camera or microphone picked from `enumerateDevices()`), or any
   * other source of the same kind.
   *
   * The new track takes the stream's mute state (`setAudioEnabled` / `setVideoEnabled`) and joins
   * `getLocalMediaStream()` in the previous track's place; the previous track is stopped, since
   * the stream owned it (`dispose()` would have stopped it). The stream must already have a track
   * of that kind: adding a kind needs a new negotiation (`unpublish()`, then publish a stream
   * that has it). Rejects, leaving the stream as it was, for a remote stream, an ended track, a
   * kind the stream lacks, or a sender that refuses the track.
   */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    if (!this.local) throw new Error(`Stream '${this.getGlobalID()}' is remote: only the tracks of a local stream can be replaced`);
    if (track.readyState === 'ended') throw new Error(`The new ${track.kind} track for '${this.getGlobalID()}' has ended`);
    const media = this.localMedia;
    const previous = media?.getTracks().find((t) => t.kind === track.kind);
    if (!media || !previous) {
      throw new Error(`Stream '${this.getGlobalID()}' has no ${track.kind} track to replace: adding one needs a new negotiation (unpublish, then publish)`);
    }
    if (previous === track) return;
    track.enabled = track.kind === 'audio' ? this.audioOn : this.videoOn;
    const peer = this.peer;
    const sender = peer?.pc.getSenders().find((s) => s.track === previous);
    try {
      await sender?.replaceTrack(track);
    } catch (error) {
      // A connection closed meanwhile is no failure: the next publish takes the new track.
      if (!peer?.isClosed) throw error;
    }
    media.removeTrack(previous);
    media.addTrack(track);
    previous.stop();
  }

  /** Whether the stream has an audio track (remote: as its publisher said, or its offer showed). */
  hasAudio(): boolean {
    return this.local ? (this.localMedia?.getAudioTracks().length ?? 0) > 0 : this.remote.hasAudio ?? true;
  }

  hasVideo(): boolean {
    return this.local ? (this.localMedia?.getVideoTracks().length ?? 0) > 0 : this.remote.hasVideo ?? true;
  }

  /** Whether the audio is on: present and not muted by its publisher. */
  isAudioActive(): boolean {
    return this.local ? this.hasAudio() && this.audioOn : this.remote.audioActive ?? this.hasAudio();
  }

  isVideoActive(): boolean {
    return this.local ? this.hasVideo() && this.videoOn : this.remote.videoActive ?? this.hasVideo();
  }

  getTypeOfVideo(): TypeOfVideo {
    if (!this.local) return this.remote.typeOfVideo ?? 'CAMERA';
    return this.options.typeOfVideo ?? (this.options.screen ? 'SCREEN' : 'CAMERA');
  }

  /** @internal Remote: the stream entry of the join result or of `participantPublished`. */
  applyInfo(info: StreamInfo): void {
    const { id: _id, ...tracks } = info;
    this.remote = tracks;
  }

  /** @internal Remote: a `streamPropertyChanged` of its publisher. */
  applyProperty(property: StreamProperty, value: boolean): void {
    this.remote = { ...this.remote, [property]: value };
  }

  /** The track fields of this local stream as sent with `publishVideo`. */
  private trackFields(): Required<StreamTracks> {
    return {
      hasAudio: this.hasAudio(),
      hasVideo: this.hasVideo(),
      audioActive: this.isAudioActive(),
      videoActive: this.isVideoActive(),
      typeOfVideo: this.getTypeOfVideo(),
    };
  }

  /**
   * Sends what changed since the server last heard (a mute during the publish negotiation is sent
   * once it is published). A server without mute signalling (the original) answers -32601: that
   * is no failure, the tracks are muted here all the same.
   */
  private tellTrackState(): void {
    const told = this.told;
    if (!this.local || !this.live || !told) return;
    const now = { audioActive: this.isAudioActive(), videoActive: this.isVideoActive() };
    for (const property of ['audioActive', 'videoActive'] as const) {
      if (now[property] === told[property]) continue;
      told[property] = now[property];
      this.room.request('streamPropertyChanged', { streamId: this.id, property, newValue: now[property] }).catch((error) => {
        if (error?.code !== JsonRpcErrorCode.METHOD_NOT_FOUND) this.room.reportError(error, `Telling the room that '${this.getGlobalID()}' ${property} is ${now[property]} failed`);
      });
    }
  }

  isAudioEnabled(): boolean {
    return this.audioOn;
  }

  isVideoEnabled(): boolean {
    return this.videoOn;
  }

  /**
   * Local: asks for camera and microphone with the `audio` / `video` constraints (with `screen`,
   * for a display capture) and emits `access-accepted` or `access-denied` (the user refused, or
   * no device matched). A `mediaStream` given in the options is used as it is. Resolves to
   * whether access was granted.
   */
  async init(): Promise<boolean> {
    if (!this.local) throw new Error(`Stream '${this.getGlobalID()}' is remote: only local streams can be initialised`);
    this.participant.addStream(this);
    try {
      if (!this.localMedia) {
        const screen = this.options.screen === true;
        this.localMedia = await capture(this.room.env, {
          screen,
          audio: this.options.audio ?? !screen,
          video: this.options.video ?? true,
        });
      }
      this.watchCapture();
      this.applyTrackState();
      for (const video of this.videos) video.srcObject = this.getMediaStream() ?? null;
      this.emit('access-accepted', { stream: this });
      return true;
    } catch (error) {
      this.emit('access-denied', { stream: this, error });
      return false;
    }
  }

  /**
   * Local: publishes the stream (`publishVideo`, sendonly, or sendrecv with loopback). Emits
   * `stream-published` once the answer is applied; failures are emitted as `error-room` and
   * reject the returned promise.
   */
  publish(): Promise<void> {
    if (!this.local) return handled(Promise.reject(new Error(`Stream '${this.getGlobalID()}' is remote: subscribe to it instead`)));
    this.wanted = true;
    return this.startNegotiation(true);
  }

  /** Local: stops publishing (`unpublishVideo`) and closes the connection; the capture stays for a later publish. */
  unpublish(): Promise<void> {
    if (!this.local) return handled(Promise.reject(new Error(`Stream '${this.getGlobalID()}' is remote: unsubscribe from it instead`)));
    this.wanted = false;
    if (!this.peer) return Promise.resolve();
    this.disconnect();
    return handled(this.room.request('unpublishVideo', this.streamParams()).then(() => undefined));
  }

  /** Remote: subscribes (`receiveVideoFrom`, recvonly). Emits `stream-subscribed` once the answer is applied. */
  subscribe(): Promise<void> {
    if (this.local) return handled(Promise.reject(new Error(`Stream '${this.getGlobalID()}' is local: publish it instead`)));
    this.wanted = true;
    return this.startNegotiation(false);
  }

  /** Remote: ends the subscription (`unsubscribeFromVideo`); `subscribe()` may be called again. */
  unsubscribe(): Promise<void> {
    if (this.local) return handled(Promise.reject(new Error(`Stream '${this.getGlobalID()}' is local: unpublish it instead`)));
    this.wanted = false;
    if (!this.peer) return Promise.resolve();
    this.disconnect();
    return handled(this.room.request('unsubscribeFromVideo', { sender: this.getGlobalID() }).then(() => undefined));
  }

  /** Sends a message on the stream's data channel; throws when it is not open. */
  sendData(data: string | ArrayBuffer | Blob | ArrayBufferView): void {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') {
      throw new Error(`The data channel of stream '${this.getGlobalID()}' is not open`);
    }
    channel.send(data as any);
  }

  /** Appends a `<video id="native-video-<globalId>">` to `parent` and shows `#thumbnailId`. */
  playOnlyVideo(parent: HTMLElement | string, thumbnailId?: string): HTMLVideoElement {
    const doc = this.document();
    const video = createVideo(doc, this, parent);
    this.videos.push(video);
    this.elements.push(video);
    show(doc, thumbnailId);
    return video;
  }

  /** Builds the original's thumbnail (container, name tag, spinner) in `#thumbnailId` and plays into it. */
  playThumbnail(thumbnailId: string): HTMLVideoElement {
    const doc = this.document();
    const { container, spinner } = createThumbnail(doc, this, thumbnailId);
    this.elements.push(container, spinner);
    const video = this.playOnlyVideo(container, thumbnailId);
    const hide = () => spinner.remove();
    video.addEventListener('playing', hide, { once: true });
    if (this.getMediaStream()) hide();
    return video;
  }

  /** Applies a remote ICE candidate to this stream's connection (held until the answer is applied). */
  addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.peer ? this.peer.addRemoteCandidate(candidate) : Promise.resolve();
  }

  /** Closes the connection without telling the server (it already knows, or is gone). */
  disconnect(): void {
    this.room.stopSpeakerDetection(this);
    this.peer?.close();
    this.peer = undefined;
    this.negotiation = undefined;
    this.channel = undefined;
    this.live = false;
    this.told = undefined;
  }

  /**
   * @internal Renegotiates this one stream after its connection died: its peer connection failed
   * here, the server named it in a `mediaError`, or the session was rejoined. A new peer
   * connection is published or subscribed; the application sees the video freeze, then
   * `stream-published` / `stream-subscribed` again. `released`: the server no longer holds the
   * old endpoint (otherwise it is released first). Does nothing for a stream nobody wants.
   */
  recover(released: boolean): Promise<void> {
    if (!this.wanted) return Promise.resolve();
    this.recovery ??= this.doRecover(released).finally(() => (this.recovery = undefined));
    return this.recovery;
  }

  private async doRecover(released: boolean): Promise<void> {
    const now = Date.now();
    this.recoveries = this.recoveries.filter((t) => now - t < RECOVERY_WINDOW_MS);
    this.disconnect();
    if (this.recoveries.length >= MAX_RECOVERIES) {
      this.room.reportError(
        new Error(`its connection failed ${MAX_RECOVERIES + 1} times within ${RECOVERY_WINDOW_MS / 1000} s; call ${this.local ? 'publish' : 'subscribe'}() to try again`),
        `Giving up on stream '${this.getGlobalID()}'`,
      );
      this.wanted = false;
      return;
    }
    this.recoveries.push(now);
    if (!released) {
      const params = this.local ? this.streamParams() : { sender: this.getGlobalID() };
      // The server may already have let it go; either way the endpoint is gone afterwards.
      await this.room.request(this.local ? 'unpublishVideo' : 'unsubscribeFromVideo', params).catch(() => undefined);
    }
    if (!this.wanted || !this.room.isConnected() || !this.room.holds(this)) return;
    // Failures were reported as error-room by the negotiation.
    await this.startNegotiation(this.local).catch(() => undefined);
  }

  /** Closes everything: connection, local capture tracks, elements created by the DOM helpers. */
  dispose(): void {
    this.wanted = false;
    this.unwatch?.();
    this.unwatch = undefined;
    this.disconnect();
    if (this.local) for (const track of this.localMedia?.getTracks() ?? []) track.stop();
    for (const element of this.elements) element.remove();
    this.elements = [];
    this.videos = [];
  }

  /** A screen stream follows its capture: when the browser ends it, the stream goes (captureEnded). */
  private watchCapture(): void {
    if (!this.local || !this.options.screen || !this.localMedia || this.unwatch) return;
    this.unwatch = watchEnded(this.localMedia, () => this.captureEnded());
  }

  /**
   * The screen capture ended by itself (the browser's "Stop sharing", the shared window closed):
   * the stream is unpublished if it was, released (tracks, connection, elements) and taken out
   * of its participant, and the room emits `stream-removed` for it, as for a remote stream that
   * goes. A later share needs a new Stream.
   */
  private captureEnded(): void {
    this.unwatch = undefined;
    if (this.peer) {
      this.unpublish().catch((error) => this.room.reportError(error, `Unpublishing '${this.getGlobalID()}' after its capture ended failed`));
    }
    if (this.participant.getStream(this.id) === this) this.participant.removeStream(this.id);
    this.dispose();
    this.room.emit('stream-removed', { stream: this });
  }

  /** `streamId` for publish and unpublish requests: omitted for `webcam`, as the original sends them. */
  private streamParams(): Record<string, unknown> {
    return this.id === DEFAULT_STREAM_ID ? {} : { streamId: this.id };
  }

  private document(): Document {
    const doc = this.room.env.document;
    if (!doc) throw new Error('No document: pass one in the KurentoRoom options to use the DOM helpers');
    return doc;
  }

  private applyTrackState(): void {
    for (const track of this.localMedia?.getAudioTracks() ?? []) track.enabled = this.audioOn;
    for (const track of this.localMedia?.getVideoTracks() ?? []) track.enabled = this.videoOn;
  }

  /** One negotiation at a time: a second publish()/subscribe() gets the first one's promise. */
  private startNegotiation(publishing: boolean): Promise<void> {
    if (this.negotiation) return this.negotiation;
    const negotiation = handled(this.negotiate(publishing));
    this.negotiation = negotiation;
    negotiation.catch(() => {
      if (this.negotiation === negotiation) this.negotiation = undefined;
    });
    return negotiation;
  }

  private async negotiate(publishing: boolean): Promise<void> {
    const room = this.room;
    const what = publishing ? 'Publishing' : 'Subscribing to';
    let peer: Peer | undefined;
    try {
      room.assertJoined(`${what} '${this.getGlobalID()}'`);
      if (publishing) {
        this.participant.addStream(this);
        this.watchCapture();
      }
      const RTCPeerConnection = room.env.RTCPeerConnection;
      if (!RTCPeerConnection) throw new Error('RTCPeerConnection is not available: pass it in the KurentoRoom options');
      const wantsData = this.isDataChannelEnabled();
      peer = this.peer = new Peer({
        RTCPeerConnection,
        configuration: room.rtcConfiguration(),
        direction: publishing ? (this.loopback ? 'sendrecv' : 'sendonly') : 'recvonly',
        send: publishing ? this.localMedia : undefined,
        receive: publishing ? undefined : this.receiveKinds(),
        dataChannel: wantsData ? this.getGlobalID() : undefined,
        onIceCandidate: (candidate) => this.sendCandidate(peer!, candidate),
        onRemoteStream: (media) => {
          for (const video of this.videos) video.srcObject = media;
        },
        onDataChannel: (channel) => this.attachChannel(channel),
        onFailed: () => void this.recover(false),
      });
      const sdpOffer = await peer.createOffer();
      const tracks = this.trackFields();
      const result: SdpAnswerResult = publishing
        ? await room.request('publishVideo', {
            sdpOffer,
            doLoopback: this.loopback,
            ...this.streamParams(),
            ...tracks,
          })
        : await room.request('receiveVideoFrom', { sender: this.getGlobalID(), sdpOffer });
      if (peer.isClosed) return;
      await peer.applyAnswer(result.sdpAnswer);
      if (peer.isClosed) return;
      this.live = true;
      if (publishing) {
        this.told = { audioActive: tracks.audioActive, videoActive: tracks.videoActive };
        this.tellTrackState();
        room.emit('stream-published', { stream: this });
      }
      if (!publishing || this.loopback) {
        room.emit('stream-subscribed', { stream: this });
        room.startSpeakerDetection(this);
      }
    } catch (error) {
      if (peer && this.peer === peer) this.disconnect();
      // A remote stream that went away meanwhile (unpublished, its owner left) is no failure to report.
      if (!this.local && !room.holds(this)) throw error;
      throw room.reportError(error, `${what} '${this.getGlobalID()}' failed`);
    }
  }

  /**
   * Remote: the kinds to offer to receive, those asked for that the publisher has. Offering a kind
   * it lacks is harmless with this server (answered inactive) but pointless.
   */
  private receiveKinds(): { audio: boolean; video: boolean } {
    const audio = this.getRecvAudio() && this.hasAudio();
    const video = this.getRecvVideo() && this.hasVideo();
    // Nothing in common: offer what was asked for and let the server say what is wrong.
    return audio || video ? { audio, video } : { audio: this.getRecvAudio(), video: this.getRecvVideo() };
  }

  private sendCandidate(peer: Peer, candidate: RTCIceCandidate): void {
    const params = {
      endpointName: this.getEndpointName(),
      // The endpointName of the original is ambiguous between users (ids.ts); the global id is not.
      sender: this.getGlobalID(),
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? '',
      sdpMLineIndex: candidate.sdpMLineIndex ?? 0,
    };
    this.room.request('onIceCandidate', params).catch((error) => {
      if (!peer.isClosed) this.room.reportError(error, `Sending an ICE candidate of '${this.getGlobalID()}' failed`);
    });
  }

  private attachChannel(channel: RTCDataChannel): void {
    this.channel = channel;
    channel.onmessage = (event: MessageEvent<StreamData>) => this.emit('data', { stream: this, data: event.data });
  }
}
