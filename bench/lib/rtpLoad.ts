/**
 * The SFU load generator, run in its own process (started by rtpLoadHandle.ts over IPC) so that
 * its CPU time is measured apart from the server's. Its peers are node-datachannel (load/peers.ts)
 * sending synthetic RTP (load/rtpStreams.ts), counted by load/meter.ts; the signalling is a driver
 * per server under test (load/driver.ts): our Kurento Room protocol or Janus VideoRoom. The target
 * (driver, WebSocket URL, local address of the peers) is this process's one argument, as JSON.
 *
 * IPC requests (each answered with { type: 'reply', id, ok, ... }):
 *   { type: 'addRooms', id, rooms: string[], participants }  — then waits (at most 15 s) for
 *       every peer to be connected; answers the peer count and their states
 *   { type: 'startWindow', id }  — zero the receive counters and latency samples
 *   { type: 'stopWindow', id }   — per-stream loss, latency percentiles, generator CPU
 *   { type: 'media', id, on }   — start or hold the publishers' RTP (on by default)
 *   { type: 'close', id }
 */
import nodeDataChannel from 'node-datachannel';
import type { LoadDriver, LoadTarget } from './load/driver.js';
import { JanusDriver } from './load/janusDriver.js';
import { KurentoRoomDriver } from './load/kurentoRoomDriver.js';
import { Meter } from './load/meter.js';
import { Peers } from './load/peers.js';

const target = JSON.parse(process.argv[2] ?? '{}') as LoadTarget;
const meter = new Meter();
const peers = new Peers(target.bindAddress, meter);
let errors: string[] = [];
const ctx = { wsUrl: target.wsUrl, peers, onError: (message: string) => errors.push(message) };
const driver: LoadDriver = target.driver === 'janus' ? new JanusDriver(ctx) : new KurentoRoomDriver(ctx);

async function addRooms(rooms: string[], participants: number): Promise<void> {
  for (const room of rooms) await driver.addRoom(room, participants);
  // Peers still not connected after this are left as they are and reported: their streams count as lost.
  await peers.waitConnected(15_000);
}

type Request =
  | { type: 'addRooms'; id: number; rooms: string[]; participants: number }
  | { type: 'startWindow'; id: number }
  | { type: 'stopWindow'; id: number }
  | { type: 'media'; id: number; on: boolean }
  | { type: 'close'; id: number };

function shutdown(): void {
  meter.stop();
  driver.close();
  peers.close();
  nodeDataChannel.cleanup();
  process.exit(0);
}

process.on('message', (raw) => {
  const m = raw as Request;
  const reply = (body: Record<string, unknown>) => process.send?.({ type: 'reply', id: m.id, ...body });
  if (m.type === 'addRooms') {
    addRooms(m.rooms, m.participants).then(
      () => reply({ ok: true, peers: peers.count, states: peers.states(), notConnected: peers.notConnected() }),
      (e: unknown) => reply({ ok: false, error: (e as Error).message }),
    );
  } else if (m.type === 'startWindow') {
    errors = [];
    meter.startWindow();
    reply({ ok: true });
  } else if (m.type === 'stopWindow') {
    reply({ ok: true, ...meter.stopWindow(), errors: errors.slice(0, 10), peerStates: peers.states() });
  } else if (m.type === 'media') {
    meter.sending = m.on;
    reply({ ok: true });
  } else if (m.type === 'close') {
    reply({ ok: true });
    setTimeout(shutdown, 50);
  }
});
process.on('disconnect', shutdown);
process.send?.({ type: 'ready' });
