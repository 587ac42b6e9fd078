/**
 * What a user meets besides media: the join form's checks, the room list and invite link,
 * chat, the hat filter on a server without filters, and every failure message (camera denied,
 * name taken, room closed and participant evicted through the admin API, connection dropped and
 * resumed, connection lost for good).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page, WebSocketRoute } from 'playwright-core';
import { chromiumAvailable } from '../../../testing/chromium.js';
import { eventually, expectNoVideo, expectServerEmpty, expectStillPlaying, expectVideos, join, leave, startBed, submitJoin, thumb, type DemoBed } from './support.js';

const ADMIN_SECRET = 'demo-test-secret';

describe('demo in Chromium: room events and messages', { skip: !chromiumAvailable() && 'no Chromium' }, () => {
  let bed: DemoBed;
  before(async () => {
    bed = await startBed({ adminSecret: ADMIN_SECRET });
  });
  afterEach(async () => {
    await bed.closePages();
    await expectServerEmpty(bed.server);
  });
  after(async () => {
    await bed?.close();
  });

  const admin = (method: string, path: string) =>
    fetch(bed.server.url + path, { method, headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
  const dialog = (page: Page, kind: string) => page.waitForSelector(`#dialog[open][data-kind="${kind}"]`, { timeout: 15_000 });

  test('join form: each invalid field says why; the invite link and the room list fill the room in', async () => {
    const host = await bed.open();
    await join(host, 'host', 'listed-room');

    const page = await bed.open();
    await page.fill('#name', 'bad<name>');
    await page.fill('#roomName', '');
    await page.click('#joinBtn');
    assert.equal(await page.textContent('#nameError'), "User name may only contain letters, digits, spaces and '-', '_', '.', '@' (not '<' (U+003C), '>' (U+003E)).");
    assert.equal(await page.textContent('#roomNameError'), 'Room name is required.');
    assert.equal(await page.isVisible('#callView'), false);
    // The room list comes from /getAllRooms; picking one fills the field and the invite link.
    await page.click('#roomList button[data-room="listed-room"]');
    assert.equal(await page.inputValue('#roomName'), 'listed-room');
    assert.equal(await page.textContent('#roomNameError'), '');
    assert.equal(await page.inputValue('#shareLink'), `${bed.server.url}/#/rooms/listed-room`);

    // Opening an invite link pre-fills the room.
    const invited = await bed.open('/#/rooms/listed-room');
    assert.equal(await invited.inputValue('#roomName'), 'listed-room');
    // Letters of any script and spaces are fine, in the form and on the server.
    await invited.fill('#name', 'José Müller');
    await invited.click('#joinBtn');
    await invited.waitForSelector('#callView:not([hidden])');
    await expectVideos(invited, ['host', 'José Müller'], 3);
    await expectVideos(host, ['host', 'José Müller'], 3);
    await leave(invited);
    await leave(host);
  });

  test('camera denied: the page says so and stays on the join form', async () => {
    const page = await bed.open('/', (p) =>
      // What the browser does when the user blocks the camera: getUserMedia rejects NotAllowedError.
      p.addInitScript(`navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));`),
    );
    await submitJoin(page, 'shy', 'nocam');
    await page.waitForSelector('#joinError:not([hidden])');
    const message = await page.textContent('#joinError');
    assert.match(message!, /Camera and microphone access was denied\. Allow them for this site/);
    assert.match(message!, /Permission denied/);
    assert.equal(await page.isVisible('#callView'), false);
    assert.equal(await page.isEnabled('#joinBtn'), true);
    assert.equal((await bed.server.stats()).participants, 0);
  });

  test('a name already taken: the page shows the error and stays usable', async () => {
    const first = await bed.open();
    await join(first, 'taken', 'dup');
    const second = await bed.open();
    await submitJoin(second, 'taken', 'dup');
    await second.waitForSelector('#joinError:not([hidden])');
    assert.match((await second.textContent('#joinError'))!, /Could not join room 'dup': User 'taken' already exists in room 'dup' \(code 104\)\. Choose another name\./);
    assert.equal(await second.isVisible('#callView'), false);
    // Still usable: another name joins, and both see each other.
    await second.fill('#name', 'other');
    await second.click('#joinBtn');
    await second.waitForSelector('#callView:not([hidden])');
    await expectVideos(second, ['taken', 'other']);
    await expectVideos(first, ['other']);
    await leave(second);
    await leave(first);
  });

  test('chat between three users, with text that looks like HTML shown as text', async () => {
    const names = ['cA', 'cB', 'cC'];
    const pages = await Promise.all(names.map(() => bed.open()));
    for (let i = 0; i < 3; i++) await join(pages[i]!, names[i]!, 'chat');
    const [a, b, c] = pages as [Page, Page, Page];
    const html = `<img src=x onerror="window.__injected=1"><b>bold</b> & <script>window.__injected=2</script>`;
    await a.click('#buttonChat');
    await a.fill('#chatInput', html);
    await a.press('#chatInput', 'Enter');
    for (const page of pages) {
      // Someone else's message waits behind the Chat button's unread badge; the reader opens the panel.
      if (page !== a) {
        await page.waitForSelector('#chatBadge:not([hidden])');
        assert.equal(await page.isHidden('#chatPanel'), true);
        await page.click('#buttonChat');
      }
      await page.waitForSelector('#chatPanel:not([hidden]) .message[data-user="cA"]');
      assert.equal(await page.textContent('#chatMessages .message[data-user="cA"] .message-text'), html);
      assert.equal(await page.$$eval('#chatMessages img, #chatMessages b, #chatMessages script', (found) => found.length), 0);
      assert.equal(await page.evaluate('window.__injected'), undefined);
    }
    assert.equal(await a.textContent('.message[data-user="cA"] .message-user'), 'You');
    assert.equal(await b.textContent('.message[data-user="cA"] .message-user'), 'cA');
    await b.fill('#chatInput', 'hello from B');
    await b.press('#chatInput', 'Enter');
    for (const page of [a, c]) {
      await page.waitForSelector('.message[data-user="cB"]');
      assert.equal(await page.textContent('.message[data-user="cB"] .message-text'), 'hello from B');
    }
    for (const page of pages) await leave(page);
  });

  test('hat filter on a server without filters: a clear message, the call goes on', async () => {
    const page = await bed.open();
    await join(page, 'hatter', 'hats');
    await page.click('#buttonHat');
    const toast = await page.waitForSelector('.toast-warning');
    assert.match(
      (await toast.textContent())!,
      /This server cannot apply filters, so the hat is not available\. \(customRequest is not supported: this server has no custom request handler \(code -32601\)\)/,
    );
    assert.equal(await page.getAttribute('#buttonHat', 'aria-pressed'), 'false');
    assert.equal(await page.isHidden('#hatState'), true);
    await expectVideos(page, ['hatter'], 3);
    await leave(page);
  });

  test('a room closed through the admin API: every page shows it', async () => {
    const pages = await Promise.all([bed.open(), bed.open()]);
    await join(pages[0]!, 'k1', 'doomed');
    await join(pages[1]!, 'k2', 'doomed');
    const response = await admin('DELETE', '/api/rooms/doomed');
    assert.equal(response.status, 204);
    for (const page of pages) {
      await dialog(page, 'room-closed');
      assert.equal(await page.textContent('#dialogTitle'), 'The room was closed');
      await page.click('#dialogOk');
      await page.waitForSelector('#joinView:not([hidden])');
      assert.equal(await page.$(thumb('k1')), null);
    }
  });

  test('a participant evicted through the admin API: that page shows it, the other loses the stream', async () => {
    const [stay, go] = await Promise.all([bed.open(), bed.open()]);
    await join(stay!, 'stays', 'evict');
    await join(go!, 'goes', 'evict');
    await expectVideos(stay!, ['goes'], 3);
    const response = await admin('DELETE', '/api/rooms/evict/participants/goes');
    assert.equal(response.status, 204);
    await dialog(go!, 'participant-evicted');
    assert.match((await go!.textContent('#dialogMessage'))!, /An administrator removed you from the room/);
    await expectNoVideo(stay!, 'goes');
    assert.equal(await stay!.isVisible('#dialog'), false);
    await expectVideos(stay!, ['stays'], 3);
    await go!.click('#dialogOk');
    await leave(stay!);
  });

  test('a dropped connection is resumed: the page says it reconnects and the call goes on', async () => {
    const other = await bed.open('/');
    await join(other, 'steady', 'wobbly');
    let socket: WebSocketRoute | undefined;
    const page = await bed.open('/', (p) =>
      // Relay the room WebSocket through Playwright so the test can cut it like a network failure.
      p.routeWebSocket(/\/room$/, (ws) => {
        socket = ws;
        ws.connectToServer();
      }),
    );
    await join(page, 'shaky', 'wobbly');
    await expectVideos(page, ['steady']);
    await eventually('the relayed socket', () => socket !== undefined);
    const first = socket!;
    await first.close({ code: 4000, reason: 'network gone' });
    await page.waitForSelector('#reconnectedNotice', { timeout: 15_000 });
    assert.notEqual(socket, first, 'a new socket was opened');
    assert.equal(await page.isVisible('#dialog[open]'), false, 'no lost-connection dialog');
    await expectStillPlaying(page, 'steady');
    assert.equal((await bed.server.stats()).participants, 2, 'still two participants on the server: the session was resumed, not rejoined');
    await expectStillPlaying(other, 'shaky');
    await leave(page);
    await leave(other);
  });

  test('connection lost for good: the page says so and offers to join again', async () => {
    let cut = false;
    let socketToCut: WebSocketRoute | undefined;
    const page = await bed.open('/', (p) =>
      p.routeWebSocket(/\/room$/, (ws) => {
        // After the cut, every new socket (the client's resumption attempts) fails at once.
        if (cut) return void ws.close({ code: 4000, reason: 'still no network' });
        socketToCut = ws;
        ws.connectToServer();
      }),
    );
    await join(page, 'fragile', 'lossy');
    await eventually('the relayed socket', () => socketToCut !== undefined);
    cut = true;
    await socketToCut!.close({ code: 4000, reason: 'network gone' });
    await page.waitForSelector('#reconnectingNotice', { timeout: 5_000 });
    // The client tries for its reconnectTimeout (10 s by default) before giving up.
    await page.waitForSelector('#dialog[open][data-kind="lost-connection"]', { timeout: 25_000 });
    assert.match((await page.textContent('#dialogMessage'))!, /The connection to the room server was lost/);
    await page.click('#dialogOk');
    await page.waitForSelector('#joinView:not([hidden])');
    assert.equal(await page.isEnabled('#joinBtn'), true);
  });
});
