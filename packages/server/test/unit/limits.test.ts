import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clampPingInterval, DEFAULT_LIMITS, resolveLimits } from '../../src/limits.js';

describe('limits', () => {
  it('overrides the defaults one by one and refuses nonsense', () => {
    const limits = resolveLimits({ rooms: 5, messageChars: undefined });
    assert.equal(limits.rooms, 5);
    assert.equal(limits.messageChars, DEFAULT_LIMITS.messageChars);
    assert.throws(() => resolveLimits({ rooms: 0 }), /limit 'rooms' must be a positive integer, got 0/);
    assert.throws(() => resolveLimits({ nameChars: 1.5 }), /'nameChars'/);
    assert.throws(() => resolveLimits({ bogus: 1 } as never), /unknown limit 'bogus'/);
  });

  it('clamps ping intervals so the watchdog (three intervals) stays far below 2^31-1 ms', () => {
    assert.equal(clampPingInterval(1e9), 60_000);
    assert.equal(clampPingInterval(1), 1000);
    assert.equal(clampPingInterval(3000), 3000);
    assert.ok(clampPingInterval(Number.MAX_SAFE_INTEGER) * 3 < 2 ** 31 - 1);
  });
});
