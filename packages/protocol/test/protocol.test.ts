import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARAM_LIMITS, JsonRpcErrorCode, endpointNameOf, nameProblem, parseMessage, parseSender, validateParams, globalStreamId } from '@kurento-room/protocol';

describe('parseSender', () => {
  it('splits at the last underscore so user names may contain _', () => {
    assert.deepEqual(parseSender('alice_webcam'), { user: 'alice', streamId: 'webcam' });
    assert.deepEqual(parseSender('john_doe_webcam'), { user: 'john_doe', streamId: 'webcam' });
    assert.equal(globalStreamId('john_doe'), 'john_doe_webcam');
  });
  it("no two (user, stream) pairs read the same: user alice_screen's webcam and alice's screen", () => {
    assert.equal(globalStreamId('alice_screen', 'webcam'), 'alice_screen_webcam');
    assert.equal(globalStreamId('alice', 'screen'), 'alice_screen');
    assert.deepEqual(parseSender('alice_screen_webcam'), { user: 'alice_screen', streamId: 'webcam' });
    assert.deepEqual(parseSender('alice_screen'), { user: 'alice', streamId: 'screen' });
    // The original's endpointName is the same string for both: hence `sender` beside it.
    assert.equal(endpointNameOf('alice_screen', 'webcam'), 'alice_screen');
    assert.equal(endpointNameOf('alice', 'screen'), 'alice_screen');
  });
  it('rejects senders without a usable split', () => {
    assert.equal(parseSender('alice'), null);
    assert.equal(parseSender('_webcam'), null);
    assert.equal(parseSender('alice_'), null);
  });
});

describe('parseMessage', () => {
  it('classifies requests, notifications and responses', () => {
    assert.equal(parseMessage('{"jsonrpc":"2.0","id":1,"method":"ping"}').kind, 'request');
    assert.equal(parseMessage('{"jsonrpc":"2.0","method":"ping"}').kind, 'notification');
    assert.equal(parseMessage('{"jsonrpc":"2.0","id":1,"result":{}}').kind, 'response');
    assert.equal(parseMessage('{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}').kind, 'response');
  });
  it('gives -32700 for malformed JSON and -32600 for non-objects', () => {
    const bad = parseMessage('{"jsonrpc":');
    assert.equal(bad.kind, 'invalid');
    assert.equal(bad.kind === 'invalid' && bad.error.code, JsonRpcErrorCode.PARSE_ERROR);
    for (const text of ['42', '"x"', 'null', '[]', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]']) {
      const parsed = parseMessage(text);
      assert.equal(parsed.kind === 'invalid' && parsed.error.code, JsonRpcErrorCode.INVALID_REQUEST, text);
    }
  });
  it('rejects a wrong version, a non-string method, a non-object params and a bad id', () => {
    const cases: Array<[string, number]> = [
      ['{"jsonrpc":"1.0","id":1,"method":"ping"}', JsonRpcErrorCode.INVALID_REQUEST],
      ['{"jsonrpc":"2.0","id":1,"method":7}', JsonRpcErrorCode.INVALID_REQUEST],
      ['{"jsonrpc":"2.0","id":1,"method":"joinRoom","params":[1]}', JsonRpcErrorCode.INVALID_PARAMS],
      ['{"jsonrpc":"2.0","id":{},"method":"ping"}', JsonRpcErrorCode.INVALID_REQUEST],
    ];
    for (const [text, code] of cases) {
      const parsed = parseMessage(text);
      assert.equal(parsed.kind, 'invalid', text);
      assert.equal(parsed.kind === 'invalid' && parsed.error.code, code, text);
    }
  });
});

describe('validateParams', () => {
  it('accepts well-typed params and ignores extra keys', () => {
    const r = validateParams('joinRoom', { user: 'a', room: 'r', token: 'x' });
    assert.equal(r.ok, true);
  });
  it('names a missing element', () => {
    const r = validateParams('publishVideo', { sdpOffer: 'v=0' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, JsonRpcErrorCode.INVALID_PARAMS);
    assert.match(!r.ok ? r.error.message : '', /'doLoopback' is missing/);
  });
  it('names a wrongly typed element', () => {
    const r = validateParams('onIceCandidate', { endpointName: 'a', candidate: 'c', sdpMid: '0', sdpMLineIndex: '0' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /'sdpMLineIndex' must be an integer, got string/);
  });
  it('treats null as missing and bounds string lengths', () => {
    assert.equal(validateParams('joinRoom', { user: null, room: 'r' }).ok, false);
    assert.equal(validateParams('joinRoom', { user: 'x'.repeat(300), room: 'r' }).ok, false);
  });
  it('accepts only safe stream ids', () => {
    assert.equal(validateParams('unpublishVideo', { streamId: 'screen' }).ok, true);
    assert.equal(validateParams('unpublishVideo', { streamId: 'a_b' }).ok, false);
  });
  it("says why a stream id cannot hold '_'", () => {
    const r = validateParams('publishVideo', { sdpOffer: 'v=0', doLoopback: false, streamId: 'my_screen' });
    assert.match(!r.ok ? r.error.message : '', /got 'my_screen': '_' separates the user name from the stream id in '<user>_<streamId>'/);
    const other = validateParams('publishVideo', { sdpOffer: 'v=0', doLoopback: false, streamId: 'a b' });
    assert.equal(!other.ok ? other.error.message : '', "Request element 'streamId' must be 1-64 letters, digits or '-'");
  });
  it('onIceCandidate takes an optional sender, a bounded string', () => {
    const base = { endpointName: 'alice_screen', candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 };
    assert.equal(validateParams('onIceCandidate', { ...base, sender: 'alice_screen_webcam' }).ok, true);
    assert.equal(validateParams('onIceCandidate', base).ok, true);
    assert.equal(validateParams('onIceCandidate', { ...base, sender: 7 }).ok, false);
    assert.equal(validateParams('onIceCandidate', { ...base, sender: 'x'.repeat(DEFAULT_PARAM_LIMITS.nameChars + 66) }).ok, false);
  });
});

describe('names (nameProblem, joinRoom user and room)', () => {
  it('accepts letters of any script, digits, space and -_.@', () => {
    for (const name of ['José Müller', 'Jose\u0301 Mu\u0308ller', 'Łukasz', '山田 太郎', 'Дмитрий', 'אבי', 'bob_2.0@home-office']) {
      assert.equal(nameProblem('user', name, 100), null, name);
      assert.equal(validateParams('joinRoom', { user: name, room: name }).ok, true, name);
    }
  });

  it('refuses control characters, naming the element, the character and its position', () => {
    const cases: Array<[string, RegExp]> = [
      ['ali\u0000ce', /'user' may contain only letters, digits, spaces and '-', '_', '.', '@'; the control or invisible character U\+0000 at position 3/],
      ['\u001b[31mred', /control or invisible character U\+001B at position 0/],
      ['two\nlines', /U\+000A at position 3/],
      ['zero\u200bwidth', /U\+200B/],
      ['<b>bold</b>', /'<' \(U\+003C\) at position 0/],
    ];
    for (const [name, pattern] of cases) {
      const r = validateParams('joinRoom', { user: name, room: 'r' });
      assert.equal(r.ok, false, JSON.stringify(name));
      if (!r.ok) {
        assert.equal(r.error.code, JsonRpcErrorCode.INVALID_PARAMS);
        assert.match(r.error.message, pattern);
      }
    }
    const room = validateParams('joinRoom', { user: 'a', room: 'r\u0007' });
    assert.equal(room.ok, false);
    if (!room.ok) assert.match(room.error.message, /'room' may contain only/);
  });

  it('bounds the length by the given limits; the empty name is left to the room logic', () => {
    const limits = { ...DEFAULT_PARAM_LIMITS, nameChars: 8 };
    assert.equal(validateParams('joinRoom', { user: 'a'.repeat(8), room: 'r' }, limits).ok, true);
    const long = validateParams('joinRoom', { user: 'a'.repeat(9), room: 'r' }, limits);
    assert.equal(long.ok, false);
    if (!long.ok) assert.match(long.error.message, /'user' is longer than 8 characters/);
    assert.equal(validateParams('joinRoom', { user: '', room: 'r' }).ok, true);
  });
});

describe('chat message length', () => {
  it('sendMessage.message is bounded by messageChars', () => {
    const limits = { ...DEFAULT_PARAM_LIMITS, messageChars: 5 };
    const params = (message: string) => ({ message, userMessage: 'a', roomMessage: 'r' });
    assert.equal(validateParams('sendMessage', params('12345'), limits).ok, true);
    const r = validateParams('sendMessage', params('123456'), limits);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, -32602);
      assert.match(r.error.message, /'message' is longer than 5 characters/);
    }
    assert.equal(validateParams('sendMessage', params('x'.repeat(DEFAULT_PARAM_LIMITS.messageChars + 1))).ok, false, 'bounded by default too');
  });
});
