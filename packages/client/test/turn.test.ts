// STUN/TURN handed out by the server (issue 12, item 5): coturn from Debian on loopback with
// REST-API credentials, the server's join result carrying them, and clients forced to relay
// (iceTransportPolicy 'relay') that still exchange decoded video through it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import { WebSocket } from 'ws';
import { coturnAvailable, startCoturn, type Coturn } from '../../../testing/coturn.js';
import { KurentoRoom, type KurentoRoomClient, type Room, type Stream } from '../src/index.js';
import { until } from './support/harness.js';
import { countDecodedFrames, stopAllMedia, syntheticGetUserMedia, type FrameCounter } from './support/nodeMedia.js';

describe('media relayed through coturn with the credentials from the join result', { skip: !coturnAvailable() && 'coturn (turnserver) is not installed' }, () => {
  let turn: Coturn;
  let server: RoomServer;
  const clients: KurentoRoomClient[] = [];
  before(async () => {
    turn = await startCoturn();
    server = await createRoomServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      media: { workers: 1 },
      ice: { turn: { urls: [turn.url], secret: turn.secret, ttlSeconds: 600 } },
    });
  });
  after(async () => {
    for (const k of clients) await k.close().catch(() => undefined);
    stopAllMedia();
    await server?.close();
    await turn?.stop();
  });

  /** Joins relay-only, counting the decoded frames of every stream it receives as `<user><-<publisher>`. */
  async function joinRelayed(user: string, counters: Map<string, FrameCounter>): Promise<{ kurento: KurentoRoomClient; room: Room; local: Stream }> {
    const kurento = await new Promise<KurentoRoomClient>((resolve, reject) =>
      KurentoRoom(server.wsUrl, (error, k) => (error ? reject(error) : resolve(k!)), {
        WebSocket: WebSocket as any,
        RTCPeerConnection: wrtc.RTCPeerConnection as any,
        getUserMedia: syntheticGetUserMedia({ width: 320, height: 240, fps: 15 }),
        // No host or server-reflexive candidates: only the TURN server can carry the media.
        rtcConfiguration: { iceTransportPolicy: 'relay' },
        requestTimeout: 10_000,
      }),
    );
    clients.push(kurento);
    const room = kurento.Room({ room: 'relayed', user });
    room.on('stream-subscribed', ({ stream }) => {
      if (!stream.isLocal()) counters.set(`${user}<-${stream.getParticipant().getID()}`, countDecodedFrames(stream.getMediaStream()!));
    });
    const local = kurento.Stream(room, {});
    await local.init();
    await room.connect();
    await local.publish();
    return { kurento, room, local };
  }

  /** The local candidate type of the pair a connection selected. */
  async function selectedLocalType(pc: RTCPeerConnection): Promise<string | undefined> {
    const stats = await pc.getStats();
    let pairId: string | undefined;
    stats.forEach((s: any) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    stats.forEach((s: any) => {
      if (!pairId && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id;
    });
    const pair: any = pairId ? stats.get(pairId) : undefined;
    return pair ? (stats.get(pair.localCandidateId) as any)?.candidateType : undefined;
  }

  it('two relay-only clients decode each other through coturn', async () => {
    const counters = new Map<string, FrameCounter>();
    const alice = await joinRelayed('alice', counters);
    const bob = await joinRelayed('bob', counters);
    // bob found alice in the join result and subscribes at once; alice subscribes on participantPublished.
    await until(() => (counters.get('bob<-alice')?.frames ?? 0) >= 10 && (counters.get('alice<-bob')?.frames ?? 0) >= 10, 'frames both ways', 30_000);
    for (const pc of [alice.local.getRTCPeerConnection()!, bob.room.getStreams().alice_webcam!.getRTCPeerConnection()!]) {
      assert.equal(await selectedLocalType(pc), 'relay', 'the media goes through the TURN server');
    }
    for (const c of counters.values()) c.stop();
  });
});
