// The speaking detector of one audio track, driven with levels and times chosen here (no clock):
// smoothing, the two thresholds and the two delays of its hysteresis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SPEAKING_OPTIONS, SpeakingDetector, type SpeakingDetectorOptions } from '../../src/media/werift/SpeakingDetector.js';

const TICK = 250;
const options: SpeakingDetectorOptions = { startDbov: -50, stopDbov: -60, startMs: 200, stopMs: 1000, smoothing: 1 };

/** One window of `packets` packets at `level` (-dBov, 0..127), closed at `now`; returns whether speaking changed. */
function window(d: SpeakingDetector, level: number, now: number, packets = 12): boolean {
  for (let i = 0; i < packets; i++) d.addSample(level);
  return d.update(now);
}

/** Feeds windows of `level` from `from` (exclusive) every TICK ms up to `to`; returns the times at which speaking changed. */
function run(d: SpeakingDetector, level: number, from: number, to: number): number[] {
  const changes: number[] = [];
  for (let t = from + TICK; t <= to; t += TICK) if (window(d, level, t)) changes.push(t);
  return changes;
}

describe('SpeakingDetector', () => {
  it('starts speaking once the level stayed above startDbov for startMs, and not before', () => {
    const d = new SpeakingDetector(options);
    assert.deepEqual(run(d, 127, 0, 2000), [], 'silence never speaks');
    assert.equal(window(d, 20, 2250), false, 'one loud window is not yet speech');
    assert.equal(d.speaking, false);
    assert.equal(d.level, -20);
    assert.equal(window(d, 20, 2500), true, 'a second one, 250 ms later (>= startMs), is');
    assert.equal(d.speaking, true);
  });

  it('a short burst (a cough, a click) never makes a speaker', () => {
    const d = new SpeakingDetector(options);
    for (let t = TICK; t <= 10_000; t += TICK) {
      // One loud window in every four: each is followed by quiet before startMs has passed.
      assert.equal(window(d, t % 1000 === 0 ? 10 : 127, t), false, `changed at ${t}`);
    }
    assert.equal(d.speaking, false);
  });

  it('stops only after stopMs below stopDbov: pauses between words and levels between the thresholds keep it speaking', () => {
    const d = new SpeakingDetector(options);
    run(d, 30, 0, 500);
    assert.equal(d.speaking, true);
    // Pauses of 750 ms (< stopMs) between words.
    for (let t = 750; t <= 6000; t += TICK) {
      const pause = Math.floor(t / 1000) % 2 === 0 && t % 1000 < 750;
      assert.equal(window(d, pause ? 127 : 30, t), false, `changed at ${t}`);
    }
    // Between the two thresholds (-55 dBov): neither starts nor stops.
    assert.deepEqual(run(d, 55, 6000, 9000), []);
    assert.equal(d.speaking, true);
    // Quiet: stops once stopMs has passed since the first quiet window.
    assert.equal(window(d, 100, 9250), false);
    assert.deepEqual(run(d, 100, 9250, 12_000), [10_250]);
    assert.equal(d.speaking, false);
    // The same middle level does not start it again either.
    assert.deepEqual(run(d, 55, 12_000, 15_000), []);
  });

  it('a window without packets is silence (a muted microphone may send nothing)', () => {
    const d = new SpeakingDetector({ ...options, stopMs: 500 });
    run(d, 25, 0, 500);
    assert.equal(d.speaking, true);
    const changes: number[] = [];
    for (let t = 750; t <= 2000; t += TICK) if (window(d, 0, t, 0)) changes.push(t);
    assert.deepEqual(changes, [1250]);
    assert.equal(d.level, -127);
  });

  it('smooths: the level moves by `smoothing` of the distance to each window mean', () => {
    const d = new SpeakingDetector({ ...options, smoothing: 0.5 });
    assert.equal(d.level, -127);
    window(d, 27, 250);
    assert.equal(d.level, -77, 'halfway from -127 to -27');
    window(d, 27, 500);
    assert.equal(d.level, -52);
    // The mean of a window: 6 packets at -20 and 6 at -60 is -40.
    for (let i = 0; i < 6; i++) d.addSample(20);
    for (let i = 0; i < 6; i++) d.addSample(60);
    d.update(750);
    assert.equal(d.level, -46);
  });

  it('refuses settings that make no sense', () => {
    assert.throws(() => new SpeakingDetector({ ...options, stopDbov: -40 }), /stopDbov' must be within -127..startDbov/);
    assert.throws(() => new SpeakingDetector({ ...options, startDbov: 3 }), /startDbov' must be within -127..0/);
    assert.throws(() => new SpeakingDetector({ ...options, smoothing: 0 }), /smoothing' must be within/);
    assert.throws(() => new SpeakingDetector({ ...options, stopMs: Number.NaN }), /stopMs' must be a finite number/);
    assert.throws(() => new SpeakingDetector({ ...options, startMs: -1 }), /must not be negative/);
    assert.doesNotThrow(() => new SpeakingDetector(DEFAULT_SPEAKING_OPTIONS));
  });
});
