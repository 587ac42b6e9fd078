import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAME_MAX_LENGTH, checkName, roomFromHash, shareLink } from '../src/validation.js';

test('names: letters, digits, - and _ are accepted, surrounding spaces trimmed', () => {
  assert.deepEqual(checkName('User name', '  alice_01-b '), { ok: true, value: 'alice_01-b' });
});

test('names: each refusal says why', () => {
  assert.deepEqual(checkName('User name', '   '), { ok: false, reason: 'User name is required.' });
  const long = checkName('Room name', 'r'.repeat(NAME_MAX_LENGTH + 1));
  assert.equal(long.ok, false);
  assert.match((long as { reason: string }).reason, /Room name is too long: 33 characters, at most 32/);
  const bad = checkName('User name', 'bob smith<3');
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /not space, '<'\)/);
});

test('share link: #/rooms/NAME round-trips, other hashes give nothing', () => {
  const link = shareLink('http://host:8080/#/rooms/old', 'team-a');
  assert.equal(link, 'http://host:8080/#/rooms/team-a');
  assert.equal(roomFromHash(new URL(link).hash), 'team-a');
  assert.equal(roomFromHash('#/rooms/a%20b'), 'a b');
  assert.equal(roomFromHash('#/rooms/'), undefined);
  assert.equal(roomFromHash('#/other/x'), undefined);
  assert.equal(roomFromHash('#/rooms/%E0%A4%A'), undefined);
});
