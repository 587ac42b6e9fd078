import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter } from '../src/Emitter.js';

describe('Emitter', () => {
  it('a once-listener runs on the next emit only', () => {
    const emitter = new Emitter<{ tick: number }>();
    const seen: number[] = [];
    emitter.once('tick', (n) => seen.push(n));
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    assert.deepEqual(seen, [1]);
  });

  it('off with the listener given to once removes it before it fires', () => {
    const emitter = new Emitter<{ tick: number }>();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    emitter.once('tick', listener);
    emitter.removeEventListener('tick', listener);
    emitter.emit('tick', 1);
    assert.deepEqual(seen, []);
  });

  it('off removes one registration only, leaving the others', () => {
    const emitter = new Emitter<{ tick: number }>();
    const seen: string[] = [];
    const a = (n: number) => seen.push(`a${n}`);
    emitter.on('tick', a);
    emitter.once('tick', a);
    emitter.off('tick', a);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    assert.deepEqual(seen, ['a1']);
  });
});
