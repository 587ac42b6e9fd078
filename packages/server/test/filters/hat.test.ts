/**
 * The hat filter end to end: a publisher sends a real photo of a face (scikit-image's public-domain
 * astronaut.png from Debian's python3-skimage) through libwebrtc, the server runs it through the
 * GStreamer face overlay pipeline, and a subscriber (and the loopback) decode frames whose pixels
 * above the face differ from the photo while the hat is on, and match it again once it is off.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { createHatRequestHandler, createRoomServer, type RoomServer } from '../../src/index.js';
import { probeGstreamer } from '../../src/media/werift/gstSupport.js';
import { MediaUser } from '../helpers/MediaUser.js';
import { eventually, type RpcTestClient } from '../helpers/RpcTestClient.js';
import type { DecodedFrame } from '../helpers/wrtcPeers.js';

const PHOTO = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const W = 640;
const H = 480;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Why the GStreamer tests cannot run here, or undefined when they can. */
async function skipReason(): Promise<string | undefined> {
  const support = await probeGstreamer();
  if (!support.available) return `GStreamer filter support missing (${support.reason}; install ${support.missing.join(' ')})`;
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  } catch {
    return 'ffmpeg is not installed';
  }
  if (!existsSync(PHOTO)) return `${PHOTO} is missing (package python3-skimage)`;
  return undefined;
}
const reason = await skipReason();
if (reason) console.log(`# skipping the GStreamer hat filter tests: ${reason}`);

/** gst-launch / wrapper processes of face overlay filters, found in /proc. */
function filterProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('faceoverlay') && cmd.includes('udpsrc')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function gstLaunchPid(): number | undefined {
  return filterProcesses().find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('gst-launch-1.0'));
}

/** Mean absolute luma difference between a decoded frame and the source picture inside `box` (source coordinates). */
function lumaDiff(frame: DecodedFrame, picture: Uint8Array, box: Box): number {
  const sx = frame.width / W;
  const sy = frame.height / H;
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, Math.round(box.y)); y < Math.min(H, Math.round(box.y + box.h)); y++) {
    for (let x = Math.max(0, Math.round(box.x)); x < Math.min(W, Math.round(box.x + box.w)); x++) {
      const fx = Math.min(frame.width - 1, Math.floor(x * sx));
      const fy = Math.min(frame.height - 1, Math.floor(y * sy));
      sum += Math.abs(frame.data[fy * frame.width + fx]! - picture[y * W + x]!);
      n++;
    }
  }
  return sum / n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hat filter (GStreamer face overlay)', { skip: reason }, () => {
  let dir: string;
  let picture: Uint8Array;
  let face: Box;
  let above: Box;
  let control: Box;
  let server: RoomServer;
  let users: MediaUser[] = [];

  before(async () => {
    dir = mkdtempSync(pathJoin(tmpdir(), 'hat-test-'));
    // The 512x512 photo scaled into a 640x480 frame on a light grey background, with room above the head.
    const vf = 'scale=384:384,pad=640:480:128:96:color=0xc0c0c0';
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', PHOTO, '-vf', vf, '-pix_fmt', 'yuv420p', '-f', 'rawvideo', pathJoin(dir, 'face.yuv')]);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', PHOTO, '-vf', vf, pathJoin(dir, 'face.png')]);
    picture = new Uint8Array(readFileSync(pathJoin(dir, 'face.yuv')));
    assert.equal(picture.length, (W * H * 3) / 2);
    // Where GStreamer's facedetect finds the face in the still picture.
    const out = execFileSync('gst-launch-1.0', ['-m', 'filesrc', `location=${pathJoin(dir, 'face.png')}`, '!', 'pngdec', '!', 'videoconvert', '!', 'facedetect', 'display=false', '!', 'fakesink'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).toString();
    const m = /x=\(uint\)(\d+), y=\(uint\)(\d+), width=\(uint\)(\d+), height=\(uint\)(\d+)/.exec(out.replace(/\\/g, ''));
    assert.ok(m, `facedetect found no face in the test picture: ${out.slice(0, 500)}`);
    face = { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) };
    // Between the forehead and most of a face height above it: where the hat's crown goes.
    above = { x: face.x, y: face.y - 0.85 * face.h, w: face.w, h: 0.7 * face.h };
    // Far from the face: the lower left of the photo, untouched by the hat.
    control = { x: 140, y: 380, w: 100, h: 90 };
    console.log(`# face at ${JSON.stringify(face)}; region above ${JSON.stringify(above)}`);
    server = await createRoomServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      reconnectionGraceMs: 200,
      customRequestHandler: createHatRequestHandler(),
    });
  });

  after(async () => {
    await server?.close();
    assert.deepEqual(filterProcesses(), [], 'no filter process after server close');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const u of users) u.close();
    users = [];
    await eventually(async () => {
      const s = await server.stats();
      return s.rooms === 0 && s.media.peerConnections === 0 && s.media.videoFilters === 0;
    }, 8000, 'the server to release everything');
    await eventually(async () => filterProcesses().length === 0, 5000, 'no filter process left');
  });

  async function join(name: string, room: string): Promise<MediaUser> {
    const u = await MediaUser.join(server.wsUrl, name, room);
    users.push(u);
    return u;
  }

  async function hat(rpc: RpcTestClient, on: boolean) {
    return rpc.request('customRequest', { hat: on }, 20_000);
  }

  async function publishFace(u: MediaUser, loopback = false) {
    return u.publish({ picture, width: W, height: H, fps: 15, audio: false, loopback });
  }

  /** Waits for a few fresh frames and returns the latest. */
  async function freshFrame(get: () => DecodedFrame | undefined, count: () => number, what = 'subscriber'): Promise<DecodedFrame> {
    const start = count();
    await eventually(async () => count() >= start + 5, 10_000, `fresh ${what} frames (at ${start}, now ${count()})`);
    return get()!;
  }

  it('hat on: subscribers and the loopback see pixels above the face change; hat off: they match the photo again', async (t) => {
    const alice = await join('alice', 'hat');
    const bob = await join('bob', 'hat');
    const pub = await publishFace(alice, true);
    const sub = await bob.subscribe('alice', { audio: false });
    await sub.waitForFrames(20, 20_000);
    await pub.waitForFramesReceived(20, 20_000);
    await sleep(1500); // let the encoder reach its steady quality

    const frameOf = () => freshFrame(() => sub.lastFrame(), () => sub.framesDecoded());
    const loopOf = () => freshFrame(() => pub.lastFrameReceived(), () => pub.framesReceived(), 'loopback');
    let frame = await frameOf();
    const before = { above: lumaDiff(frame, picture, above), control: lumaDiff(frame, picture, control), size: `${frame.width}x${frame.height}` };

    const onAt = sub.frameArrivals().length;
    const on = await hat(alice.rpc, true);
    assert.equal(on.error, undefined, JSON.stringify(on.error));
    assert.deepEqual(Object.keys(on.result!).filter((k) => k !== 'sessionId'), []);
    assert.equal((await server.stats()).media.videoFilters, 1);
    assert.equal(filterProcesses().length > 0, true, 'a filter process runs');
    await sleep(2500);
    frame = await frameOf();
    const loop = await loopOf();
    const withHat = { above: lumaDiff(frame, picture, above), control: lumaDiff(frame, picture, control), loopAbove: lumaDiff(loop, picture, above) };
    const gapOn = maxGap(sub.frameArrivals().slice(Math.max(0, onAt - 1)));

    const again = await hat(alice.rpc, true);
    assert.equal(again.error?.code, -1);
    assert.equal(again.error?.message, 'HAT filter already on');

    const offAt = sub.frameArrivals().length;
    const off = await hat(alice.rpc, false);
    assert.equal(off.error, undefined, JSON.stringify(off.error));
    assert.equal((await server.stats()).media.videoFilters, 0);
    assert.deepEqual(filterProcesses(), [], 'the filter process ended with hat:false');
    await sleep(1500);
    frame = await frameOf();
    const afterOff = { above: lumaDiff(frame, picture, above), control: lumaDiff(frame, picture, control), loopAbove: lumaDiff(await loopOf(), picture, above) };
    const gapOff = maxGap(sub.frameArrivals().slice(Math.max(0, offAt - 1)));

    const twice = await hat(alice.rpc, false);
    assert.equal(twice.error?.code, -1);
    assert.equal(twice.error?.message, 'This user has no HAT filter yet');

    const report = { before, withHat, afterOff, maxGapMs: { on: Math.round(gapOn), off: Math.round(gapOff) } };
    t.diagnostic(`mean |luma difference| to the photo: ${JSON.stringify(report)}`);
    console.log(`# measured: ${JSON.stringify(report)}`);
    // The photo comes through the codec nearly unchanged; the hat changes the region above the face a lot.
    assert.ok(before.above < 15, `before the hat the region above the face matches the photo (${before.above})`);
    assert.ok(withHat.above > 40, `with the hat the region above the face differs (${withHat.above})`);
    assert.ok(withHat.loopAbove > 40, `the loopback shows the hat too (${withHat.loopAbove})`);
    assert.ok(withHat.control < 15, `the rest of the picture is still the photo (${withHat.control})`);
    assert.ok(afterOff.above < 15, `after hat:false the region above the face matches the photo again (${afterOff.above})`);
    assert.ok(afterOff.loopAbove < 15, `and in the loopback (${afterOff.loopAbove})`);
    // The video keeps coming across both switches. The longest gap between decoded frames is a
    // timing figure (the budget is under a second): it is reported above, not asserted,
    // since a loaded CI machine would turn it into a flaky test.
    assert.ok(offAt - onAt > 10, `frames kept arriving while the hat went on (${offAt - onAt})`);
    assert.ok(sub.frameArrivals().length - offAt > 5, `and after it went off (${sub.frameArrivals().length - offAt})`);
  });

  it('a user who is not publishing, or sends no hat element, gets a clear error', async () => {
    const carol = await join('carol', 'nopub');
    const r = await hat(carol.rpc, true);
    assert.equal(r.error?.code, 105);
    assert.match(r.error!.message, /carol.*not publishing/);
    const missing = await carol.rpc.request('customRequest', { helmet: true });
    assert.equal(missing.error?.code, -1);
    assert.equal(missing.error?.message, "Request element 'hat' is missing");
    const off = await hat(carol.rpc, false);
    assert.equal(off.error?.code, 105);
  });

  it('unpublish, leave, socket loss and room close end the filter process', async () => {
    const steps: Array<[string, (u: MediaUser, room: string) => Promise<unknown>]> = [
      ['unpublish', (u) => u.unpublish()],
      ['leave', (u) => u.rpc.request('leaveRoom', {})],
      ['socket loss', async (u) => u.close()],
      ['room close', (_u, room) => fetch(`${server.url}/close?room=${room}`)],
    ];
    let i = 0;
    for (const [what, end] of steps) {
      const room = `ends${i++}`;
      const u = await join('dave', room);
      const watcher = await join('erin', room);
      await publishFace(u);
      await watcher.subscribe('dave', { audio: false });
      const r = await hat(u.rpc, true);
      assert.equal(r.error, undefined, `${what}: ${JSON.stringify(r.error)}`);
      assert.ok(filterProcesses().length > 0, `${what}: filter running`);
      await end(u, room);
      await eventually(async () => filterProcesses().length === 0, 5000, `no filter process after ${what}`);
      await eventually(async () => (await server.stats()).media.videoFilters === 0, 5000, `engine has no filter after ${what}`);
    }
  });

  it('when the filter process dies, the original video flows again and the hat can be put on anew', async () => {
    const fay = await join('fay', 'dies');
    const gus = await join('gus', 'dies');
    await publishFace(fay);
    const sub = await gus.subscribe('fay', { audio: false });
    await sub.waitForFrames(10, 20_000);
    assert.equal((await hat(fay.rpc, true)).error, undefined);
    await sleep(2500);
    assert.ok(lumaDiff(await freshFrame(() => sub.lastFrame(), () => sub.framesDecoded()), picture, above) > 40, 'hat visible');
    const pid = gstLaunchPid();
    assert.ok(pid, 'gst-launch-1.0 process found');
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (await server.stats()).media.videoFilters === 0, 5000, 'the engine notices the dead filter');
    await eventually(async () => filterProcesses().length === 0, 5000, 'the wrapper ends too');
    await sleep(1500);
    const diff = lumaDiff(await freshFrame(() => sub.lastFrame(), () => sub.framesDecoded()), picture, above);
    assert.ok(diff < 15, `original video again (${diff})`);
    const off = await hat(fay.rpc, false);
    assert.equal(off.error?.message, 'This user has no HAT filter yet');
    assert.equal((await hat(fay.rpc, true)).error, undefined);
    assert.equal((await hat(fay.rpc, false)).error, undefined);
  });
});

function maxGap(times: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

describe('hat filter without GStreamer', () => {
  it('answers with an error naming the missing packages, and media still flows', async () => {
    const server = await createRoomServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      customRequestHandler: createHatRequestHandler(),
      media: { filters: { gstreamer: { binDir: '/nonexistent-gstreamer' } } },
    });
    const users: MediaUser[] = [];
    try {
      const support = await server.filterSupport();
      assert.equal(support.available, false);
      const a = await MediaUser.join(server.wsUrl, 'a', 'nogst');
      const b = await MediaUser.join(server.wsUrl, 'b', 'nogst');
      users.push(a, b);
      await a.publish({ audio: false });
      const sub = await b.subscribe('a', { audio: false });
      await sub.waitForFrames(5, 20_000);
      const r = await a.rpc.request('customRequest', { hat: true });
      assert.equal(r.error?.code, 301);
      for (const pkg of ['gstreamer1.0-tools', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-opencv']) {
        assert.ok(r.error!.message.includes(pkg), `${pkg} named in: ${r.error!.message}`);
      }
      const off = await a.rpc.request('customRequest', { hat: false });
      assert.equal(off.error?.message, 'This user has no HAT filter yet');
      const before = sub.framesDecoded();
      await eventually(async () => sub.framesDecoded() > before + 5, 10_000, 'video still flows');
      assert.equal((await server.stats()).media.videoFilters, 0);
    } finally {
      for (const u of users) u.close();
      await server.close();
    }
  });
});
