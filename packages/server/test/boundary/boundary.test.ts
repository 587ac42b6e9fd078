/**
 * The boundary between signalling and rooms carries nothing but plain data (issue 13, item 1).
 * The two halves are wired here as the server wires them, except that every command, every
 * outcome, every notice the room layer sends on its own and every admin action and view crosses
 * through a check that it survives structuredClone and JSON unchanged, and only the copy goes
 * on: a closure, a class instance, a Map or an undefined field anywhere fails the test. A
 * scenario through real JSON-RPC clients then drives every command kind and every room method,
 * and the clients see the notifications that crossed as copies.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { paramSchemas } from '@kurento-room/protocol';
import { isRoomMethod, type AdminCommand, type SessionCommand } from '../../src/boundary/commands.js';
import type { NotificationSink } from '../../src/boundary/NotificationSink.js';
import type { AdminOutcome, CommandOutcome, Notice } from '../../src/boundary/outputs.js';
import type { RoomService } from '../../src/boundary/RoomService.js';
import type { RoomStats, RoomView } from '../../src/boundary/views.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { createLogger } from '../../src/log.js';
import { LocalRoomService } from '../../src/room/LocalRoomService.js';
import { RoomManager } from '../../src/room/RoomManager.js';
import { SessionRegistry } from '../../src/signalling/SessionRegistry.js';
import { SignallingServer } from '../../src/signalling/SignallingServer.js';
import { FakeMediaEngine } from '../helpers/FakeMediaEngine.js';
import { eventually, FAKE_OFFER, RpcTestClient } from '../helpers/RpcTestClient.js';

const WAIT_MS = 10_000;

/** Fails unless `value` comes back equal (prototypes included) from structuredClone and from JSON; returns a copy. */
function crossed<T>(value: T, what: string): T {
  const cloned = structuredClone(value);
  assert.deepStrictEqual(cloned, value, `${what} survives structuredClone`);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(value)), value, `${what} survives JSON`);
  return cloned;
}

/** The room layer behind the check: what crosses is recorded, and only copies go on either way. */
class CheckedRoomService implements RoomService {
  readonly commands: SessionCommand[] = [];
  readonly outcomes: CommandOutcome[] = [];
  readonly admin: AdminCommand[] = [];

  constructor(private readonly inner: RoomService) {}

  async execute(command: SessionCommand): Promise<CommandOutcome> {
    this.commands.push(command);
    const outcome = crossed(await this.inner.execute(crossed(command, `command ${JSON.stringify(command)}`)), 'outcome');
    this.outcomes.push(outcome);
    return outcome;
  }

  async administer(command: AdminCommand): Promise<AdminOutcome> {
    this.admin.push(command);
    return crossed(await this.inner.administer(crossed(command, 'admin command')), 'admin outcome');
  }

  async roomNames(): Promise<string[]> {
    return crossed(await this.inner.roomNames(), 'room names');
  }

  async describeRooms(): Promise<RoomView[]> {
    return crossed(await this.inner.describeRooms(), 'rooms view');
  }

  async describeRoom(name: string): Promise<RoomView | null> {
    return crossed(await this.inner.describeRoom(crossed(name, 'room name')), 'room view');
  }

  async stats(): Promise<RoomStats> {
    return crossed(await this.inner.stats(), 'room stats');
  }
}

/** The sessions behind the check, as the room layer's notification sink. */
class CheckedSink implements NotificationSink {
  readonly notices: Notice[] = [];
  constructor(private readonly sessions: SessionRegistry) {}

  deliver(notices: readonly Notice[]): void {
    const copy = crossed([...notices], 'notices sent through the sink');
    this.notices.push(...copy);
    this.sessions.deliver(copy);
  }
}

describe('the boundary between signalling and rooms', () => {
  it('the check fails on what is not plain data', () => {
    assert.throws(() => crossed({ method: 'x', after: () => undefined }, 'a closure'), /could not be cloned/);
    assert.throws(() => crossed({ error: new Error('boom') }, 'an error object'), assert.AssertionError);
    assert.throws(() => crossed({ peers: new Map([['a', 1]]) }, 'a map'), assert.AssertionError);
    assert.throws(() => crossed({ room: undefined }, 'an undefined field'), assert.AssertionError);
  });

  describe('a scenario through every command', () => {
    const engine = new FakeMediaEngine();
    const log = createLogger('silent');
    const sessions = new SessionRegistry();
    const sink = new CheckedSink(sessions);
    const rooms = new RoomManager(engine, sink, log, DEFAULT_LIMITS);
    const service = new CheckedRoomService(
      new LocalRoomService(rooms, log, {
        customRequestHandler: async (ctx) => ({ user: ctx.user, streams: ctx.publishedStreams, filters: (await ctx.videoFilters.support()).available }),
      }),
    );
    const signalling = new SignallingServer(service, sessions, { limits: DEFAULT_LIMITS, reconnectionGraceMs: 60_000 }, log);
    const http: Server = createServer((_req, res) => res.writeHead(404).end());
    http.on('upgrade', (req, socket, head) => signalling.handleUpgrade(req, socket, head));
    const clients: RpcTestClient[] = [];
    let url = '';
    /** Joins first and stays in room r until the admin closes it. */
    let alice: RpcTestClient;

    before(async () => {
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/room`;
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await rooms.close();
      signalling.close();
      await engine.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    });

    async function connect(): Promise<RpcTestClient> {
      const c = await RpcTestClient.connect(url);
      clients.push(c);
      return c;
    }
    async function join(user: string): Promise<{ client: RpcTestClient; sessionId: string }> {
      const client = await connect();
      const r = await client.request('joinRoom', { user, room: 'r' });
      assert.ok(r.result, `${user} joins: ${JSON.stringify(r.error)}`);
      return { client, sessionId: r.result.sessionId as string };
    }
    const ok = async (c: RpcTestClient, method: string, params: Record<string, unknown>) => {
      const r = await c.request(method, params, WAIT_MS);
      assert.ok(r.result, `${method}: ${JSON.stringify(r.error)}`);
      return r.result;
    };
    const waitFor = (c: RpcTestClient, method: string, match: (p: Record<string, unknown>) => boolean = () => true) => c.waitForNotification(method, match, WAIT_MS);
    const endpointId = (prefix: string) => [...engine.endpoints.keys()].find((k) => k.startsWith(prefix))!;

    it('runs join, publish, subscribe, candidates, mute, chat, custom request, unsubscribe, unpublish, faults and leave as data', async () => {
      ({ client: alice } = await join('alice'));
      const { client: bob } = await join('bob');
      assert.deepEqual((await waitFor(alice, 'participantJoined')).params, { id: 'bob' });

      await ok(alice, 'onIceCandidate', { endpointName: 'alice', candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
      assert.match(String((await ok(alice, 'publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).sdpAnswer), /^v=0/);
      assert.deepEqual((await waitFor(bob, 'participantPublished')).params.id, 'alice');
      await waitFor(alice, 'iceCandidate', (p) => p.endpointName === 'alice');
      assert.deepEqual(engine.candidatesOf(endpointId('pub-')).length, 1, 'the candidate sent before the offer reached the endpoint');

      await ok(bob, 'receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
      await waitFor(bob, 'iceCandidate', (p) => p.endpointName === 'alice');
      await ok(alice, 'streamPropertyChanged', { streamId: 'webcam', property: 'videoActive', newValue: false });
      assert.equal((await waitFor(bob, 'streamPropertyChanged')).params.newValue, false);
      await ok(alice, 'sendMessage', { message: 'hello', userMessage: 'alice', roomMessage: 'r' });
      for (const c of [alice, bob]) assert.equal((await waitFor(c, 'sendMessage')).params.message, 'hello');
      const { sessionId: _, ...custom } = await ok(alice, 'customRequest', { any: 'thing' });
      assert.deepEqual(custom, { user: 'alice', streams: ['webcam'], filters: true });

      await ok(bob, 'unsubscribeFromVideo', { sender: 'alice_webcam' });
      await ok(bob, 'receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
      // The media engine's own reports cross through the sink.
      engine.emitEvent('endpointState', endpointId('sub-'), 'failed', { cause: 'inactive', silentMs: 5000 });
      assert.equal((await waitFor(bob, 'mediaError')).params.endpointName, 'alice');
      engine.emitEvent('mediaError', endpointId('pub-'), 'encoder trouble');
      assert.equal((await waitFor(alice, 'mediaError')).params.error, 'encoder trouble');

      const refused = await bob.request('publishVideo', { sdpOffer: 'not sdp', doLoopback: false }, WAIT_MS);
      assert.equal(refused.error?.code, 302, 'a room fault crosses as an error object');
      await ok(alice, 'unpublishVideo', {});
      assert.deepEqual((await waitFor(bob, 'participantUnpublished')).params, { name: 'alice' });
      await ok(bob, 'leaveRoom', {});
      assert.deepEqual((await waitFor(alice, 'participantLeft')).params, { name: 'bob' });
      assert.equal((await bob.closed).code, 1000);
    });

    it('carries the session life: socket lost and back, takeover, closeSession', async () => {
      const { client: carol, sessionId: carolSession } = await join('carol');
      carol.terminate();
      await eventually(() => service.commands.some((c) => c.kind === 'connection' && c.sessionId === carolSession && !c.connected), WAIT_MS, 'carol reported without socket');
      await join('carol');
      await waitFor(alice, 'participantLeft', (p) => p.name === 'carol');
      assert.ok(service.outcomes.some((o) => o.ended.includes(carolSession)), 'the join ended the stale session');
      const resumeStale = await (await connect()).request('connect', { sessionId: carolSession });
      assert.equal(resumeStale.error?.code, 40007, 'a taken-over session cannot be resumed');

      const { client: dave, sessionId: daveSession } = await join('dave');
      dave.terminate();
      await eventually(() => service.commands.some((c) => c.kind === 'connection' && c.sessionId === daveSession && !c.connected), WAIT_MS, 'dave reported without socket');
      const daveBack = await connect();
      assert.equal((await daveBack.request('connect', { sessionId: daveSession })).result?.value, 'reconnection successful');
      await eventually(() => service.commands.some((c) => c.kind === 'connection' && c.sessionId === daveSession && c.connected), WAIT_MS, 'dave reported back');

      assert.equal((await daveBack.request('closeSession', {})).result?.value, 'bye');
      await waitFor(daveBack, 'participantEvicted');
      await waitFor(alice, 'participantLeft', (p) => p.name === 'dave');
      assert.ok(service.commands.some((c) => c.kind === 'endSession' && c.sessionId === daveSession));
    });

    it('takes the admin actions and views as data; their notifications cross through the sink', async () => {
      const { client: erin } = await join('erin');
      assert.deepEqual((await service.roomNames()).sort(), ['r']);
      assert.deepEqual((await service.describeRoom('r'))?.participants.map((p) => p.name).sort(), ['alice', 'carol', 'erin']);
      assert.equal((await service.describeRooms()).length, 1);
      assert.equal(await service.describeRoom('nowhere'), null);
      assert.equal((await service.stats()).participants, 3);

      assert.deepEqual(await service.administer({ kind: 'evict', room: 'r', user: 'erin' }), { found: true });
      await waitFor(erin, 'participantEvicted');
      await waitFor(alice, 'participantLeft', (p) => p.name === 'erin');
      assert.deepEqual(await service.administer({ kind: 'evict', room: 'r', user: 'erin' }), { found: false });
      assert.deepEqual(await service.administer({ kind: 'closeRoom', room: 'r' }), { found: true });
      assert.deepEqual((await waitFor(alice, 'roomClosed')).params, { room: 'r' });
      assert.deepEqual(await service.administer({ kind: 'closeRoom', room: 'r' }), { found: false });
    });

    it('saw every command kind, every room method and every kind of output cross', () => {
      const methods = Object.keys(paramSchemas).filter(isRoomMethod).sort();
      const sent = new Set(service.commands.flatMap((c) => (c.kind === 'request' ? [c.method] : [])));
      assert.deepEqual([...sent].sort(), methods);
      assert.deepEqual([...new Set(service.commands.map((c) => c.kind))].sort(), ['connection', 'endSession', 'request']);
      assert.deepEqual([...new Set(service.admin.map((c) => c.kind))].sort(), ['closeRoom', 'evict']);
      assert.ok(service.outcomes.some((o) => 'error' in o.answer), 'an error answer');
      assert.ok(service.outcomes.some((o) => o.before.length > 0) && service.outcomes.some((o) => o.after.length > 0), 'notices before and after answers');
      assert.ok(service.outcomes.some((o) => o.ended.length > 0), 'an ended session');
      const viaSink = new Set(sink.notices.map((n) => n.method));
      for (const method of ['iceCandidate', 'mediaError', 'participantEvicted', 'participantLeft', 'roomClosed']) assert.ok(viaSink.has(method as Notice['method']), `${method} through the sink`);
    });
  });
});
