import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KurentoRoomClient } from '../src/index.js';
import { FakePeerConnection } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, until } from './support/harness.js';

/** Just enough of the DOM for the original's helpers. */
class FakeElement {
  id = '';
  className = '';
  title = '';
  textContent = '';
  src = '';
  autoplay = false;
  playsInline = false;
  controls = true;
  muted = false;
  srcObject: unknown = null;
  style: { display: string } = { display: 'none' };
  children: FakeElement[] = [];
  parent?: FakeElement;
  listeners: Record<string, (() => void)[]> = {};
  constructor(
    readonly tagName: string,
    private readonly doc: FakeDocument,
  ) {}
  appendChild(child: FakeElement) {
    child.parent = this;
    this.children.push(child);
    this.doc.all.push(child);
    return child;
  }
  remove() {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
    this.doc.all = this.doc.all.filter((e) => e !== this);
    this.parent = undefined;
  }
  addEventListener(type: string, fn: () => void) {
    (this.listeners[type] ??= []).push(fn);
  }
}
class FakeDocument {
  all: FakeElement[] = [];
  createElement(tag: string) {
    return new FakeElement(tag, this);
  }
  getElementById(id: string) {
    return this.all.find((e) => e.id === id) ?? null;
  }
  add(id: string) {
    const element = new FakeElement('div', this);
    element.id = id;
    this.all.push(element);
    return element;
  }
}

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
let doc: FakeDocument;
beforeEach(async () => {
  FakePeerConnection.reset();
  doc = new FakeDocument();
  server = await FakeRoomServer.start({
    joinRoom: () => ({ value: [{ id: 'alice_in_wonderland_land', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID }),
  });
  kurento = await connect(server, { document: doc as unknown as Document });
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

test('playOnlyVideo: a muted native-video element with srcObject for the local stream, thumbnail shown', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const stream = kurento.Stream(room, {});
  await stream.init();
  const parent = doc.add('local');
  const thumb = doc.add('thumb');
  const video = stream.playOnlyVideo('local', 'thumb') as unknown as FakeElement;
  assert.equal(video.tagName, 'video');
  assert.equal(video.id, 'native-video-bob_webcam');
  assert.equal(video.autoplay, true);
  assert.equal(video.muted, true);
  assert.equal(video.srcObject, stream.getMediaStream());
  assert.equal(video.parent, parent);
  assert.equal(thumb.style.display, '');
  assert.throws(() => stream.playOnlyVideo('missing'), /No element with id 'missing'/);
  stream.dispose();
  assert.equal(doc.getElementById('native-video-bob_webcam'), null);
});

test('playThumbnail: container, name tag cut to 16 characters, spinner until media, srcObject once subscribed', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob', subscribeToStreams: false });
  await room.connect();
  const thumbs = doc.add('participants');
  const remote = room.getStreams()['alice_in_wonderland_land_webcam']!;
  const video = remote.playThumbnail('participants') as unknown as FakeElement;
  const container = doc.getElementById('alice_in_wonderland_land_webcam')!;
  assert.equal(container.className, 'participant');
  assert.equal(container.parent, thumbs);
  const name = doc.getElementById('name-alice_in_wonderland_land_webcam')!;
  assert.equal(name.className, 'name');
  assert.equal(name.textContent, 'alice_in_wonderl...');
  assert.ok(doc.getElementById('progress-alice_in_wonderland_land_webcam'), 'spinner while waiting');
  assert.equal(video.parent, container);
  assert.equal(video.muted, false);
  assert.equal(video.srcObject, null);
  await room.subscribe(remote);
  await until(() => video.srcObject !== null, 'srcObject');
  assert.equal(video.srcObject, remote.getMediaStream());
  for (const fn of video.listeners['playing'] ?? []) fn();
  assert.equal(doc.getElementById('progress-alice_in_wonderland_land_webcam'), null);
});
