import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KurentoRoomClient } from '../src/index.js';
import { SPEAKER_POLL_MS, SPEAKER_QUIET_SAMPLES } from '../src/SpeakerDetector.js';
import { FakeAudioContext } from './support/fakeAudio.js';
import { FakePeerConnection } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, delay, nextEvent, record, until } from './support/harness.js';

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
beforeEach(async () => {
  FakePeerConnection.reset();
  FakeAudioContext.instances = [];
  FakeAudioContext.level = -100;
  server = await FakeRoomServer.start({
    joinRoom: () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID }),
  });
  kurento = await connect(server, { AudioContext: FakeAudioContext as any });
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

test('speaking, update-main-speaker and stopped-speaking follow thresholdSpeaker and updateSpeakerInterval; timers stop on leave', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob', thresholdSpeaker: -50, updateSpeakerInterval: 40 });
  const log = record(room, ['stream-speaking', 'stream-stopped-speaking', 'update-main-speaker']);
  await room.connect();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  await delay(120);
  assert.equal(log.length, 0, 'silence is not speech');
  FakeAudioContext.level = -40;
  await until(() => log.some(([t]) => t === 'update-main-speaker'), 'update-main-speaker');
  assert.deepEqual(log[0], ['stream-speaking', { participantId: 'alice_webcam' }]);
  assert.deepEqual(log.find(([t]) => t === 'update-main-speaker'), ['update-main-speaker', { participantId: 'alice_webcam' }]);
  FakeAudioContext.level = -70;
  const stopped = Date.now();
  await until(() => log.some(([t]) => t === 'stream-stopped-speaking'), 'stopped speaking');
  assert.ok(Date.now() - stopped >= (SPEAKER_QUIET_SAMPLES - 1) * SPEAKER_POLL_MS);
  assert.deepEqual(log.filter(([t]) => t === 'stream-stopped-speaking'), [['stream-stopped-speaking', { participantId: 'alice_webcam' }]]);
  await delay(100);
  const updates = log.filter(([t]) => t === 'update-main-speaker').length;
  await delay(100);
  assert.equal(log.filter(([t]) => t === 'update-main-speaker').length, updates, 'no main speaker while nobody speaks');

  FakeAudioContext.level = -40;
  await until(() => log.filter(([t]) => t === 'stream-speaking').length === 2, 'speaking again');
  await room.leave();
  const count = log.length;
  await delay(150);
  assert.equal(log.length, count, 'no speaker event after leave');
  assert.equal(FakeAudioContext.instances[0]!.closed, true);
  assert.equal(FakeAudioContext.instances[0]!.sources[0]!.disconnected, true);
});

test('a level under thresholdSpeaker is not speech', async () => {
  FakeAudioContext.level = -40;
  const room = kurento.Room({ room: 'r1', user: 'bob', thresholdSpeaker: -30, updateSpeakerInterval: 30 });
  const log = record(room, ['stream-speaking', 'update-main-speaker']);
  await room.connect();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  await delay(200);
  assert.equal(FakeAudioContext.instances.length, 1, 'the stream is being watched');
  assert.deepEqual(log, []);
  FakeAudioContext.level = -20;
  assert.deepEqual(await nextEvent(room, 'stream-speaking'), { participantId: 'alice_webcam' });
});

test('an unpublished stream stops being watched and reports stopped-speaking', async () => {
  FakeAudioContext.level = -10;
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const speaking = nextEvent(room, 'stream-speaking');
  await room.connect();
  await speaking;
  const stopped = nextEvent(room, 'stream-stopped-speaking');
  server.notify('participantUnpublished', { name: 'alice' });
  assert.deepEqual(await stopped, { participantId: 'alice_webcam' });
  assert.equal(FakeAudioContext.instances[0]!.sources[0]!.disconnected, true);
});
