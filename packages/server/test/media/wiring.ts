/** Wires a wrtc test peer to a media engine endpoint: offer/answer and trickle ICE both ways. */
import type { IceCandidateInit, MediaEngine } from '../../src/media/MediaEngine.js';
import type { PublisherPeer, SubscriberPeer } from '../helpers/wrtcPeers.js';

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
