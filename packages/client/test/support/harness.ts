import { WebSocket } from 'ws';
import { KurentoRoom, type KurentoRoomClient, type KurentoRoomOptions } from '../../src/index.js';
import type { Emitter } from '../../src/Emitter.js';
import { FakePeerConnection, fakeGetUserMedia } from './fakeMedia.js';
import type { FakeRoomServer } from './fakeServer.js';

/** Options injecting `ws` and the fakes; pings off unless a test asks for them. */
export function testOptions(extra: KurentoRoomOptions = {}): KurentoRoomOptions {
  return {
    WebSocket: WebSocket as any,
    RTCPeerConnection: FakePeerConnection as any,
    getUserMedia: fakeGetUserMedia(),
    pingInterval: 0,
    requestTimeout: 2000,
    ...extra,
  };
}

export function connect(server: FakeRoomServer, extra: KurentoRoomOptions = {}): Promise<KurentoRoomClient> {
  return new Promise((resolve, reject) => {
    KurentoRoom(server.url, (error, kurento) => (error ? reject(error) : resolve(kurento!)), testOptions(extra));
  });
}

/** The next event `type` of `emitter`, or a rejection after `ms`. */
export function nextEvent<M extends object, K extends keyof M>(emitter: Emitter<M>, type: K, ms = 2000): Promise<M[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${String(type)}' event within ${ms} ms`)), ms);
    emitter.once(type, (event) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
}

/** Records every event of the given types, in order, as `[type, payload]`. */
export function record<M extends object>(emitter: Emitter<M>, types: (keyof M)[]): [keyof M, unknown][] {
  const log: [keyof M, unknown][] = [];
  for (const type of types) emitter.on(type, (event) => log.push([type, event]));
  return log;
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` is true (polling), or fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
