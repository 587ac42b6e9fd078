/**
 * Our server's protocol (Kurento Room JSON-RPC over WebSocket, rpc.ts): every participant opens
 * a socket and `joinRoom`s, `publishVideo`s audio + video, then `receiveVideoFrom`s every other
 * participant. The client always offers; the server's candidates arrive as `iceCandidate`
 * notifications, named by endpoint, and are routed to the right peer.
 */
import { LoadClient } from '../rpc.js';
import { inPool, type DriverContext, type LoadDriver } from './driver.js';
import type { OfferingSubscriberPeer, PublisherPeer } from './peers.js';

interface Participant {
  user: string;
  client: LoadClient;
  publisher?: PublisherPeer;
  subscriptions: Map<string, OfferingSubscriberPeer>;
  /** Candidates for peers not created yet, per endpoint key (`publisher` or the sender's name). */
  unrouted: Map<string, { candidate: string; mid: string }[]>;
}

export class KurentoRoomDriver implements LoadDriver {
  readonly #participants: Participant[] = [];

  constructor(private readonly ctx: DriverContext) {}

  async addRoom(room: string, size: number): Promise<void> {
    const members: Participant[] = [];
    for (let i = 0; i < size; i++) {
      const client = await LoadClient.connect(this.ctx.wsUrl);
      const p: Participant = { user: `${room}-u${i}`, client, subscriptions: new Map(), unrouted: new Map() };
      this.#participants.push(p);
      client.onNotification = (method, params) => {
        if (method === 'iceCandidate') this.#onServerCandidate(p, params);
      };
      client.ws.on('close', () => this.ctx.onError(`${p.user}: signalling socket closed`));
      await client.join(room, p.user);
      members.push(p);
    }
    await inPool(members, 10, (p) => this.#publish(p));
    const pairs = members.flatMap((p) => members.filter((o) => o !== p).map((o) => [p, o.user] as const));
    await inPool(pairs, 24, ([p, sender]) => this.#subscribe(p, sender));
  }

  close(): void {
    for (const p of this.#participants) p.client.terminate();
  }

  async #publish(p: Participant): Promise<void> {
    const peer = this.ctx.peers.publisher(p.user);
    this.#attach(p, 'publisher', peer);
    p.publisher = peer;
    const sdpOffer = await peer.offer();
    const reply = await p.client.request('publishVideo', { sdpOffer, doLoopback: false });
    if (reply.error) throw new Error(`publishVideo ${p.user}: ${reply.error.message}`);
    peer.accept(String(reply.result?.sdpAnswer ?? ''));
  }

  async #subscribe(p: Participant, sender: string): Promise<void> {
    const peer = this.ctx.peers.offeringSubscriber(p.user, sender);
    this.#attach(p, sender, peer);
    p.subscriptions.set(sender, peer);
    const sdpOffer = await peer.offer();
    const reply = await p.client.request('receiveVideoFrom', { sender: `${sender}_webcam`, sdpOffer });
    if (reply.error) throw new Error(`receiveVideoFrom ${p.user} <- ${sender}: ${reply.error.message}`);
    peer.accept(String(reply.result?.sdpAnswer ?? ''));
  }

  /** Hands the peer the candidates that came before it existed. */
  #attach(p: Participant, key: string, peer: PublisherPeer | OfferingSubscriberPeer): void {
    for (const c of p.unrouted.get(key) ?? []) peer.addRemoteCandidate(c.candidate, c.mid);
    p.unrouted.delete(key);
  }

  #onServerCandidate(p: Participant, params: Record<string, unknown>): void {
    const name = String(params.endpointName ?? '');
    const candidate = String(params.candidate ?? '');
    if (!candidate) return;
    const mid = params.sdpMid === undefined || params.sdpMid === null ? '0' : String(params.sdpMid);
    const key = name === p.user || name === `${p.user}_webcam` ? 'publisher' : name.replace(/_webcam$/, '');
    const peer = key === 'publisher' ? p.publisher : p.subscriptions.get(key);
    if (peer) peer.addRemoteCandidate(candidate, mid);
    else {
      const list = p.unrouted.get(key) ?? [];
      list.push({ candidate, mid });
      p.unrouted.set(key, list);
    }
  }
}
