/**
 * Gauges of the live state, read when Prometheus scrapes (never kept up by increments, which
 * drift when one path forgets one): the same figures as /api/stats.
 */
import { Gauge, type Registry } from 'prom-client';
import { PREFIX } from './names.js';
import type { ScrapeSnapshot, Snapshot } from './ScrapeSnapshot.js';

const LIVE: ReadonlyArray<[name: string, help: string, read: (s: Snapshot) => number]> = [
  ['rooms', 'Rooms open', (s) => s.stats.rooms],
  ['participants', 'Participants in the rooms', (s) => s.stats.participants],
  ['publishers', 'Streams published by participants (room model)', (s) => s.stats.publishers],
  ['subscriptions', "Participants' subscriptions to published streams (room model)", (s) => s.stats.subscriptions],
  ['pending_ice_candidates', 'ICE candidates of clients held until their endpoint exists', (s) => s.stats.pendingCandidates],
  ['sessions', 'JSON-RPC sessions, with or without a socket', (s) => s.stats.sessions],
  ['sessions_in_grace', 'JSON-RPC sessions that lost their socket and are kept for a reconnection', (s) => s.stats.sessionsInGrace],
  ['websocket_connections', 'Open WebSocket connections on /room', (s) => s.stats.connections],
  ['media_publishers', 'Publisher endpoints of the media engine (a peer connection receiving a participant\'s media)', (s) => s.stats.media.publishers],
  ['media_subscribers', 'Subscriber endpoints of the media engine (a peer connection sending one publisher\'s media)', (s) => s.stats.media.subscribers],
  ['peer_connections', 'Peer connections held by the media engine', (s) => s.stats.media.peerConnections],
  ['video_filters', 'Video filters running (one GStreamer process each)', (s) => s.stats.media.videoFilters],
  ['media_workers', 'Worker threads running media now, each started when it is first given a room (0: none yet, or media runs in the main thread)', (s) => s.stats.media.workers ?? 0],
];

export function registerLiveGauges(registry: Registry, snapshot: ScrapeSnapshot): void {
  for (const [name, help, read] of LIVE) {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      async collect() {
        this.set(read(await snapshot.get()));
      },
    });
  }
}
