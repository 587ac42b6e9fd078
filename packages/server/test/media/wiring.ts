/** Wires a wrtc test peer to a media engine endpoint: offer/answer and trickle ICE both ways. */
import assert from 'node:assert/strict';
import { MediaEngineError, type IceCandidateInit, type MediaEngine } from '../../src/media/MediaEngine.js';
import {
  createPublisherPeer,
  createSubscriberPeer,
  type PublisherPeer,
  type PublisherPeerOptions,
  type SubscriberPeer,
  type SubscriberPeerOptions,
} from '../helpers/wrtcPeers.js';

/** The test peers a test file creates, closed together after each test. */
export class TestPeers {
  #peers: Array<PublisherPeer | SubscriberPeer> = [];

  /** `defaults` apply to every publisher (e.g. a small picture on a shared machine). */
  constructor(private readonly defaults: PublisherPeerOptions = {}) {}

  pub(options: PublisherPeerOptions = {}): PublisherPeer {
    return this.track(createPublisherPeer({ ...this.defaults, ...options }));
  }

  sub(options: SubscriberPeerOptions = {}): SubscriberPeer {
    return this.track(createSubscriberPeer(options));
  }

  track<P extends PublisherPeer | SubscriberPeer>(peer: P): P {
    this.#peers.push(peer);
    return peer;
  }

  closeAll(): void {
    for (const peer of this.#peers.splice(0)) peer.close();
  }
}

/** Asserts that `promise` rejects with a MediaEngineError of `kind` (and message `pattern`), and returns it. */
export async function rejectsWith(promise: Promise<unknown>, kind: string, pattern?: RegExp): Promise<MediaEngineError> {
  let caught: MediaEngineError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MediaEngineError, `expected MediaEngineError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    if (pattern) assert.match(error.message, pattern);
    caught = error;
    return true;
  });
  return caught!;
}

/** Routes the engine's candidates to whichever peer owns the endpoint. */
export class CandidateRouter {
  readonly #peers = new Map<string, PublisherPeer | SubscriberPeer>();
  readonly #early = new Map<string, IceCandidateInit[]>();
  readonly seen = new Map<string, IceCandidateInit[]>();

  constructor(engine: MediaEngine) {
    engine.on('iceCandidate', (endpointId, candidate) => {
      const list = this.seen.get(endpointId) ?? [];
      list.push(candidate);
      this.seen.set(endpointId, list);
      const peer = this.#peers.get(endpointId);
      if (peer) void peer.addRemoteCandidate(candidate);
      else this.#early.set(endpointId, [...(this.#early.get(endpointId) ?? []), candidate]);
    });
  }

  attach(endpointId: string, peer: PublisherPeer | SubscriberPeer): void {
    this.#peers.set(endpointId, peer);
    for (const c of this.#early.get(endpointId) ?? []) void peer.addRemoteCandidate(c);
    this.#early.delete(endpointId);
  }
}

export async function publish(
  engine: MediaEngine,
  router: CandidateRouter,
  endpointId: string,
  peer: PublisherPeer,
  opts: { loopback?: boolean; dataChannels?: boolean; group?: string } = {},
): Promise<string> {
  router.attach(endpointId, peer);
  peer.onLocalCandidate((c) => void engine.addIceCandidate(endpointId, c).catch(() => {}));
  const sdpOffer = await peer.createOffer();
  const { sdpAnswer } = await engine.publish({
    endpointId,
    sdpOffer,
    loopback: opts.loopback ?? false,
    dataChannels: opts.dataChannels ?? false,
    ...(opts.group !== undefined ? { group: opts.group } : {}),
  });
  await peer.setAnswer(sdpAnswer);
  return sdpAnswer;
}

export async function subscribe(
  engine: MediaEngine,
  router: CandidateRouter,
  endpointId: string,
  publisherId: string,
  peer: SubscriberPeer,
  opts: { dataChannels?: boolean; group?: string } = {},
): Promise<string> {
  router.attach(endpointId, peer);
  peer.onLocalCandidate((c) => void engine.addIceCandidate(endpointId, c).catch(() => {}));
  const sdpOffer = await peer.createOffer();
  const { sdpAnswer } = await engine.subscribe({
    endpointId,
    publisherId,
    sdpOffer,
    dataChannels: opts.dataChannels ?? false,
    ...(opts.group !== undefined ? { group: opts.group } : {}),
  });
  await peer.setAnswer(sdpAnswer);
  return sdpAnswer;
}
