import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { iceServersFor, parseIceServers, turnCredentials } from '../../src/ice/iceServers.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('ICE servers for clients', () => {
  it("coturn REST credentials: '<expiry>:<user>' and base64 HMAC-SHA1 of it", () => {
    const { username, credential } = turnCredentials('north', 'José Müller', 3600, NOW);
    assert.equal(username, `${NOW / 1000 + 3600}:José Müller`);
    // Computed independently, as coturn does it for use-auth-secret.
    assert.equal(credential, createHmac('sha1', 'north').update(username, 'utf8').digest().toString('base64'));
    assert.match(credential, /^[A-Za-z0-9+/]{27}=$/);
  });

  it('static servers as they are, then the TURN server with per-user credentials; none configured gives undefined', () => {
    const servers = iceServersFor(
      { static: [{ urls: 'stun:stun.example.org:3478' }], turn: { urls: ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp'], secret: 's' } },
      'bob',
      NOW,
    );
    assert.deepEqual(servers, [
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp'], ...turnCredentials('s', 'bob', 86_400, NOW) },
    ]);
    assert.equal(iceServersFor(undefined, 'bob'), undefined);
    assert.equal(iceServersFor({ static: [] }, 'bob'), undefined);
  });

  it('parses --ice-servers JSON and says what is wrong with a bad one', () => {
    assert.deepEqual(parseIceServers('[{"urls":"stun:a.example:3478"},{"urls":["turn:b.example"],"username":"u","credential":"p","extra":1}]'), [
      { urls: 'stun:a.example:3478' },
      { urls: ['turn:b.example'], username: 'u', credential: 'p' },
    ]);
    assert.throws(() => parseIceServers('{'), /--ice-servers must be JSON/);
    assert.throws(() => parseIceServers('{"urls":"stun:x"}'), /must be a JSON array/);
    assert.throws(() => parseIceServers('[{"urls":"http://x"}]'), /entry 0 needs 'urls': a stun:, stuns:, turn: or turns: URL/);
    assert.throws(() => parseIceServers('[{"urls":"turn:x","username":5}]'), /entry 0: 'username' must be a string/);
  });
});
