// The order of speakers (rankSpeakers) and the per-group reports of ActiveSpeakerMonitor, driven
// tick by tick with a clock and levels chosen here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActiveSpeakerMonitor } from '../../src/media/werift/ActiveSpeakerMonitor.js';
import { rankSpeakers } from '../../src/media/werift/rankSpeakers.js';
import { SpeakingDetector } from '../../src/media/werift/SpeakingDetector.js';

const levels = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('rankSpeakers', () => {
  it('orders newcomers loudest first', () => {
    assert.deepEqual(rankSpeakers([], levels({ a: -40, b: -20, c: -30 })), ['b', 'c', 'a']);
  });

  it('keeps the previous order for differences within the margin, and reorders past it', () => {
    assert.deepEqual(rankSpeakers(['a', 'b'], levels({ a: -30, b: -25 }), 6), ['a', 'b'], '5 dB: no swap');
    assert.deepEqual(rankSpeakers(['a', 'b'], levels({ a: -30, b: -23 }), 6), ['b', 'a'], '7 dB: swap');
    // c overtakes both a and b, which stay in their order.
    assert.deepEqual(rankSpeakers(['a', 'b', 'c'], levels({ a: -30, b: -32, c: -10 }), 6), ['c', 'a', 'b']);
  });

  it('drops speakers that stopped and places a newcomer before the first quieter one', () => {
    assert.deepEqual(rankSpeakers(['a', 'b', 'c'], levels({ a: -20, c: -40, d: -30 })), ['a', 'd', 'c']);
    assert.deepEqual(rankSpeakers(['a'], levels({})), []);
  });
});

/** A monitor on a clock the test moves, with every report recorded. */
function setup() {
  let now = 0;
  const reports: Array<[string, string[]]> = [];
  const monitor = new ActiveSpeakerMonitor((group, ids) => reports.push([group, ids]), { intervalMs: 250, now: () => now });
  const detector = () => new SpeakingDetector({ startDbov: -50, stopDbov: -60, startMs: 200, stopMs: 500, smoothing: 1 });
  /** Each detector gets `level` (-dBov) for one window, then every group is evaluated 250 ms later. */
  const tick = (feed: Array<[SpeakingDetector, number]>) => {
    for (const [d, level] of feed) for (let i = 0; i < 12; i++) d.addSample(level);
    now += 250;
    monitor.tick();
  };
  return { monitor, reports, detector, tick };
}

describe('ActiveSpeakerMonitor', () => {
  it('reports a group only when its ordered speakers change, per group, and empties it when they stop', () => {
    const { monitor, reports, detector, tick } = setup();
    const alice = detector();
    const bob = detector();
    const carol = detector();
    monitor.add('room1', 'alice', [alice]);
    monitor.add('room1', 'bob', [bob]);
    monitor.add('room2', 'carol', [carol]);
    try {
      tick([[alice, 127], [bob, 127], [carol, 127]]);
      assert.deepEqual(reports, [], 'silence: nothing to report');
      tick([[alice, 30], [bob, 127], [carol, 20]]);
      tick([[alice, 30], [bob, 127], [carol, 20]]);
      assert.deepEqual(reports, [['room1', ['alice']], ['room2', ['carol']]]);
      // bob starts louder than alice by more than the margin: he goes first, once.
      tick([[alice, 30], [bob, 10], [carol, 20]]);
      tick([[alice, 30], [bob, 10], [carol, 20]]);
      tick([[alice, 30], [bob, 10], [carol, 20]]);
      assert.deepEqual(reports.slice(2), [['room1', ['bob', 'alice']]]);
      // Everyone quiet: after stopMs each group is told once that nobody speaks.
      for (let i = 0; i < 4; i++) tick([[alice, 127], [bob, 127], [carol, 127]]);
      assert.deepEqual(reports.slice(3), [['room1', []], ['room2', []]]);
      assert.equal(monitor.groups, 2);
    } finally {
      monitor.close();
    }
  });

  it('a publisher removed while speaking leaves its group at the next tick; an emptied group goes', () => {
    const { monitor, reports, detector, tick } = setup();
    const alice = detector();
    monitor.add('room', 'alice', [alice]);
    tick([[alice, 20]]);
    tick([[alice, 20]]);
    assert.deepEqual(reports, [['room', ['alice']]]);
    monitor.remove('alice');
    tick([]);
    assert.deepEqual(reports, [['room', ['alice']], ['room', []]]);
    assert.equal(monitor.groups, 0, 'the group is gone with its last publisher');
    monitor.close();
  });

  it('the loudest audio track of a publisher with several counts', () => {
    const { monitor, reports, detector, tick } = setup();
    const quiet = detector();
    const loud = detector();
    const other = detector();
    monitor.add('room', 'alice', [quiet, loud]);
    monitor.add('room', 'bob', [other]);
    tick([[quiet, 45], [loud, 5], [other, 25]]);
    tick([[quiet, 45], [loud, 5], [other, 25]]);
    assert.deepEqual(reports, [['room', ['alice', 'bob']]]);
    monitor.close();
  });

  it('a publisher without detectors is not watched, and close() stops everything', () => {
    const { monitor, reports, tick } = setup();
    monitor.add('room', 'video-only', []);
    assert.equal(monitor.groups, 0);
    tick([]);
    assert.deepEqual(reports, []);
    monitor.close();
    assert.throws(() => new ActiveSpeakerMonitor(() => undefined, { intervalMs: 0 }), /positive number/);
  });
});
