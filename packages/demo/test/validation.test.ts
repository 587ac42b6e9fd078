import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAME_MAX_LENGTH, checkName, roomFromHash, shareLink } from '../src/validation.js';

test('names: letters of any script, digits, spaces and -_.@ are accepted, surrounding spaces trimmed', () => {
  assert.deepEqual(checkName('User name', '  alice_01-b '), { ok: true, value: 'alice_01-b' });
  assert.deepEqual(checkName('User name', 'José Müller'), { ok: true, value: 'José Müller' });
  assert.deepEqual(checkName('Room name', 'Café Zürich @ 3.0'), { ok: true, value: 'Café Zürich @ 3.0' });
  assert.deepEqual(checkName('User name', '山田 太郎'), { ok: true, value: '山田 太郎' });
});

test('names: each refusal says why', () => {
  assert.deepEqual(checkName('User name', '   '), { ok: false, reason: 'User name is required.' });
  const long = checkName('Room name', 'r'.repeat(NAME_MAX_LENGTH + 1));
  assert.equal(long.ok, false);
  assert.match((long as { reason: string }).reason, /Room name is too long: 33 characters, at most 32/);
  const bad = checkName('User name', 'bob smith<3>');
  assert.equal(bad.ok, false);
  assert.equal((bad as { reason: string }).reason, "User name may only contain letters, digits, spaces and '-', '_', '.', '@' (not '<' (U+003C), '>' (U+003E)).");
  const control = checkName('Room name', 'r\u0000\u001b');
  assert.equal(control.ok, false);
  assert.match((control as { reason: string }).reason, /not the control or invisible character U\+0000, the control or invisible character U\+001B\)/);
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
