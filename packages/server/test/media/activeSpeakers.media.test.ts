/**
 * Active speakers of the werift engine, in this thread and on a worker thread, against real
 * libwebrtc publishers: one sends a 440 Hz tone, one digital silence. libwebrtc measures the
 * level of what it encodes and writes it into every audio packet (RFC 6464); the engine must
 * name the tone publisher, never the silent one, and drop it when it goes.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import type { MediaEngine } from '../../src/media/MediaEngine.js';
import { WeriftMediaEngine } from '../../src/media/werift/WeriftMediaEngine.js';
import { WorkerPoolMediaEngine } from '../../src/media/workers/index.js';
import { eventually } from '../helpers/RpcTestClient.js';
import { waitUntil } from '../helpers/wrtcPeers.js';
import { CandidateRouter, publish, subscribe, TestPeers } from './wiring.js';

// Generous: a worker thread loads werift first, on a machine shared with other test runs.
const TIMEOUT = 30_000;
const peers = new TestPeers({ video: false });
let engines: MediaEngine[] = [];

afterEach(async () => {
  peers.closeAll();
  await Promise.all(engines.map((e) => e.close()));
  engines = [];
});

after(async () => {
  // libwebrtc finishes closing on its own threads; exiting before it is done can abort the
  // process in the binding's finalizers (a @roamhq/wrtc teardown race, not an engine fault).
  await new Promise((resolve) => setTimeout(resolve, 500));
});

/** The audio section's lines of an SDP. */
function audioSection(sdp: string): string[] {
  const sections = sdp.split(/\r?\n(?=m=)/);
  return (sections.find((s) => s.startsWith('m=audio')) ?? '').split(/\r?\n/);
}

const engineKinds: Array<[string, () => MediaEngine]> = [
  ['in this thread', () => new WeriftMediaEngine()],
  ['on a worker thread', () => new WorkerPoolMediaEngine({ workers: 1 })],
];

for (const [where, create] of engineKinds) {
  describe(`active speakers of the werift engine ${where}`, () => {
    it('names the publisher of a tone, never the silent one, and forgets it when released', async () => {
      const engine = create();
      engines.push(engine);
      assert.equal(engine.detectsSpeakers, true);
      const reports: Array<[string, string[]]> = [];
      engine.on('activeSpeakers', (group, ids) => reports.push([group, ids]));
      const router = new CandidateRouter(engine);

      const toneAnswer = await publish(engine, router, 'tone', peers.pub({ toneAmplitude: 8000 }), { group: 'room' });
      await publish(engine, router, 'silent', peers.pub({ toneAmplitude: 0 }), { group: 'room' });
      // A publisher in another room speaks too: its reports are its room's alone.
      await publish(engine, router, 'elsewhere', peers.pub({ toneAmplitude: 8000 }), { group: 'other' });
      // The extension is negotiated for published audio, under the id the publisher offered.
      assert.ok(
        audioSection(toneAnswer).some((l) => /^a=extmap:\d+ urn:ietf:params:rtp-hdrext:ssrc-audio-level$/.test(l)),
        `no audio level extension in the answer's audio section:\n${audioSection(toneAnswer).join('\n')}`,
      );
      // A subscriber of the tone receives it (and the levels go on while it does).
      const listener = peers.sub({ video: false });
      await subscribe(engine, router, 'listener<-tone', 'tone', listener, { group: 'room' });

      await waitUntil(() => reports.some(([g, ids]) => g === 'room' && ids.includes('tone')), TIMEOUT, `tone among the speakers of room (reports: ${JSON.stringify(reports)})`);
      await waitUntil(() => reports.some(([g, ids]) => g === 'other' && ids.includes('elsewhere')), TIMEOUT, 'elsewhere speaking in its room');
      await eventually(async () => (await listener.statSum('inbound-rtp', 'audio', 'packetsReceived')) > 0, TIMEOUT, 'the tone at its subscriber');
      // Two more seconds of both publishers sending: the silent one never shows up.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (const [group, ids] of reports) {
        assert.ok(!ids.includes('silent'), `the silent publisher was named: ${JSON.stringify(reports)}`);
        assert.deepEqual(ids, group === 'room' ? ['tone'] : ['elsewhere'], `a report of ${group}: ${JSON.stringify(ids)}`);
      }
      assert.deepEqual(reports.filter(([g]) => g === 'room'), [['room', ['tone']]], 'one report while nothing changes');

      await engine.release('tone');
      await waitUntil(() => reports.filter(([g]) => g === 'room').length === 2, TIMEOUT, 'the report after the release');
      assert.deepEqual(reports.filter(([g]) => g === 'room')[1], ['room', []]);
    });

    it('reports nothing with speakerDetection: false, or for a publisher without a group', async () => {
      const off = where === 'in this thread' ? new WeriftMediaEngine({ speakerDetection: false }) : new WorkerPoolMediaEngine({ workers: 1, speakerDetection: false });
      const on = create();
      engines.push(off, on);
      assert.equal(off.detectsSpeakers, false);
      const reports: string[] = [];
      off.on('activeSpeakers', (group) => reports.push(`off:${group}`));
      on.on('activeSpeakers', (group) => reports.push(`on:${group}`));
      await publish(off, new CandidateRouter(off), 'a', peers.pub({ toneAmplitude: 8000 }), { group: 'room' });
      const ungrouped = peers.pub({ toneAmplitude: 8000 });
      await publish(on, new CandidateRouter(on), 'b', ungrouped);
      // A positive control in the same engine: a grouped tone is reported, so the silence above is the engine's choice.
      await publish(on, new CandidateRouter(on), 'c', peers.pub({ toneAmplitude: 8000 }), { group: 'control' });
      await waitUntil(() => reports.includes('on:control'), TIMEOUT, 'the grouped publisher reported');
      await ungrouped.waitForConnected();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.deepEqual(reports, ['on:control']);
    });
  });
}
