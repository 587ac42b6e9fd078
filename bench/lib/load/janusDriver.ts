/**
 * Janus VideoRoom through its WebSocket API (janusClient.ts), set up the way a janus.js
 * application does it: a room `create`d with no bitrate cap, VP8 + Opus and room for every
 * participant as publisher; every participant has one session with one publisher handle
 * (`joinandconfigure` with the client's offer) and one subscriber handle per remote feed (`join`
 * as subscriber to that feed: Janus offers, the client answers with `start`). So there is one
 * peer connection per publication and per subscription, as with our protocol. Janus sends its
 * candidates inside its SDP (its default half-trickle) and ours are inside ours (`trickle:
 * false`), so no trickle messages are needed.
 */
import { inPool, type DriverContext, type LoadDriver } from './driver.js';
import { JanusSession, type JanusHandle } from './janusClient.js';

const VIDEOROOM = 'janus.plugin.videoroom';
/** A feed cannot be subscribed to before its publisher's PeerConnection is up ("No such feed"). */
const PUBLISHER_UP_TIMEOUT_MS = 15_000;

interface Participant {
  user: string;
  session: JanusSession;
  publisher: JanusHandle;
  feed?: number;
}

export class JanusDriver implements LoadDriver {
  readonly #sessions: JanusSession[] = [];
  #control: Promise<JanusHandle> | undefined;
  // Random so that two runs against the same Janus could not collide; Janus rooms are numbers.
  #nextRoomId = 1_000_000 + Math.floor(Math.random() * 1_000_000);

  constructor(private readonly ctx: DriverContext) {}

  async addRoom(room: string, size: number): Promise<void> {
    const roomId = this.#nextRoomId++;
    const control = await this.#controlHandle();
    await control.message({
      request: 'create',
      room: roomId,
      description: room,
      publishers: size,
      bitrate: 0,
      bitrate_cap: false,
      videocodec: 'vp8',
      audiocodec: 'opus',
    });
    const members: Participant[] = [];
    for (let i = 0; i < size; i++) {
      const user = `${room}-u${i}`;
      const session = await this.#session(user);
      const publisher = await session.attach(VIDEOROOM);
      publisher.onHangup = (reason) => this.ctx.onError(`${user}: publisher hung up (${reason})`);
      members.push({ user, session, publisher });
    }
    await inPool(members, 10, (p) => this.#publish(p, roomId));
    const pairs = members.flatMap((p) => members.filter((o) => o !== p).map((o) => [p, o] as const));
    await inPool(pairs, 24, ([p, sender]) => this.#subscribe(p, sender, roomId));
  }

  close(): void {
    for (const s of this.#sessions) s.close();
  }

  async #publish(p: Participant, room: number): Promise<void> {
    const peer = this.ctx.peers.publisher(p.user);
    const sdp = await peer.offer();
    const reply = await p.publisher.message(
      { request: 'joinandconfigure', room, ptype: 'publisher', display: p.user, audio: true, video: true },
      { type: 'offer', sdp, trickle: false },
    );
    if (!reply.jsep) throw new Error(`joinandconfigure ${p.user}: no answer SDP`);
    p.feed = Number(reply.data.id);
    peer.accept(reply.jsep.sdp);
  }

  async #subscribe(p: Participant, sender: Participant, room: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const upInTime = await Promise.race([
      sender.publisher.up.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PUBLISHER_UP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    // Subscribed anyway: Janus then refuses, and the error says which publisher never came up.
    if (!upInTime) this.ctx.onError(`${sender.user}: publisher not up ${PUBLISHER_UP_TIMEOUT_MS / 1000} s after its answer`);
    const handle = await p.session.attach(VIDEOROOM);
    handle.onHangup = (reason) => this.ctx.onError(`${p.user} <- ${sender.user}: subscriber hung up (${reason})`);
    const peer = this.ctx.peers.answeringSubscriber(p.user, sender.user);
    const joined = await handle.message({ request: 'join', room, ptype: 'subscriber', streams: [{ feed: sender.feed }] });
    if (!joined.jsep) throw new Error(`subscribe ${p.user} <- ${sender.user}: no offer SDP`);
    const sdp = await peer.answer(joined.jsep.sdp);
    await handle.message({ request: 'start' }, { type: 'answer', sdp, trickle: false });
  }

  async #session(user: string): Promise<JanusSession> {
    const session = await JanusSession.connect(this.ctx.wsUrl);
    session.onClose = () => this.ctx.onError(`${user}: Janus socket closed`);
    this.#sessions.push(session);
    return session;
  }

  /** A handle of its own for room management, like an application's back end would use. */
  #controlHandle(): Promise<JanusHandle> {
    this.#control ??= this.#session('control').then((s) => s.attach(VIDEOROOM));
    return this.#control;
  }
}
