/**
 * A participant in a process of its own, for tests that kill it (SIGKILL: no DTLS close_notify,
 * no WebSocket close frame; what a crashed browser does). Usage:
 *   node --import tsx --conditions=source killablePeer.ts <wsUrl> <room> <user> publish
 *   node --import tsx --conditions=source killablePeer.ts <wsUrl> <room> <user> subscribe <publisher>
 * Prints `READY` once its media flows (a subscriber has decoded frames, a publisher is connected
 * and has sent frames), then waits to be killed.
 */
import { MediaUser } from './MediaUser.js';

const [wsUrl, room, user, role, publisher] = process.argv.slice(2);
if (!wsUrl || !room || !user || (role !== 'publish' && !(role === 'subscribe' && publisher))) {
  console.error('usage: killablePeer.ts <wsUrl> <room> <user> publish | subscribe <publisher>');
  process.exit(2);
}
const me = await MediaUser.join(wsUrl, user, room);
if (role === 'publish') {
  const peer = await me.publish({ width: 160, height: 120, fps: 15 });
  await peer.waitForConnected(15_000);
  while (peer.framesSent() < 10) await new Promise((r) => setTimeout(r, 50));
} else {
  const peer = await me.subscribe(publisher!);
  await peer.waitForFrames(5, 15_000);
}
process.stdout.write('READY\n');
// Nothing keeps the event loop busy otherwise once media flows only in libwebrtc's threads.
setInterval(() => {}, 60_000);
