import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
// @ts-ignore: plain ES module script without types
import { SIZE_BUDGET_GZIP, bundleBrowser, measureSize } from '../scripts/bundle.mjs';

test(`the whole client API is at most ${20_000} bytes minified + gzip`, async () => {
  const { minified, gzip } = await measureSize();
  console.log(`client bundle: ${minified} bytes minified, ${gzip} bytes gzip`);
  assert.equal(SIZE_BUDGET_GZIP, 20_000);
  assert.ok(gzip > 1000, 'the bundle holds the library');
  assert.ok(gzip <= SIZE_BUDGET_GZIP, `${gzip} bytes gzip is over the ${SIZE_BUDGET_GZIP} budget`);
});

test('the browser script defines the global KurentoRoom, callable with or without new', async () => {
  const code: string = await bundleBrowser({ minify: true });
  assert.doesNotMatch(code, /createObjectURL|getRemoteStreams|webkitGetUserMedia/);
  const opened: string[] = [];
  class ScriptedSocket {
    readyState = 0;
    listeners: Record<string, ((e: unknown) => void)[]> = {};
    constructor(url: string) {
      opened.push(url);
      setTimeout(() => this.fire('open', {}), 1);
    }
    addEventListener(type: string, fn: (e: unknown) => void) {
      (this.listeners[type] ??= []).push(fn);
    }
    fire(type: string, event: unknown) {
      for (const fn of this.listeners[type] ?? []) fn(event);
    }
    send() {}
    close() {
      this.fire('close', { code: 1000 });
    }
  }
  const sandbox: Record<string, any> = { setTimeout, clearTimeout, setInterval, clearInterval, WebSocket: ScriptedSocket };
  sandbox.globalThis = sandbox;
  vm.runInNewContext(code, sandbox);
  const KurentoRoom = sandbox.KurentoRoom;
  assert.equal(typeof KurentoRoom, 'function');
  assert.equal(typeof KurentoRoom.Room, 'function');
  assert.equal(typeof KurentoRoom.Stream, 'function');
  const kurento = await new Promise<any>((resolve, reject) =>
    KurentoRoom('wss://example.test/room', (error: Error | null, k: any) => (error ? reject(error) : resolve(k)), { pingInterval: 0 }),
  );
  assert.deepEqual(opened, ['wss://example.test/room']);
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  assert.equal(room.getLocalParticipant().getID(), 'bob');
  assert.equal(kurento.Stream(room, {}).getGlobalID(), 'bob_webcam');
  await kurento.close(true);
});
