// Speakers from the server (activeSpeakersChanged) in the client: the client's own detection
// stays off (or goes off at the first list), and the server's lists make stream-speaking,
// stream-stopped-speaking, active-speakers-changed and update-main-speaker. The fake Web Audio
// reports a loud level throughout: any speaker event of the client's own detector would show.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KurentoRoomClient, Room } from '../src/index.js';
import type { Stream } from '../src/Stream.js';
import { FakeAudioContext } from './support/fakeAudio.js';
import { FakePeerConnection } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID, type Handler } from './support/fakeServer.js';
import { connect, delay, record, until } from './support/harness.js';

const PEERS = { value: [{ id: 'alice', streams: [{ id: 'webcam' }] }, { id: 'bob', streams: [{ id: 'webcam' }, { id: 'screen' }] }], sessionId: SESSION_ID };

/** joinRoom as this server answers it: the result, then the room's speakers (none). */
const detectingJoin: Handler = (_params, server) => {
  setTimeout(() => server.notify('activeSpeakersChanged', { speakers: [] }), 0);
  return PEERS;
};

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
beforeEach(() => {
  FakePeerConnection.reset();
  FakeAudioContext.instances = [];
  FakeAudioContext.level = -10;
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

async function start(joinRoom: Handler, updateSpeakerInterval = 60_000): Promise<Room> {
  server = await FakeRoomServer.start({ joinRoom });
  kurento = await connect(server, { AudioContext: FakeAudioContext as any });
  return kurento.Room({ room: 'r1', user: 'me', updateSpeakerInterval });
}

const speakers = (...entries: Array<[string, string]>) => ({ speakers: entries.map(([id, streamId]) => ({ id, streamId })) });
const ids = (streams: Stream[]) => streams.map((s) => s.getGlobalID());
const LOGGED = ['stream-speaking', 'stream-stopped-speaking', 'active-speakers-changed', 'update-main-speaker'] as const;

/** The log with active-speakers-changed payloads as global ids. */
function readable(log: [unknown, unknown][]): unknown[] {
  return log.map(([type, payload]) =>
    type === 'active-speakers-changed' ? [type, ids((payload as { streams: Stream[] }).streams)] : [type, (payload as { participantId: string }).participantId],
  );
}

test("the server's lists make the speaker events; the client's own detector never starts", async () => {
  const room = await start(detectingJoin);
  const log = record(room, [...LOGGED]);
  const local = kurento.Stream(room, { audio: true, video: true });
  await local.init();
  await room.connect();
  await local.publish();
  await until(() => ['alice_webcam', 'bob_webcam', 'bob_screen'].every((id) => room.getStreams()[id]?.isConnected() === true), 'subscribed');
  await delay(150);
  assert.equal(FakeAudioContext.instances.length, 0, 'no AudioContext: the client does not listen itself');
  assert.deepEqual(readable(log), [['active-speakers-changed', []]], 'the list after the join result, empty');
  log.length = 0;

  server.notify('activeSpeakersChanged', speakers(['bob', 'screen'], ['alice', 'webcam']));
  await until(() => log.length >= 4, 'events of the first list');
  assert.deepEqual(readable(log), [
    ['stream-speaking', 'bob_screen'],
    ['stream-speaking', 'alice_webcam'],
    ['active-speakers-changed', ['bob_screen', 'alice_webcam']],
    ['update-main-speaker', 'bob_screen'],
  ]);
  const changed = log.find(([t]) => t === 'active-speakers-changed')![1] as { streams: Stream[] };
  assert.equal(changed.streams[0], room.getStreams()['bob_screen'], 'the Stream objects of the room');

  log.length = 0;
  server.notify('activeSpeakersChanged', speakers(['me', 'webcam'], ['alice', 'webcam']));
  await until(() => log.some(([t]) => t === 'update-main-speaker'), 'the new main speaker');
  assert.deepEqual(readable(log), [
    ['stream-stopped-speaking', 'bob_screen'],
    ['stream-speaking', 'me_webcam'],
    ['active-speakers-changed', ['me_webcam', 'alice_webcam']],
    ['update-main-speaker', 'alice_webcam'],
  ], 'one\'s own stream speaks but the main speaker is the loudest remote one');
  assert.equal((log[2]![1] as { streams: Stream[] }).streams[0], local);

  log.length = 0;
  // Unknown users and streams are left out; only the local stream speaks: no main speaker.
  server.notify('activeSpeakersChanged', speakers(['me', 'webcam'], ['nobody', 'webcam'], ['alice', 'nothing']));
  await until(() => log.some(([t]) => t === 'active-speakers-changed'), 'the third list');
  server.notify('activeSpeakersChanged', speakers());
  await until(() => log.filter(([t]) => t === 'active-speakers-changed').length === 2, 'the empty list');
  assert.deepEqual(readable(log), [
    ['stream-stopped-speaking', 'alice_webcam'],
    ['active-speakers-changed', ['me_webcam']],
    ['stream-stopped-speaking', 'me_webcam'],
    ['active-speakers-changed', []],
  ]);
  assert.equal(FakeAudioContext.instances.length, 0);
});

test('update-main-speaker repeats every updateSpeakerInterval while the loudest remote stream speaks', async () => {
  const room = await start(detectingJoin, 30);
  const log = record(room, ['update-main-speaker']);
  await room.connect();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  server.notify('activeSpeakersChanged', speakers(['alice', 'webcam']));
  await until(() => log.length >= 3, 'repeated update-main-speaker');
  assert.ok(log.every(([, p]) => (p as { participantId: string }).participantId === 'alice_webcam'));
  server.notify('activeSpeakersChanged', speakers());
  await delay(100);
  const count = log.length;
  await delay(150);
  assert.equal(log.length, count, 'none while nobody speaks');
});

test("a speaking stream that goes away leaves the speakers before it is removed, even if the server's list has not said so", async () => {
  const room = await start(detectingJoin);
  await room.connect();
  await until(() => room.getStreams()['bob_screen']?.isConnected() === true, 'subscribed');
  const log = record(room, [...LOGGED, 'stream-removed']);
  server.notify('activeSpeakersChanged', speakers(['alice', 'webcam'], ['bob', 'screen']));
  await until(() => log.some(([t]) => t === 'active-speakers-changed'), 'the list');
  log.length = 0;
  server.notify('participantUnpublished', { name: 'bob', streamId: 'screen' });
  await until(() => log.some(([t]) => t === 'stream-removed'), 'stream-removed');
  assert.deepEqual(readable(log.filter(([t]) => t !== 'stream-removed')), [
    ['stream-stopped-speaking', 'bob_screen'],
    ['active-speakers-changed', ['alice_webcam']],
  ]);
  assert.equal(log.at(-1)![0], 'stream-removed');
  log.length = 0;
  server.notify('participantLeft', { name: 'alice' });
  await until(() => log.some(([t]) => t === 'stream-removed'), 'alice removed');
  assert.deepEqual(readable(log.filter(([t]) => t !== 'stream-removed')), [
    ['stream-stopped-speaking', 'alice_webcam'],
    ['active-speakers-changed', []],
  ]);
});

test('with an original server the client listens itself, and the first activeSpeakersChanged switches that off', async () => {
  // No activeSpeakersChanged after this join: an original server.
  const room = await start(() => PEERS);
  const log = record(room, [...LOGGED]);
  await room.connect();
  await until(() => log.filter(([t]) => t === 'stream-speaking').length === 3, "the client's own detection hears all three");
  assert.equal(FakeAudioContext.instances.length, 1);
  assert.ok(!log.some(([t]) => t === 'active-speakers-changed'));
  log.length = 0;

  server.notify('activeSpeakersChanged', speakers(['alice', 'webcam']));
  await until(() => log.some(([t]) => t === 'active-speakers-changed'), 'the server list');
  assert.ok(FakeAudioContext.instances[0]!.sources.every((s) => s.disconnected), 'every detector stopped');
  // The detectors' own stop, then the server's list.
  assert.deepEqual(readable(log).slice(-3), [
    ['stream-speaking', 'alice_webcam'],
    ['active-speakers-changed', ['alice_webcam']],
    ['update-main-speaker', 'alice_webcam'],
  ]);
  assert.deepEqual(
    readable(log.slice(0, -3)).sort(),
    [['stream-stopped-speaking', 'alice_webcam'], ['stream-stopped-speaking', 'bob_screen'], ['stream-stopped-speaking', 'bob_webcam']],
  );
  // A stream subscribed from now on is not watched by the client.
  log.length = 0;
  server.notify('participantPublished', { id: 'carol', streams: [{ id: 'webcam' }] });
  await until(() => room.getStreams()['carol_webcam']?.isConnected() === true, 'carol subscribed');
  await delay(150);
  assert.equal(FakeAudioContext.instances[0]!.sources.length, 3, 'no new detector');
  assert.deepEqual(log, []);
});
