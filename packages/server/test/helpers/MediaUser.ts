import { RpcTestClient } from './RpcTestClient.js';
import {
  createPublisherPeer,
  createSubscriberPeer,
  type CandidateInit,
  type PublisherPeer,
  type PublisherPeerOptions,
  type SubscriberPeer,
  type SubscriberPeerOptions,
} from './wrtcPeers.js';

/**
 * A participant driven over the real protocol with real WebRTC peers: what a Kurento Room
 * client does, written out plainly (join, publish, subscribe, trickle ICE by endpointName).
 */
export class MediaUser {
  publisher: PublisherPeer | undefined;
  readonly subscribers = new Map<string, SubscriberPeer>();
  #earlyCandidates = new Map<string, CandidateInit[]>();

  private constructor(
    readonly name: string,
    readonly rpc: RpcTestClient,
  ) {
    rpc.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { method?: string; params?: Record<string, unknown> };
      if (msg.method !== 'iceCandidate' || !msg.params) return;
      const p = msg.params as unknown as CandidateInit & { endpointName: string };
      const candidate = { candidate: p.candidate, sdpMid: p.sdpMid, sdpMLineIndex: p.sdpMLineIndex };
      const peer = p.endpointName === this.name ? this.publisher : this.subscribers.get(p.endpointName);
      if (peer) void peer.addRemoteCandidate(candidate);
      else this.#earlyCandidates.set(p.endpointName, [...(this.#earlyCandidates.get(p.endpointName) ?? []), candidate]);
    });
  }

  static async join(wsUrl: string, name: string, room: string, dataChannels = false): Promise<MediaUser> {
    const rpc = await RpcTestClient.connect(wsUrl);
    const r = await rpc.request('joinRoom', dataChannels ? { user: name, room, dataChannels } : { user: name, room });
    if (r.error) throw new Error(`join of ${name} failed: ${r.error.message}`);
    return new MediaUser(name, rpc);
  }

  private attach(endpointName: string, peer: PublisherPeer | SubscriberPeer): void {
    peer.onLocalCandidate((c) => {
      void this.rpc.request('onIceCandidate', { endpointName, ...c }).catch(() => undefined);
    });
    for (const c of this.#earlyCandidates.get(endpointName) ?? []) void peer.addRemoteCandidate(c);
    this.#earlyCandidates.delete(endpointName);
  }

  async publish(options: PublisherPeerOptions = {}): Promise<PublisherPeer> {
    const peer = createPublisherPeer(options);
    this.publisher = peer;
    this.attach(this.name, peer);
    const sdpOffer = await peer.createOffer();
    const r = await this.rpc.request('publishVideo', { sdpOffer, doLoopback: options.loopback ?? false }, 15_000);
    if (r.error) throw new Error(`publish of ${this.name} failed: ${r.error.message}`);
    await peer.setAnswer(r.result!.sdpAnswer as string);
    return peer;
  }

  async subscribe(publisher: string, options: SubscriberPeerOptions = {}): Promise<SubscriberPeer> {
    const peer = createSubscriberPeer(options);
    this.subscribers.set(publisher, peer);
    this.attach(publisher, peer);
    const sdpOffer = await peer.createOffer();
    const r = await this.rpc.request('receiveVideoFrom', { sender: `${publisher}_webcam`, sdpOffer }, 15_000);
    if (r.error) throw new Error(`subscription of ${this.name} to ${publisher} failed: ${r.error.message}`);
    await peer.setAnswer(r.result!.sdpAnswer as string);
    return peer;
  }

  async unsubscribe(publisher: string): Promise<void> {
    const r = await this.rpc.request('unsubscribeFromVideo', { sender: `${publisher}_webcam` });
    if (r.error) throw new Error(r.error.message);
  }

  async unpublish(): Promise<void> {
    const r = await this.rpc.request('unpublishVideo', {});
    if (r.error) throw new Error(r.error.message);
  }

  /** Closes the peers and the socket without telling the server anything. */
  close(): void {
    this.publisher?.close();
    for (const s of this.subscribers.values()) s.close();
    this.rpc.terminate();
  }
}

/**
 * Tells whether a frame counter moves during `ms`. Frames already in a decoder's queue when a
 * stream is cut may still come out, so the count starts after `settleMs`.
 */
export async function framesAdvance(count: () => number, ms = 1500, settleMs = 700): Promise<boolean> {
  await new Promise((r) => setTimeout(r, settleMs));
  const before = count();
  await new Promise((r) => setTimeout(r, ms));
  return count() > before;
}
