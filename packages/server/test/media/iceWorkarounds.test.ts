// The two corrections of werift's ICE agent (src/media/werift/iceWorkarounds.ts): that the fields
// they rely on exist in the installed werift, and that the nomination watchdog adopts a valid
// pair only after its grace period and only while the controlling peer has nominated nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CandidatePairState, RTCPeerConnection, type RTCPeerConnection as Pc } from 'werift';
import { hasStunServer, NOMINATION_GRACE_MS, skipUnconfiguredStun, watchNomination } from '../../src/media/werift/iceWorkarounds.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FakePair {
  state: CandidatePairState;
  nominated: boolean;
  priority: number;
}

function fakePc(pairs: FakePair[], options: { controlling?: boolean; refuse?: 'ignore' | 'throw' } = {}) {
  const completed: FakePair[] = [];
  const agent = {
    state: 'completed',
    iceControlling: options.controlling ?? false,
    nominated: undefined as FakePair | undefined,
    checkList: pairs,
    checkComplete(pair: FakePair) {
      completed.push(pair);
      if (options.refuse === 'throw') throw new Error('werift refused');
      if (pair.nominated && !options.refuse) agent.nominated = pair;
    },
  };
  const pc = { iceTransports: [{ connection: agent }] } as unknown as Pc;
  return { pc, agent, completed };
}

describe('werift ICE workarounds', () => {
  it('the installed werift has the agent fields the workarounds use', async () => {
    const offerer = new RTCPeerConnection({ iceServers: [] });
    const answerer = new RTCPeerConnection({ iceServers: [] });
    try {
      offerer.addTransceiver('video', { direction: 'sendonly' });
      await offerer.setLocalDescription(await offerer.createOffer());
      await answerer.setRemoteDescription(offerer.localDescription!);
      const agent = answerer.iceTransports[0]!.connection as unknown as Record<string, unknown>;
      // werift's fallback that skipUnconfiguredStun removes: Google's STUN server, unasked.
      assert.deepEqual(agent.stunServer, ['stun.l.google.com', 19302]);
      skipUnconfiguredStun(answerer);
      assert.equal(agent.stunServer, undefined);
      assert.ok(Array.isArray(agent.checkList), 'checkList');
      assert.equal(typeof agent.checkComplete, 'function', 'checkComplete');
      assert.equal(typeof agent.iceControlling, 'boolean', 'iceControlling');
      assert.equal(CandidatePairState.SUCCEEDED, 3);
    } finally {
      await offerer.close();
      await answerer.close();
    }
  });

  it('adopts the best valid pair once it has waited the grace period for a nomination', async () => {
    const low: FakePair = { state: CandidatePairState.SUCCEEDED, nominated: false, priority: 10 };
    const high: FakePair = { state: CandidatePairState.SUCCEEDED, nominated: false, priority: 20 };
    const failed: FakePair = { state: CandidatePairState.FAILED, nominated: false, priority: 30 };
    const { pc, agent, completed } = fakePc([low, high, failed]);
    let adopted = 0;
    const stop = watchNomination(pc, () => adopted++);
    try {
      await sleep(NOMINATION_GRACE_MS / 2);
      assert.equal(adopted, 0, 'nothing adopted before the grace period');
      await sleep(NOMINATION_GRACE_MS);
      assert.equal(adopted, 1);
      assert.deepEqual(completed, [high]);
      assert.equal(high.nominated, true);
      assert.equal(agent.nominated, high);
      await sleep(600);
      assert.equal(adopted, 1, 'adopted once');
    } finally {
      stop();
    }
  });

  it('leaves the agent alone when the remote nominates, when werift controls, or when no pair is valid', async () => {
    const nominatedPair: FakePair = { state: CandidatePairState.SUCCEEDED, nominated: true, priority: 1 };
    const nominated = fakePc([nominatedPair]);
    nominated.agent.nominated = nominatedPair;
    const controlling = fakePc([{ state: CandidatePairState.SUCCEEDED, nominated: false, priority: 1 }], { controlling: true });
    const checking = fakePc([{ state: CandidatePairState.IN_PROGRESS, nominated: false, priority: 1 }]);
    let adopted = 0;
    const stops = [nominated, controlling, checking].map((f) => watchNomination(f.pc, () => adopted++));
    try {
      await sleep(NOMINATION_GRACE_MS + 700);
      assert.equal(adopted, 0);
      for (const f of [nominated, controlling, checking]) assert.deepEqual(f.completed, []);
    } finally {
      for (const stop of stops) stop();
    }
  });

  it('tries once per agent, reports only what werift took, and never throws from its timer', async () => {
    const ignoring = fakePc([{ state: CandidatePairState.SUCCEEDED, nominated: false, priority: 1 }], { refuse: 'ignore' });
    const throwing = fakePc([{ state: CandidatePairState.SUCCEEDED, nominated: false, priority: 1 }], { refuse: 'throw' });
    let adopted = 0;
    const stops = [ignoring, throwing].map((f) => watchNomination(f.pc, () => adopted++));
    try {
      await sleep(NOMINATION_GRACE_MS + 1200);
      assert.equal(adopted, 0, 'nothing reported as adopted');
      assert.equal(ignoring.completed.length, 1, 'one attempt, not one per tick');
      assert.equal(throwing.completed.length, 1);
    } finally {
      for (const stop of stops) stop();
    }
  });

  it('knows whether a STUN server is configured', () => {
    assert.equal(hasStunServer({}), false);
    assert.equal(hasStunServer({ iceServers: [{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'c' }] }), false, 'TURN only');
    assert.equal(hasStunServer({ iceServers: [{ urls: ['turn:t.example.org', 'stun:s.example.org:3478'] }] }), true);
  });

  it('stops watching when told to', async () => {
    const { pc, completed } = fakePc([{ state: CandidatePairState.SUCCEEDED, nominated: false, priority: 1 }]);
    const stop = watchNomination(pc, () => undefined);
    stop();
    await sleep(NOMINATION_GRACE_MS + 700);
    assert.deepEqual(completed, []);
  });
});
