import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEmitter } from '../../src/util/TypedEmitter.js';

class Probe extends TypedEmitter<{ ping: [n: number] }> {
  fire(n: number): void {
    this.emit('ping', n);
  }
}

describe('TypedEmitter', () => {
  it('a once-listener runs on the next emit only', () => {
    const probe = new Probe();
    const seen: number[] = [];
    probe.once('ping', (n) => seen.push(n));
    probe.fire(1);
    probe.fire(2);
    probe.fire(3);
    assert.deepEqual(seen, [1]);
  });

  it('off removes a once-listener before it fires', () => {
    const probe = new Probe();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    probe.once('ping', listener);
    probe.off('ping', listener);
    probe.fire(1);
    assert.deepEqual(seen, []);
  });

  it('on-listeners keep running, in registration order, past a throwing one', () => {
    const probe = new Probe();
    const seen: string[] = [];
    probe.on('ping', (n) => seen.push(`a${n}`));
    probe.on('ping', () => {
      throw new Error('boom');
    });
    probe.once('ping', (n) => seen.push(`once${n}`));
    probe.on('ping', (n) => seen.push(`b${n}`));
    const original = console.error;
    console.error = () => undefined;
    try {
      probe.fire(1);
      probe.fire(2);
    } finally {
      console.error = original;
    }
    assert.deepEqual(seen, ['a1', 'once1', 'b1', 'a2', 'b2']);
  });
});
