/**
 * The generator's node-datachannel peer connections (libdatachannel: native ICE, DTLS, SRTP; no
 * codecs), in the three roles the drivers need: a publisher (offers sendonly VP8 + Opus), a
 * subscriber that offers recvonly sections (Kurento Room) and one that answers the server's offer
 * (Janus). Every local description is sent with its candidates (gathering is waited for), so the
 * drivers never trickle their own.
 *
 * libdatachannel aborts the whole process on a remote candidate added before the remote
 * description, so candidates that arrive early are held here until it is set. With
 * `disableAutoNegotiation` nothing is negotiated behind our back; each role sets its local
 * description itself (an answer only after the remote offer).
 */
import nodeDataChannel, { type DescriptionType, type PeerConnection, type Track } from 'node-datachannel';
import type { Meter, Subscription } from './meter.js';
import {
  AUDIO_PACKETS_PER_SECOND,
  AUDIO_PACKET_BYTES,
  Sender,
  VIDEO_PACKETS_PER_SECOND,
  VIDEO_PACKET_BYTES,
  payloadTypeOf,
} from './rtpStreams.js';

const GATHERING_TIMEOUT_MS = 10_000;

/** A peer connection whose early remote candidates wait for its remote description. */
class LoadPeer {
  #remoteSet = false;
  readonly #early: { candidate: string; mid: string }[] = [];

  constructor(
    readonly pc: PeerConnection,
    protected readonly peers: Peers,
  ) {}

  addRemoteCandidate(candidate: string, mid: string): void {
    if (this.#remoteSet) this.pc.addRemoteCandidate(candidate, mid);
    else this.#early.push({ candidate, mid });
  }

  protected setRemote(sdp: string, type: DescriptionType): void {
    this.pc.setRemoteDescription(sdp, type);
    this.#remoteSet = true;
    for (const c of this.#early.splice(0)) this.pc.addRemoteCandidate(c.candidate, c.mid);
  }

  /** Sets the local description and resolves with its SDP once its candidates are gathered. */
  protected gathered(type: 'offer' | 'answer'): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ICE gathering did not complete within ${GATHERING_TIMEOUT_MS / 1000} s`)), GATHERING_TIMEOUT_MS);
      this.pc.onGatheringStateChange((state) => {
        if (state === 'complete') {
          clearTimeout(timer);
          resolve(this.pc.localDescription()!.sdp);
        }
      });
      this.pc.setLocalDescription(type);
    });
  }
}

export class PublisherPeer extends LoadPeer {
  readonly #video: Track;
  readonly #audio: Track;
  readonly #videoSsrc: number;
  readonly #audioSsrc: number;

  constructor(
    pc: PeerConnection,
    peers: Peers,
    readonly user: string,
    /** The publisher's number in the generator, to stagger its packets against the others'. */
    readonly index: number,
  ) {
    super(pc, peers);
    this.#videoSsrc = peers.nextSsrc();
    this.#audioSsrc = peers.nextSsrc();
    const video = new nodeDataChannel.Video('0', 'SendOnly');
    video.addVP8Codec(96);
    video.addSSRC(this.#videoSsrc, `${user}-cam`, `${user}-stream`, `${user}-video`);
    const audio = new nodeDataChannel.Audio('1', 'SendOnly');
    audio.addOpusCodec(111);
    audio.addSSRC(this.#audioSsrc, `${user}-cam`, `${user}-stream`, `${user}-audio`);
    this.#video = peers.keep(pc.addTrack(video));
    this.#audio = peers.keep(pc.addTrack(audio));
  }

  offer(): Promise<string> {
    return this.gathered('offer');
  }

  /** Applies the server's answer and starts sending, with the payload types it accepted. */
  accept(sdpAnswer: string): void {
    this.setRemote(sdpAnswer, 'answer');
    // Stagger the streams so that the publishers do not all send in the same millisecond.
    const phase = (this.index * 7.3) % 20;
    const meter = this.peers.meter;
    meter.addSender(new Sender(this.#video, this.#videoSsrc, payloadTypeOf(sdpAnswer, 'VP8'), 90_000, VIDEO_PACKET_BYTES, VIDEO_PACKETS_PER_SECOND, phase));
    meter.addSender(new Sender(this.#audio, this.#audioSsrc, payloadTypeOf(sdpAnswer, 'opus'), 48_000, AUDIO_PACKET_BYTES, AUDIO_PACKETS_PER_SECOND, phase + 3));
  }
}

/** A subscriber that offers recvonly video + audio and takes the server's answer. */
export class OfferingSubscriberPeer extends LoadPeer {
  readonly #subscription: Subscription;

  constructor(pc: PeerConnection, peers: Peers) {
    super(pc, peers);
    this.#subscription = peers.meter.addSubscription();
    const video = new nodeDataChannel.Video('0', 'RecvOnly');
    video.addVP8Codec(96);
    const audio = new nodeDataChannel.Audio('1', 'RecvOnly');
    audio.addOpusCodec(111);
    for (const media of [video, audio]) peers.keep(pc.addTrack(media)).onMessage(this.#subscription.onPacket);
  }

  offer(): Promise<string> {
    return this.gathered('offer');
  }

  accept(sdpAnswer: string): void {
    this.#subscription.videoPt = payloadTypeOf(sdpAnswer, 'VP8');
    this.#subscription.audioPt = payloadTypeOf(sdpAnswer, 'opus');
    this.setRemote(sdpAnswer, 'answer');
  }
}

/** A subscriber that answers the server's offer; its tracks come from that offer. */
export class AnsweringSubscriberPeer extends LoadPeer {
  readonly #subscription: Subscription;

  constructor(pc: PeerConnection, peers: Peers) {
    super(pc, peers);
    this.#subscription = peers.meter.addSubscription();
    pc.onTrack((track) => peers.keep(track).onMessage(this.#subscription.onPacket));
  }

  answer(sdpOffer: string): Promise<string> {
    this.#subscription.videoPt = payloadTypeOf(sdpOffer, 'VP8');
    this.#subscription.audioPt = payloadTypeOf(sdpOffer, 'opus');
    this.setRemote(sdpOffer, 'offer');
    return this.gathered('answer');
  }
}

/** Every peer connection of the generator, bound to one local address. */
export class Peers {
  readonly #all: PeerConnection[] = [];
  readonly #names = new WeakMap<PeerConnection, string>();
  readonly #tracks: Track[] = []; // kept referenced: libdatachannel closes tracks that are collected
  #ssrc = 0x1000_0000 + Math.floor(Math.random() * 0x1000_0000);
  #publishers = 0;

  constructor(
    /** The only local address the peers gather, so that they and the server meet on it. */
    readonly bindAddress: string,
    readonly meter: Meter,
  ) {}

  publisher(user: string): PublisherPeer {
    return new PublisherPeer(this.#newPc(`${user}-pub`), this, user, this.#publishers++);
  }

  offeringSubscriber(user: string, sender: string): OfferingSubscriberPeer {
    return new OfferingSubscriberPeer(this.#newPc(`${user}-sub-${sender}`), this);
  }

  answeringSubscriber(user: string, sender: string): AnsweringSubscriberPeer {
    return new AnsweringSubscriberPeer(this.#newPc(`${user}-sub-${sender}`), this);
  }

  keep(track: Track): Track {
    this.#tracks.push(track);
    return track;
  }

  nextSsrc(): number {
    return this.#ssrc++;
  }

  get count(): number {
    return this.#all.length;
  }

  states(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const pc of this.#all) out[pc.state()] = (out[pc.state()] ?? 0) + 1;
    return out;
  }

  /** Names and ICE/signalling states of (at most 10) peers that are not connected, for the report. */
  notConnected(): string[] {
    return this.#all
      .filter((pc) => pc.state() !== 'connected')
      .slice(0, 10)
      .map((pc) => `${this.#names.get(pc)} (state ${pc.state()}, ice ${pc.iceState()}, signalling ${pc.signalingState()}, gathering ${pc.gatheringState()})`);
  }

  /** Waits until every peer is connected (ICE + DTLS done), at most `timeoutMs`; the rest stay as they are. */
  async waitConnected(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#all.some((pc) => pc.state() !== 'connected') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  close(): void {
    for (const pc of this.#all) pc.close();
  }

  #newPc(name: string): PeerConnection {
    const pc = new nodeDataChannel.PeerConnection(name, { iceServers: [], bindAddress: this.bindAddress, disableAutoNegotiation: true });
    this.#all.push(pc);
    this.#names.set(pc, name);
    return pc;
  }
}
